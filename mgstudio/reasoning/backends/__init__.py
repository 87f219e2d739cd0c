"""Language-model back-ends behind one interface (:class:`Backend`, in ``base``).

- ``embedded``: :class:`LlamaCppBackend` (the offline default) runs a GGUF file in-process with
  llama.cpp; the packaged model files (:func:`default_model_path`, ``PACKAGED_MODELS``) live there.
- ``openai_http``: :class:`OpenAIBackend` talks to any OpenAI-compatible server; the API-key
  functions (environment variable or OS keyring, never stored) live there.

:func:`make_backend` builds one from the user's choices (CLI and GUI). This face holds the names
docs/internal-api.md documents; the helpers (``plain_prompt``, ``PACKAGED_MODELS``, ``resolve_model``,
``JSON_MODES``) are imported from their module.
"""

from __future__ import annotations

from mgstudio.reasoning.backends.base import (
    Backend,
    Completion,
    LLMError,
    TokenCallback,
    UnavailableBackend,
)
from mgstudio.reasoning.backends.embedded import LlamaCppBackend, default_model_path
from mgstudio.reasoning.backends.openai_http import OpenAIBackend, resolve_api_key, store_api_key

__all__ = [
    "Backend",
    "Completion",
    "LLMError",
    "LlamaCppBackend",
    "OpenAIBackend",
    "TokenCallback",
    "UnavailableBackend",
    "default_model_path",
    "make_backend",
    "resolve_api_key",
    "store_api_key",
]


def make_backend(
    kind: str = "embedded",
    model: str | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    timeout_s: float = 60.0,
) -> Backend:
    """A back-end from user choices (CLI and GUI)."""
    if kind == "embedded":
        return LlamaCppBackend(model)
    if kind == "http":
        if not base_url:
            raise LLMError("Give the model server's address (for example http://localhost:11434/v1).")
        return OpenAIBackend(base_url, model or "", api_key_env=api_key_env, timeout_s=timeout_s)
    raise LLMError(f"Unknown back-end '{kind}': choose embedded or http.")
