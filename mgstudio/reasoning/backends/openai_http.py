"""The HTTP back-end: any OpenAI-compatible ``/v1/chat/completions`` endpoint (Ollama, a llama.cpp
server, vLLM, a cloud API) through httpx: timeouts, retries with exponential back-off on
connection errors, 5xx and 429, streaming (server-sent events), cancel.

The API key comes from an environment variable or the OS keyring at call time; it is never
stored in a project, a report, a log line or an error message."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from mgstudio.core.errors import CancelledError
from mgstudio.reasoning.backends.base import Completion, LLMError, TokenCallback

log = logging.getLogger(__name__)

KEYRING_SERVICE = "mgstudio"


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

