"""A claim's statements: where one claim says two things, each of which must hold on its own.

"Leeds was judged good; inspectors found that caseloads are high" is two claims; "did not find that
X and that Y" is one. A statement leaning on the one before it ("…, and they…") is not split off.
"""

from __future__ import annotations

import re

from bot.evidence.grades import graded_claims_at
from index import text

#: How a claim says the report said something.
_REPORTS = "found|finds|said|says|noted|described|reported|highlighted|identified|concluded"
#: Where a claim joins a second statement to its first ("… and found …", "…, and inspectors said …", "…; …").
_SECOND_STATEMENT = re.compile(
    r",?\s+(?:and|but|while|whereas|although|though)\s+(?=(?:also\s+|it\s+|they\s+|ofsted\s+|inspectors\s+|"
    rf"the report\s+)?(?P<opens>{_REPORTS}|praised|criticised|that|there)\b)|;\s+",
    re.I,
)
_REPORTING = re.compile(rf"\b({_REPORTS})\b", re.I)
_NEGATED_REPORT = re.compile(r"\b(not|never|no longer|didn['’]t|doesn['’]t)\b.*\bthat\b", re.I)
MAX_STATEMENTS = 4  # beyond this a claim is weighed whole: each part costs a search and up to two judgements


def statements_of(claim: str) -> list[str]:
    """A claim's statements, each to hold on its own; the claim whole when splitting would change what it says.

    "…and that…" splits only after a verb of reporting ("found that X and that Y"), never under a
    "not" ("did not find that X and that Y" denies both together), and "and that reduced…" is a cause.
    A statement that opens on "they" or "it" needs the one before it, so neither is split off.
    """
    return [claim[start:end].strip(" ,.") for start, end in _statement_spans(claim)]


#: A statement opening on a pronoun that needs the statement before it ("it found" is the report: not one).
_LEANS_BACK = re.compile(
    rf"^\W*(?:(?:also|inspectors|ofsted|it|the report)\s+)?(?:(?:{_REPORTS})\s+)?(?:that\s+)?"
    rf"(?:they|it|this|these|those|he|she|its|their|them)\b(?!\s+(?:also\s+)?(?:{_REPORTS})\b)",
    re.I,
)


def _statement_spans(claim: str) -> list[tuple[int, int]]:
    cuts = []
    for match in _SECOND_STATEMENT.finditer(claim):
        before = claim[: match.start()]
        if match.group("opens") and match.group("opens").lower() == "that" and not _REPORTING.search(before):
            continue
        if _NEGATED_REPORT.search(before):
            return [(0, len(claim))]
        cuts.append(match)
    spans, start = [], 0
    for match in cuts:
        spans.append((start, match.start()))
        start = match.end()
    spans = [(s, e) for s, e in [*spans, (start, len(claim))] if claim[s:e].strip(" ,.")]
    if any(_LEANS_BACK.match(claim[s:e]) for s, e in spans[1:]):
        return [(0, len(claim))]
    return spans if 1 < len(spans) <= MAX_STATEMENTS else [(0, len(claim))]


def said_besides_grades(claim: str) -> tuple[list[str], str]:
    """A graded claim's statements that hold no grade it states, and the claim without them (for the table).

    A statement is prose only if none of the claim's grades stands in it ("Leeds requires improvement"
    is a grade, though alone it names no area).
    """
    spans = _statement_spans(claim)
    if len(spans) < 2:
        return [], claim
    ends = {at for _, _, at in graded_claims_at(claim)}
    prose = [(s, e) for s, e in spans if not any(s < at <= e for at in ends)]
    prose = [(s, e) for s, e in prose if len(text.content_words(claim[s:e])) >= 2]
    graded_part = claim
    for s, e in reversed(prose):
        graded_part = graded_part[:s] + " " + graded_part[e:]
    return [claim[s:e].strip(" ,.") for s, e in prose], graded_part


def statement_count(claim: str) -> int:
    """How many places a claim joins one statement to the next (before any is judged)."""
    return len(_SECOND_STATEMENT.findall(claim))
