"""The desktop app (Qt only lives here): main window, player, 3D view, timeline, review, workers.

Start it with ``mgstudio gui [PROJECT] [--demo]`` or :func:`mgstudio.app.main.run`.
"""
