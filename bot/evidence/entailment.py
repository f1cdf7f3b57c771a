"""Does the deciding window *mean* what the claim says? A model asked Yes or No, after the rules.

The rules in `bot.evidence.claims` catch a changed grade, number, year, place or "not"; they cannot
see "has strengthened" told as "has gone backwards", a finding about one service told of another,
or "all children" narrowed to "some". An entailment judge reads the one window the rules chose and
says Yes only if it states everything the claim does. It is only ever a veto: the rules must pass a
sentence first, and a No makes it not found (never contradicted: the judge saw one window only).
"""

from __future__ import annotations

import re
from typing import Protocol

import prompts
from bot.evidence.grades import EVERY_AREA_WORDS, graded_claims
from index import text
from index.chunk import COVER_SECTION, METADATA_SECTION, Passage

YES, NO = "Yes", "No"
#: Words that only say a grade was given, by whom and when: no finding of their own for the judge to read.
_GRADE_TALK = (
    "judged judgement judgements rated rating graded grade grades overall effectiveness experiences progress "
    "children who need ofsted inspection inspectors report latest recent previous last most council authority "
    "services service its their the was were is are been has have in and of for by with while still now also too "
    "both each all every other remaining area areas across board included including came out got given received "
    "went from to"
)
#: Below this much belief in either word the model is not answering the question (a reasoning model's
#: preamble, a chatty "The…"): the judge stands down rather than veto everything.
MIN_MASS = 0.2
FAILURES_TO_STAND_DOWN = 3
_MEMORY = 2048  # (claim, window) verdicts remembered: an answer re-checks a sentence against each passage
#: Words of a window and of a claim shown to the judge: a sentence pair and a long sentence fit its small context.
WINDOW_WORDS, CLAIM_WORDS = 220, 120
#: Belief in Yes a sentence the rules passed needs: at an even 0.5 the default model let through a sentence
#: that added its own predicate to a report's finding ("has been a target of recent inspections", 0.56).
CONFIDENT = 0.65
#: Beliefs a window found by meaning needs, with no rule behind it, to be called supported (see `states_firmly`).
FIRM, FIRM_CONSISTENT = 0.65, 0.75


class Chooser(Protocol):
    """A model that weighs a few one-word replies to a prompt (both backends in `bot.llm` are one)."""

    name: str

    def weigh(self, messages: list[dict[str, str]], choices: list[str]) -> dict[str, float]:
        """Each choice's probability as the model's first reply token (1 for the word written, if that is all it has).

        Raises `index.errors.ModelUnavailable` when the model cannot be asked.
        """
        ...


class Entailment(Protocol):
    """Whether a piece of report text states everything a claim says."""

    name: str
    failure: str  # why the judge stood down ("" while it judges): said in the answer's notes

    def entails(self, claim: str, evidence: str, source: str) -> bool:
        """True only when `evidence` (report text; `source` says whose and when) states all of `claim`."""
        ...

    def states_firmly(self, claim: str, evidence: str, source: str) -> bool:
        """For a window the rules could not decide: True only when the judge is sure it states all of `claim`."""
        ...


