"""Read what a question asks for beyond its topic: when, and whether it is about now, change or a comparison.

Dates become filters, not hints: "in 2021", "October 2021", "since 2020", "before 2018",
"between 2019 and 2023", "last year". A report is in a period when it was inspected or published in
it (reports are often published the month or year after the visit).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from index.text import MONTHS

_Y = r"((?:19|20)\d\d)"
_MONTH = "(" + "|".join(MONTHS) + ")"
_RANGE = re.compile(
    rf"\b(?:between|from)\s+(?:{_MONTH}\s+)?{_Y}\s+(?:and|to|until|till)\s+(?:{_MONTH}\s+)?{_Y}\b", re.I
)
_DASHED = re.compile(rf"\b{_Y}\s*[–-]\s*{_Y}\b")
_SINCE = re.compile(rf"\b(since|from|after|post|starting in|later than)\s+(?:{_MONTH}\s+)?{_Y}\b", re.I)
_UNTIL = re.compile(rf"\b(before|until|till|up to|by|prior to|pre|earlier than)\s+(?:{_MONTH}\s+)?{_Y}\b", re.I)
_IN_MONTH = re.compile(rf"\b{_MONTH}\s+{_Y}\b", re.I)
_YEAR = re.compile(rf"\b{_Y}\b")
_RELATIVE = re.compile(r"\b(last|this|past|previous)\s+(year|(\w+)\s+years)\b", re.I)
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}

_LATEST = re.compile(
    r"\b(current(ly)?|still|now|latest|most recent|newest|last inspection|last report|at present|today|"
    r"these days|present|up to date|as it stands)\b",
    re.I,
)
_CHANGE = re.compile(
    r"\b(chang(e|ed|es|ing)|improv(e|ed|ing)|declin(e|ed|ing)|progress(ed)?|over time|over the years|trend|"
    r"trajectory|journey|got (better|worse)|moved|gone (up|down)|history|each inspection|every inspection|"
    r"since (?:(?:19|20)\d\d|the last)|compared? with (its|their) (previous|last|earlier))\b",
    re.I,
)
_COMPARE = re.compile(
    r"\b(compare[ds]?|comparison|comparing|versus|vs\.?|differ(s|ence|ences)?|both|better than|worse than|"
    r"against each other|side by side|how do .+ and .+ (compare|differ))\b",
    re.I,
)


@dataclass(frozen=True)
class Period:
    """The time a question is about: a set of years, or a span of dates (either end may be open)."""

    since: date | None = None
    until: date | None = None
    years: tuple[int, ...] = ()
    said: str = ""  # as the question put it

    def holds(self, when: date | None) -> bool:
        """Whether a date falls in the period."""
        if when is None:
            return False
        if self.years:
            return when.year in self.years
        return (self.since is None or when >= self.since) and (self.until is None or when <= self.until)

    def as_dict(self) -> dict:
        """For `search --json`."""
        return {
            "said": self.said,
            "years": list(self.years),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _month_start(month: str | None, year: str) -> date:
    return date(int(year), MONTHS.index(month.lower()) + 1 if month else 1, 1)


def _month_end(month: str | None, year: str) -> date:
    number = MONTHS.index(month.lower()) + 1 if month else 12
    return date(int(year), number, calendar.monthrange(int(year), number)[1])


# A year that names a law or guidance ("Children Act 1989", "Working Together 2023") is not a period.
_TITLE_YEAR = re.compile(r"\b(Act|Regulations|Together|Order|Rules|Framework|Standards)\s+(of\s+)?(19|20)\d\d\b", re.I)


def read_period(question: str, today: date) -> Period | None:
    """The period a question names, or None when it names none."""
    question = _TITLE_YEAR.sub(" ", question)
    if match := _RANGE.search(question):
        m1, y1, m2, y2 = match.groups()
        return Period(_month_start(m1, y1), _month_end(m2, y2), said=match.group(0))
    if match := _DASHED.search(question):
        y1, y2 = match.groups()
        return Period(_month_start(None, y1), _month_end(None, y2), said=match.group(0))
    since = _SINCE.search(question)
    until = _UNTIL.search(question)
    if since or until:
        start = end = None
        if since:
            word, month, year = since.groups()
            start = _month_start(month, year)
            if word.lower() in ("after", "post", "later than"):
                start = date(int(year) + 1, 1, 1) if not month else _month_end(month, year)
        if until:
            word, month, year = until.groups()
            end = _month_end(month, year)
            if word.lower() in ("before", "prior to", "pre", "earlier than"):
                end = date(int(year) - 1, 12, 31) if not month else _month_start(month, year)
        said = " ".join(m.group(0) for m in (since, until) if m)
        return Period(start, end, said=said)
    if match := _IN_MONTH.search(question):
        month, year = match.groups()
        return Period(_month_start(month, year), _month_end(month, year), said=match.group(0))
    years = tuple(sorted({int(y) for y in _YEAR.findall(question)}))
    if years:
        return Period(years=years, said=", ".join(map(str, years)))
    if match := _RELATIVE.search(question):
        which, unit, count = match.groups()
        if unit.lower() == "year":
            year = today.year - (0 if which.lower() == "this" else 1)
            return Period(years=(year,), said=match.group(0))
        n = int(count) if count.isdigit() else _NUMBER_WORDS.get(count.lower())
        if n:
            return Period(date(today.year - n, today.month, 1), None, said=match.group(0))
    return None


@dataclass(frozen=True)
class Intent:
    """What kind of answer the question wants beyond its topic."""

    latest: bool = False  # "current", "still", "latest": the newest report decides
    change: bool = False  # "how has it changed": every report in the span, in date order
    compare: bool = False  # "compare A and B": each place gets its share of the evidence

    def as_dict(self) -> dict:
        """For `search --json`."""
        return {"latest": self.latest, "change": self.change, "compare": self.compare}


def read_intent(question: str) -> Intent:
    """Whether the question is about the present, a change over time, or a comparison."""
    change = bool(_CHANGE.search(question))
    latest = bool(_LATEST.search(question)) and not re.search(r"\bsince (the )?last\b", question, re.I)
    return Intent(latest=latest, change=change, compare=bool(_COMPARE.search(question)))
