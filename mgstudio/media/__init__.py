"""Video decoding, pose extraction and smoothing."""
