"""Errors that carry one clear sentence for the user.

Every error that reaches a user (CLI or GUI) should be an :class:`MGStudioError`; its
``str()`` is the sentence shown, ``detail`` the optional technical detail shown on demand.
"""

from __future__ import annotations


class MGStudioError(Exception):
    """An error with a message written for the user (one sentence, no traceback)."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


class FormatError(MGStudioError):
    """A file could not be read or written in the expected format."""


class ProjectError(MGStudioError):
    """The project store refused an operation (missing item, newer schema, read-only...)."""


class MediaError(MGStudioError):
    """A video could not be opened or decoded."""


class CancelledError(MGStudioError):
    """The user cancelled a long operation."""

    def __init__(self, message: str = "Cancelled.", detail: str | None = None) -> None:
        super().__init__(message, detail)
