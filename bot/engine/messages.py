"""What the engine says itself: why a question cannot be asked, notes before an answer, declines, a question asked back.

They name no surface's commands: the CLI, the REPL and Slack each add their own hints.
"""

from __future__ import annotations

import re

from bot.records.lookup import describe
from index import text as text_rules
from index.plan import QueryPlan

MAX_QUESTION_CHARS = 2000  # every surface: a longer "question" is a paste, and would crowd out the evidence


def question_problem(text: str) -> str | None:
    """Why this text cannot be asked, in one line; None when it can."""
    if not re.search(r"[A-Za-z0-9]", text or ""):
        return "the question is empty: ask in plain words"
    if len(text) > MAX_QUESTION_CHARS:
        return f"the question is {len(text):,} characters long; keep it under {MAX_QUESTION_CHARS:,}"
    return None


def no_evidence_text(plan: QueryPlan, held: list[str]) -> str:
    """Say plainly that the library has nothing, and what it does hold.

    When the question names councils the library holds, their reports were searched: that is what is
    said, not a list of other councils.
    """
    subject = ", ".join(plan.unknown_places) if plan.unknown_places else "that"
    named = [p for p in plan.filters.authorities if p in held]
    if named and not plan.unknown_places and plan.group is None:
        return f"The library's reports on {text_rules.listed(named, 'and')} have nothing on that."
    text = f"The library has nothing on {subject}."
    if held:
        shown = ", ".join(held[:8]) + (f" and {len(held) - 8} more" if len(held) > 8 else "")
        text += f" It holds Ofsted reports and news on {shown}."
    return text


#: The places and years an ask was given from the rest of its question: "… (St Helens in 2023)?".
_CARRIED = re.compile(r"\s*\([^()]*\)\s*\??\s*$")


def part_text(ask: str, text: str) -> str:
    """One ask of several that has nothing: named, so the reader knows which part went unanswered."""
    said = _CARRIED.sub("", " ".join(ask.split())).rstrip(" ?.")  # as the person put it, not what was carried in
    return f"On “{said}”: {text}"


def side_empty_text(side: str) -> str:
    """One side of a comparison that the evidence does not answer: said, so the answer is not read as whole."""
    return f"The library has nothing on this for {side} that passed the checks."


def between_text(reports: list[str]) -> str:
    """A change told from its first report to its last: the reports between them are named, not hidden."""
    which = text_rules.listed(reports)
    return f"Not summarised here: the {which} report{'s' if len(reports) > 1 else ''} between them."


def clarify_text(plan: QueryPlan) -> str:
    """Ask which council an ambiguous name means, offering the ones the library holds."""
    reading = plan.ambiguous[0]
    return f"“{reading.said}” could mean {text_rules.listed(reading.choices, 'or')}. Which did you mean?"


def plan_notes(plan: QueryPlan) -> list[str]:
    """What an answer says before its sentences: names read, what the library lacks, which report is newest."""
    notes = [f"Read “{p.said}” as {p.authority}." for p in plan.places if p.how in ("fuzzy", "alias") and p.authority]
    if plan.group_note and plan.group and plan.group.members:
        notes.append(plan.group_note)  # a set is never presented as whole when the library holds part of it
    answered = bool(plan.filters.authorities) and any(scope.reports for scope in plan.scopes) or not plan.scopes
    if plan.unknown_places and plan.filters.authorities:
        notes.append(f"The library has nothing on {', '.join(plan.unknown_places)}.")
    if answered:
        notes += plan.missing
    for record in plan.latest_reports:
        place = record.get("local_authority")
        newest = record is next((s.reports[-1] for s in plan.scopes if s.reports and s.authority == place), record)
        which = "Newest report" if newest else "Newest graded inspection"
        notes.append(f"{which} the library holds on {place}: {describe(record)}.")
    if plan.intent.change:
        for scope in plan.scopes:
            if scope.authority in plan.filters.authorities and len(scope.reports) > 1:
                listed = "; ".join(f"{r.get('kind')} {(r.get('date') or 'undated')[:4]}" for r in scope.reports)
                newest = describe(scope.reports[-1])
                notes.append(f"Reports on {scope.authority} held, oldest first: {listed}. The latest: {newest}.")
    return notes


EMPTY_LIBRARY_TEXT = "The library holds no reports yet."
WHICH_COUNCIL_TEXT = "Which council do you mean? Name it in the question."


def other_inspectorate_text(inspectorate: str) -> str:
    """A question about another inspectorate's reports: the library holds Ofsted's only."""
    return (
        f"The library holds Ofsted's reports and news about them; it has no {inspectorate} "
        "reports, so it cannot say what that inspectorate found."
    )
