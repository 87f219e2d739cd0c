"""Use-cases over a project that span packages, shared by the CLI and the GUI.

Qt-free and picklable, so the window can run each in a worker process: every job here is a
module-level function ``fn(..., progress=None, cancel=None)`` where ``progress(done, total)`` is
called now and then and ``cancel`` is a callable returning True or a ``threading.Event``.

- :mod:`~mgstudio.workflows.ingest`: add videos and skeleton files (File ▸ Add, ``mgstudio add``);
- :mod:`~mgstudio.workflows.extract`: MediaPipe skeletons into the project, one checkpoint folder
  (``PROJECT/cache/pose``) for the GUI and the CLI;
- :mod:`~mgstudio.workflows.recognize`: propose, train / use a label model, similar moments;
- :mod:`~mgstudio.workflows.dataset_export`: a training set (clips, labels, splits) from a project;
- :mod:`~mgstudio.workflows.motion`: movement rows in the timeline's helper process;
- :mod:`~mgstudio.workflows.demo`: the demo project.
"""
