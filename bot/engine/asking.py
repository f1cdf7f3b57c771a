"""One question on its way to an answer, and the answer it becomes.

`Asking` is what the engine's steps share for one question: its plan, the notes shown before the
answer, the records' figures already shown, timings, and `finish`, which makes the `Answer`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.engine.messages import part_text
from bot.evidence.citations import Citation, citation_json, renumber
from bot.llm import Message
from bot.records.answers import RecordAnswer
from index.plan import Filters, QueryPlan


@dataclass
class Answer:
    """What a manager gets: the text, its sources, and how long it took."""

    question: str
    status: str  # answered | no_evidence | clarify
    text: str
    citations: list[Citation] = field(default_factory=list)
    model: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    prompt: list[Message] = field(default_factory=list)
    standalone_question: str = ""
    #: Sentences the model wrote that the checks removed, with why (shown by --show-prompt, never as answer).
    dropped: list[tuple[str, str]] = field(default_factory=list)
    #: What the library holds or lacks for this question, and how names were read: shown before the answer.
    notes: list[str] = field(default_factory=list)
    #: For an ambiguous place name, the councils it could mean (status "clarify").
    choices: list[str] = field(default_factory=list)
    plan: dict = field(default_factory=dict)

    def with_choice(self, choice: str) -> str:
        """The question again, with the ambiguous name replaced by the council the person chose."""
        said = self.plan["ambiguous"][0]["said"]
        return re.sub(rf"\b{re.escape(said)}\b", choice, self.question, count=1, flags=re.I)

    def as_json(self) -> dict:
        """The `--json` shape shared by the CLI, the REPL and Slack."""
        return {
            "question": self.question,
            "status": self.status,
            "answer": self.text,
            "notes": self.notes,
            "choices": self.choices,
            "citations": [citation_json(c) for c in self.citations],
            "model": self.model,
            "timings": {k: round(v) for k, v in self.timings.items()},
        }


@dataclass
class Asking:
    """One question on its way to an answer: what the steps read, and what the answer collects."""

    question: str
    asked: str  # the question as answered: a follow-up rewritten to stand alone
    plan: QueryPlan
    held: list[str]
    filters: Filters | None
    on_sentence: Callable[[str], None] | None
    on_notes: Callable[[list[str]], None] | None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    model_name: str = "none (evidence only)"
    #: Figures from the records shown first, when the reports' words are searched after them.
    figures: RecordAnswer | None = None
    announced: bool = False
    #: One of several asks in the question: an ask with nothing found says which it was.
    part: bool = False

    def elapsed_ms(self) -> float:
        """Milliseconds since the question arrived."""
        return (time.perf_counter() - self.started) * 1000

    def show(self, sentence: str) -> None:
        """Pass one checked sentence on."""
        self.timings.setdefault("first_sentence_ms", self.elapsed_ms())
        if self.on_sentence:
            self.on_sentence(sentence)

    def show_line(self, line: str) -> None:
        """Pass on a line that starts a part of its own (a comparison's side), as it stands in the answer's text."""
        self.show(("\n" if "first_sentence_ms" in self.timings else "") + line)

    def announce(self) -> None:
        """Notes (names read, places or years missing, the newest report) come before any sentence."""
        if self.on_notes and self.notes and not self.announced:
            self.on_notes(self.notes)
        self.announced = True

    def finish(
        self, status: str, text: str, citations: list[Citation], prompt: list[Message] | None = None, shown=False
    ) -> Answer:
        """The answer, with the records' figures (if any were shown) before what follows them."""
        self.announce()
        figures = self.figures
        if figures is not None and status in ("answered", "no_evidence"):
            if status == "no_evidence":
                text, citations, shown = "", [], True
            status = "answered"
            if not shown:
                self.show_line(text)  # after the figures' lines, on a line of its own
            shown = True
            text = "\n".join(filter(None, [figures.text, text]))
            citations = figures.citations + citations
        if status == "no_evidence" and self.part:
            text = part_text(self.question, text)
        if not shown:
            self.show(text)
        self.timings["total_ms"] = self.elapsed_ms()
        return Answer(
            self.question, status, text, citations, self.model_name, self.timings, prompt or [], self.asked,
            self.dropped, notes=self.notes, choices=self.choices, plan=self.plan.as_dict(),
        )  # fmt: skip


def joined(question: str, answers: list[Answer], started: float) -> Answer:
    """The answers to a question's asks as one: in turn, the citations of each numbered on from those before."""
    texts: list[str] = []
    citations: list[Citation] = []
    for answer in answers:
        by = len(citations)
        texts.append(renumber(answer.text, by))
        citations += [replace(c, n=c.n + by) for c in answer.citations]
    answered = [a for a in answers if a.status == "answered"]
    first = answers[0]
    timings: dict[str, float] = {}
    for answer in answers:  # the work of every ask (prompt tokens, retrieval), added up
        for key, value in answer.timings.items():
            timings[key] = timings.get(key, 0.0) + value
    timings["total_ms"] = (time.perf_counter() - started) * 1000
    timings.pop("first_sentence_ms", None)
    timings.pop("first_token_ms", None)
    # The first sentence shown came from the first ask that showed one; its times run from that ask's start.
    shown = next((a for a in answers if "first_sentence_ms" in a.timings), None)
    offset = sum(a.timings.get("total_ms", 0.0) for a in answers[: answers.index(shown)]) if shown else 0.0
    for key in ("first_sentence_ms", "first_token_ms"):
        if shown and key in shown.timings:
            timings[key] = offset + shown.timings[key]
    return Answer(
        question,
        "answered" if answered else first.status,
        "\n".join(t for t in texts if t),
        citations,
        next((a.model for a in answers if not a.model.startswith("none")), first.model),
        timings,
        [m for a in answers for m in a.prompt],
        " / ".join(a.standalone_question for a in answers),
        [d for a in answers for d in a.dropped],
        notes=list(dict.fromkeys(n for a in answers for n in a.notes)),
        plan=first.plan,
    )
