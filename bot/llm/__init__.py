"""The answer model behind one small protocol: in-process llama.cpp, or any OpenAI-compatible server.

Pick one with `bot.app.create_llm` (settings decide); a new backend is a class with `name`, `stream`,
`count_tokens` (the `LLM` protocol), and `weigh` if it can judge claims (`bot.evidence.entailment.Chooser`),
in a module of its own here.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

Message = dict[str, str]


class LLM(Protocol):
    """Streams a chat completion, token by token, and counts a prompt in its own tokens."""

    name: str

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Yield the reply's text as it is written."""
        ...

    def count_tokens(self, messages: list[Message]) -> int:
        """How many tokens the model will read for these messages, chat template included."""
        ...


def reply_word(reply: str) -> str:
    """A reply's first word, without case or punctuation: how a one-word choice is read off text."""
    words = reply.strip().split()
    return words[0].strip(".,!:;\"'").casefold() if words else ""


#: Chat control tokens as templates write them: ChatML/Qwen/Llama 3/Phi `<|...|>`, Llama 2 and
#: Mistral `<s>`, `[INST]`, `<<SYS>>`, Gemma `<start_of_turn>`.
_CONTROL_TOKEN = re.compile(
    r"<\|[^<>|\s]{1,40}\|>|</?s>|\[/?INST\]|<</?SYS>>|<(?:start|end)_of_turn>|<(?:bos|eos|pad)>", re.I
)


def without_control_tokens(messages: list[Message]) -> list[Message]:
    """Messages whose text cannot close a turn or open a new one.

    Report text and questions are data; the prompt is tokenised with the template's control tokens
    allowed, so a document holding `<|im_end|><|im_start|>system` would otherwise speak to the model
    as its operator. Their angle brackets become ‹ › : the words stay readable, the control is gone.
    """

    def defuse(match: re.Match[str]) -> str:
        return match.group(0).replace("<", "‹").replace(">", "›").replace("[", "⟦").replace("]", "⟧")

    return [{**m, "content": _CONTROL_TOKEN.sub(defuse, m["content"])} for m in messages]


def estimate_tokens(messages: list[Message]) -> int:
    """cl100k tokens plus the chat template's few per message: for servers that cannot count."""
    from index.chunk import count_tokens

    return sum(count_tokens(m["content"]) + 6 for m in messages) + 3


Loaded = TypeVar("Loaded")


class LazyModel(Generic[Loaded]):
    """A model (or a judge over one) loaded on first use, once per process: a failure is kept, not retried."""

    def __init__(self, factory: Callable[[], Loaded | None] | None) -> None:
        self._factory = factory
        self._llm: Loaded | None = None
        self._failure: Exception | None = None
        self._lock = threading.Lock()

    def get(self) -> Loaded | None:
        """The model (None when there is no factory: answers from evidence only)."""
        from index.errors import ModelUnavailable

        with self._lock:
            if self._failure is not None:
                raise self._failure
            if self._llm is None and self._factory is not None:
                try:
                    self._llm = self._factory()
                except ModelUnavailable as err:
                    self._failure = err
                    raise
        return self._llm

    def preload(self) -> threading.Thread:
        """Start loading on another thread; llama.cpp loads in C with the GIL released.

        A failure here is left for the caller's own `get` to report.
        """

        def load() -> None:
            with contextlib.suppress(Exception):
                self.get()

        thread = threading.Thread(target=load, name="model-load", daemon=True)
        thread.start()
        return thread
