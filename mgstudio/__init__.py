"""MG Studio: identity-free micro-gesture annotation, recognition and emotion reasoning."""

__version__ = "0.1.0"
