"""External file formats, one module per format: skeleton imports and segment import/export.

Skeleton imports (``skeletons.load_skeletons`` recognises the format): ``openpose`` (JSON
folders), ``kinect`` (MSR Action3D / UTKinect text), ``ntu`` (Kinect v2 ``.skeleton``),
``pose_pickle`` (JHMDB-style pickles through a restricted unpickler), ``gesture_phase`` (UCI
gesture-phase CSV). Segment formats (ELAN, CSV, BORIS, ...) live beside them.
"""
