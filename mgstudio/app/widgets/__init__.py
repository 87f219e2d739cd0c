"""Small widgets shared by every room: error dialogs, the worker panel, grabbing."""
