"""The answer model behind one small protocol: in-process llama.cpp, or any OpenAI-compatible server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from index.errors import ModelUnavailable

Message = dict[str, str]


class LLM(Protocol):
    """Streams a chat completion, token by token."""

    name: str

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Yield the reply's text as it is written."""
        ...


class LlamaCppLLM:
    """llama-cpp-python in this process; the chat template comes from the GGUF itself."""

    def __init__(self, model_path: Path, *, n_threads: int = 2, n_ctx: int = 4096) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as err:
            raise ModelUnavailable("llama-cpp-python is not installed: pip install llama-cpp-python") from err
        if not model_path.exists():
            raise ModelUnavailable(f"{model_path}: model file not found; run `briefing model` to set one up")
        try:
            self._llama = Llama(
                model_path=str(model_path), n_threads=n_threads, n_ctx=n_ctx, verbose=False, n_batch=512
            )
        except Exception as err:  # llama.cpp reports a bad file as ValueError or RuntimeError
            raise ModelUnavailable(f"{model_path}: not a usable GGUF model ({err})") from err
        self._lock = threading.Lock()  # one generation at a time on one context
        self.name = model_path.name

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Greedy decoding: answers should be the same every time for the same evidence."""
        with self._lock:
            chunks = self._llama.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=0.0, stream=True
            )
            for chunk in chunks:
                delta = chunk["choices"][0].get("delta", {})
                if delta.get("content"):
                    yield delta["content"]


class OpenAICompatibleLLM:
    """A chat-completions server (llama.cpp's own, vLLM, ...), streamed over server-sent events."""

    def __init__(
        self, base_url: str, *, model: str = "local", api_key: str | None = None, timeout: float = 120
    ) -> None:
        import httpx

        self._url = base_url.rstrip("/") + (
            "/chat/completions" if base_url.rstrip("/").endswith("/v1") else "/v1/chat/completions"
        )
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=5))
        self._model = model
        self.name = f"{model} @ {base_url}"

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Stream the completion; a dead or failing server becomes ModelUnavailable."""
        import httpx

        body = {
            "model": self._model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": True,
        }
        try:
            with self._client.stream("POST", self._url, json=body) as response:
                if response.status_code != 200:
                    raise ModelUnavailable(f"the model server at {self._url} answered HTTP {response.status_code}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        return
                    delta = json.loads(payload)["choices"][0].get("delta", {})
                    if delta.get("content"):
                        yield delta["content"]
        except httpx.HTTPError as err:
            raise ModelUnavailable(f"the model server at {self._url} is unreachable ({type(err).__name__})") from err
