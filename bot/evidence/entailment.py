"""Does the deciding window *mean* what the claim says? A model asked Yes or No, after the rules.

The rules in `bot.evidence.claims` catch a changed grade, number, year, place or "not"; they cannot
see "has strengthened" told as "has gone backwards", a finding about one service told of another,
or "all children" narrowed to "some". An entailment judge reads the one window the rules chose and
says Yes only if it states everything the claim does. It is only ever a veto: the rules must pass a
sentence first, and a No makes it not found (never contradicted: the judge saw one window only).
"""

from __future__ import annotations

from typing import Protocol

import prompts
from bot.evidence.grades import graded_claims
from index import text
from index.chunk import COVER_SECTION, METADATA_SECTION, Passage

YES, NO = "Yes", "No"
_MEMORY = 2048  # (claim, window) verdicts remembered: an answer re-checks a sentence against each passage


class Chooser(Protocol):
    """A model that weighs a few one-word replies to a prompt (both backends in `bot.llm` are one)."""

    name: str

    def weigh(self, messages: list[dict[str, str]], choices: list[str]) -> dict[str, float]:
        """Each choice's share of the model's belief for its first reply token; the shares sum to 1 (or all 0)."""
        ...


class Entailment(Protocol):
    """Whether a piece of report text states everything a claim says."""

    name: str

    def entails(self, claim: str, evidence: str, source: str) -> bool:
        """True only when `evidence` (report text; `source` says whose and when) states all of `claim`."""
        ...


class ModelEntailment:
    """The yes/no question put to a model; Yes only when the model puts `confidence` or more on it."""

    def __init__(self, model: Chooser, *, confidence: float = 0.5) -> None:
        self._model = model
        self._confidence = confidence
        self._seen: dict[tuple[str, str, str], bool] = {}
        self.name = f"model judge ({model.name})"
        self.calls = 0  # questions actually put to the model (benches read it)

    def entails(self, claim: str, evidence: str, source: str) -> bool:
        """Yes or No from the model's belief in its first word; a model sure of neither says No."""
        key = (claim, evidence, source)
        if key not in self._seen:
            asked = prompts.render("entailment_user", source=source, evidence=evidence, claim=claim)
            messages = [
                {"role": "system", "content": prompts.template("entailment_system").strip()},
                {"role": "user", "content": asked},
            ]
            self.calls += 1
            if len(self._seen) >= _MEMORY:
                self._seen.clear()
            self._seen[key] = self._model.weigh(messages, [YES, NO])[YES] >= self._confidence
        return self._seen[key]


def source_of(passage: Passage) -> str:
    """Whose words a window is, for the judge: a claim names the council and year, the window rarely does."""
    when = text.month_year(passage.date) if passage.date else "undated"
    return f"Ofsted, {passage.local_authority}, {passage.kind}, {when}"


def needs_judging(claim: str, passage: Passage) -> bool:
    """A grade read off a judgement table is decided by the table, exactly: the judge reads prose."""
    return not (passage.section in (COVER_SECTION, METADATA_SECTION) and graded_claims(claim))