class ModelEntailment:
    """The yes/no question put to a model; Yes only when the model puts `confidence` or more on it.

    A judge that fails three times running (a server gone) or answers neither word stands down for the
    rest of the process: the rules' verdicts stand, and `failure` says why, for the notes. A single
    failure leaves that one sentence to the rules.
    """

    def __init__(self, model: Chooser, *, confidence: float = CONFIDENT) -> None:
        self._model = model
        self._confidence = confidence
        self._seen: dict[tuple[str, str, str], bool] = {}
        self._read: dict[tuple[str, str, str, str], bool] = {}
        self.name = f"model judge ({model.name})"
        self.calls = 0  # questions actually put to the model (benches read it)
        self.failure = ""
        self._failed_in_a_row = 0

    def entails(self, claim: str, evidence: str, source: str) -> bool:
        """Yes or No from the model's belief in its first word; True (the rules decide) once it has failed."""
        key = (claim, evidence, source)
        said = self._seen.get(key)
        if said is not None:
            return said
        if self.failure:
            return True
        if len(claim.split()) > CLAIM_WORDS:
            said = False  # a claim cut short could not be all supported by what is shown: not asked in part
        else:
            said = self._ask(claim, " ".join(evidence.split()[:WINDOW_WORDS]), source)  # a window's start holds it
            if said is None:
                return True
        if len(self._seen) >= _MEMORY:
            self._seen.clear()
        self._seen[key] = said
        return said

    def states_firmly(self, claim: str, evidence: str, source: str) -> bool:
        """Yes to both questions (does it state every part; is the claim consistent with it), each firmly.

        With no rule behind it a Yes must be firm: on windows found by meaning, the default model's
        belief in Yes ran to 0.57 and 0.67 on wrong claims (`FIRM`, `FIRM_CONSISTENT` are above both).
        Its belief that a window shows a claim *false* ran higher on true claims than on wrong ones,
        so this judge never calls a claim contradicted.
        """
        if self.failure or len(claim.split()) > CLAIM_WORDS:
            return False
        evidence = " ".join(evidence.split()[:WINDOW_WORDS])
        key = ("firmly", claim, evidence, source)
        if key not in self._read:
            states = self._belief("entailment", claim, evidence, source)
            consistent = self._belief("consistency", claim, evidence, source) if states and states >= FIRM else None
            if states is None or (states >= FIRM and consistent is None):
                return False  # the judge could not say this time: not remembered as its answer
            if len(self._read) >= _MEMORY:
                self._read.clear()
            self._read[key] = consistent is not None and consistent >= FIRM_CONSISTENT
        return self._read[key]

    def _ask(self, claim: str, evidence: str, source: str) -> bool | None:
        belief = self._belief("entailment", claim, evidence, source)
        return None if belief is None else belief >= self._confidence

    def _belief(self, question: str, claim: str, evidence: str, source: str) -> float | None:
        """The model's share of belief in Yes (of Yes and No) for one of the prompts; None when it cannot say."""
        from index.errors import ModelUnavailable

        asked = prompts.render(f"{question}_user", source=source, evidence=evidence, claim=claim)
        messages = [
            {"role": "system", "content": prompts.template(f"{question}_system").strip()},
            {"role": "user", "content": asked},
        ]
        self.calls += 1
        try:
            weights = self._model.weigh(messages, [YES, NO])
        except ValueError:
            return 0.0  # this one prompt does not fit the judge's context: not shown to be supported
        except (ModelUnavailable, RuntimeError) as err:  # llama.cpp reports a failed decode as RuntimeError
            # One timeout or a server restarting is not a judge gone: it stands down after a few in a row.
            self._failed_in_a_row += 1
            if self._failed_in_a_row >= FAILURES_TO_STAND_DOWN:
                self.failure = f"The judge model failed ({err}); the rest was checked by the rules alone."
            return None
        self._failed_in_a_row = 0
        mass = weights[YES] + weights[NO]
        if mass < MIN_MASS:
            self.failure = "The judge model does not answer Yes or No; the rest was checked by the rules alone."
            return None
        return weights[YES] / mass


def source_of(passage: Passage) -> str:
    """Whose words a window is, for the judge: a claim names the council and year, the window rarely does."""
    when = text.month_year(passage.date) if passage.date else "undated"
    return f"Ofsted, {passage.local_authority}, {passage.kind}, {when}"


def needs_judging(claim: str, passage: Passage) -> bool:
    """A grade read off a judgement table is decided by the table, exactly: the judge reads prose.

    A sentence that says more than its grades ("judged good, and inspectors found care leavers let
    down") is put to the judge even when a table row is cited: the table cannot speak for the rest.
    """
    if passage.section not in (COVER_SECTION, METADATA_SECTION) or not graded_claims(claim):
        return True
    rest = text.GRADE.sub(" ", EVERY_AREA_WORDS.sub(" ", claim))
    for _, pattern in text.JUDGEMENT_AREAS:
        rest = re.sub(rf"\b({pattern})\b", " ", rest, flags=re.I)
    source = text.content_words(f"{passage.local_authority} {_GRADE_TALK}")
    return len(text.content_words(rest) - source - {str(y) for y in text.years(claim)}) > 0
