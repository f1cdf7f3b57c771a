"""A fake model for unit tests of our own logic: replies are queued, prompts are recorded."""

from __future__ import annotations

from collections.abc import Iterator


class FakeLLM:
    name = "fake"

    def __init__(self) -> None:
        self.replies: list[str] = []
        self.history: list[list[dict[str, str]]] = []

    def enqueue(self, reply: str) -> None:
        self.replies.append(reply)

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        from bot.llm import estimate_tokens

        return estimate_tokens(messages)

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        self.history.append(messages)
        reply = self.replies.pop(0)
        for word in reply.split(" "):
            yield word + " "
