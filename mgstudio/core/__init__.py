"""The domain: skeletons, joint layouts, segments, taxonomies, the project store, metrics.

No Qt and no torch here: numpy and the standard library only.
"""
