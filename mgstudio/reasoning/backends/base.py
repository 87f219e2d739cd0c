"""The interface every language-model back-end offers: :class:`Backend`, its :class:`Completion`,
:class:`LLMError`, and :class:`UnavailableBackend` for a model that could not be set up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from mgstudio.core.errors import MGStudioError

TokenCallback = Callable[[str], None]


class LLMError(MGStudioError):
    """The language model could not be loaded or did not answer."""


@dataclass
class Completion:
    """One model answer."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    elapsed_s: float = 0.0
    first_token_s: float | None = None
    finish_reason: str | None = None


class Backend(Protocol):
    """What the report needs from a model."""

    kind: str  # "embedded" or "http"
    model: str  # a display name: GGUF file name or the server's model name

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.2,
        seed: int | None = 0,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        repeat_penalty: float | None = None,
        stop: list[str] | None = None,
        prefer_plain: bool = False,
    ) -> Completion: ...

    def describe(self) -> dict[str, Any]: ...


class UnavailableBackend:
    """Stands in for a model that could not be set up (say, a file that is not GGUF): every call
    raises its error, so the report is still written with the findings and that one sentence."""

    kind = "unavailable"

    def __init__(self, error: LLMError, model: str = "") -> None:
        self.error = error
        self.model = model

    def describe(self) -> dict[str, Any]:
        return {"backend": "unavailable", "model": self.model}

    def complete(self, messages: list[dict[str, str]], **kwargs: Any) -> Completion:
        raise self.error

