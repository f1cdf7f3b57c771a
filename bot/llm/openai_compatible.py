"""Any OpenAI-compatible chat server (llama.cpp's own, vLLM, ...): the scale-out backend."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from bot.llm import Message, estimate_tokens, reply_word, without_control_tokens
from index.errors import ModelUnavailable


def masked_url(value: str) -> str:
    """A URL with any password in it shown as ****: settings, doctor and answers print URLs."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if "@" not in parts.netloc:
        return value
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    # A username alone may be the secret (a token as the user): only its first letters are shown.
    shown = f"{name}:****" if ":" in user else f"{name[:2]}****"
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


class OpenAICompatibleLLM:
    """A chat-completions server (llama.cpp's own, vLLM, ...), streamed over server-sent events."""

    def __init__(
        self, base_url: str, *, model: str = "local", api_key: str | None = None, timeout: float = 120
    ) -> None:
        import httpx

        root = base_url.rstrip("/")
        self._root = root.removesuffix("/v1")
        self._url = root + ("/chat/completions" if root.endswith("/v1") else "/v1/chat/completions")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=5))
        self._model = model
        self._server_counts = True
        self._logprobs = True  # until the server refuses them
        self.name = f"{model} @ {masked_url(base_url)}"  # shown in answers and --json
        self._shown_url = masked_url(self._url)  # errors name the server, never its password

    def count_tokens(self, messages: list[Message]) -> int:
        """llama.cpp's server counts exactly (/apply-template, /tokenize); others are estimated."""
        import httpx

        if self._server_counts:
            try:
                safe = without_control_tokens(messages)
                prompt = self._client.post(f"{self._root}/apply-template", json={"messages": safe}).json()["prompt"]
                tokens = self._client.post(f"{self._root}/tokenize", json={"content": prompt}).json()["tokens"]
                return len(tokens)
            except httpx.TransportError:
                pass  # down or restarting: estimated this once, and the server asked again next time
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                self._server_counts = False  # not llama.cpp's server: estimate from now on
        return estimate_tokens(messages)

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Stream the completion; a dead or failing server becomes ModelUnavailable."""
        import httpx

        body = {
            "model": self._model,
            "messages": without_control_tokens(messages),
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "stream": True,
        }
        try:
            with self._client.stream("POST", self._url, json=body) as response:
                if response.status_code != 200:
                    status = response.status_code
                    raise ModelUnavailable(f"the model server at {self._shown_url} answered HTTP {status}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == "[DONE]":
                        return
                    text = _delta_text(payload, self._shown_url)
                    if text:
                        yield text
        except httpx.HTTPError as err:
            reason = type(err).__name__
            raise ModelUnavailable(f"the model server at {self._shown_url} is unreachable ({reason})") from err

    def weigh(self, messages: list[Message], choices: list[str]) -> dict[str, float]:
        """One token's top probabilities (llama.cpp's server and vLLM give them); else 1 for the word it wrote."""
        import math

        import httpx

        body = {"model": self._model, "messages": without_control_tokens(messages), "max_tokens": 1, "temperature": 0.0}
        asked = {**body, "logprobs": True, "top_logprobs": 10} if self._logprobs else body
        try:
            response = self._client.post(self._url, json=asked)
            if response.status_code in (400, 422) and self._logprobs:
                # Some servers refuse log-probabilities (llama-cpp-python's, unless logits_all): ask for the word.
                response = self._client.post(self._url, json=body)
                self._logprobs = response.status_code != 200
        except httpx.HTTPError as err:
            reason = type(err).__name__
            raise ModelUnavailable(f"the model server at {self._shown_url} is unreachable ({reason})") from err
        if response.status_code == 400 and "context" in response.text.lower():
            raise ValueError(f"the prompt is longer than the context of the model server at {self._shown_url}")
        if response.status_code != 200:
            raise ModelUnavailable(f"the model server at {self._shown_url} answered HTTP {response.status_code}")
        try:
            choice = response.json()["choices"][0]
            reply = choice["message"].get("content") or ""
            tops = ((choice.get("logprobs") or {}).get("content") or [{}])[0].get("top_logprobs") or []
            weights = dict.fromkeys(choices, 0.0)
            for top in tops:
                word = reply_word(str(top["token"]))
                for c in choices:
                    if c.casefold() == word:
                        weights[c] += math.exp(float(top["logprob"]))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise ModelUnavailable(f"the model server at {self._shown_url} sent a reply it could not read") from None
        if not any(weights.values()):  # a server that gives no log-probabilities: the word it wrote
            weights = {c: float(c.casefold() == reply_word(str(reply))) for c in choices}
        return weights


def _delta_text(payload: str, url: str) -> str:
    """The text in one server-sent chunk; an error object or garbage mid-stream is ModelUnavailable."""
    try:
        chunk = json.loads(payload)
    except ValueError:
        raise ModelUnavailable(f"the model server at {url} sent a chunk that is not JSON") from None
    if not isinstance(chunk, dict):
        raise ModelUnavailable(f"the model server at {url} sent a chunk that is not an object")
    if chunk.get("error"):
        error = chunk["error"]
        detail = error.get("message") if isinstance(error, dict) else error
        raise ModelUnavailable(f"the model server at {url} stopped with an error: {str(detail)[:200]}")
    choices = chunk.get("choices")
    if not choices:
        return ""  # a usage chunk, or a server's opening one: legal, and carries no text
    try:
        delta = choices[0].get("delta") or {}
    except (TypeError, AttributeError):
        raise ModelUnavailable(f"the model server at {url} sent a chunk it could not read") from None
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else ""
