"""Read what a question asks for beyond its topic: when, and whether it is about now, change or a comparison.

Dates become filters, not hints, when the question says they are the time it is about: "in 2021",
"its 2021 inspection", "October 2021", "since 2020", "before 2018", "between 2019 and 2023", "last
year". A report is in a period when it was inspected or published in it (reports are often
published the month or year after the visit). A year that only names something ("the Children Act
1989", "on 31 March 2022", "the 2020 pandemic") is not a period: it only guides the ranking.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.text import MONTHS, YEAR_ENDS, listed, possessive

_Y = r"((?:19|20)\d\d)"
_MONTH = "(" + "|".join(MONTHS) + ")"
_THE = r"(?:(?:the|its|their|a|an)\s+)?"
# "between 2019 and 2023", "between the 2016 re-inspection and the 2023 inspection": an end may be named by its event.
_EVENT = r"(?:re-?inspections?|inspections?|reports?|visits?|ILACS|SIF|full|focused|monitoring|judge?ments?)"
_RANGE = re.compile(
    rf"\b(?:between|from)\s+{_THE}(?:{_MONTH}\s+)?{_Y}(?:\s+{_EVENT}){{0,2}}\s+(?:and|to|until|till)\s+"
    rf"{_THE}(?:{_MONTH}\s+)?{_Y}\b",
    re.I,
)
_DASHED = re.compile(rf"\b{_Y}\s*[–-]\s*{_Y}\b")
_FINANCIAL = re.compile(rf"\b(?:in|during|for|over)\s+(?:the\s+)?{_Y}\s*[/–-]\s*(\d\d)\b", re.I)
_SINCE = re.compile(
    rf"\b(since|after|post|following|starting in|later than|from)[\s-]+{_THE}(?:{_MONTH}\s+)?{_Y}\b"
    rf"(?P<onward>\s+(?:onwards?|on)\b)?",
    re.I,
)
_UNTIL = re.compile(rf"\b(before|until|till|up to|prior to|pre|earlier than)[\s-]+{_THE}(?:{_MONTH}\s+)?{_Y}\b", re.I)
_IN_MONTH = re.compile(rf"(?<!\d\s)(?<!\d\d\s)(?<!year to )(?<!year ending )(?<!as at )\b{_MONTH}\s+{_Y}\b", re.I)
# A month is the time of an inspection only when the question is about one ("judgement in October 2021");
# "children in care in March 2023" is a figure's date.
_ABOUT_INSPECTION = re.compile(
    r"\b(ofsted|inspect\w*|reports?|visit\w*|judge?ments?|judged|rated|ratings?|grades?|found|find|overall|"
    r"effectiveness|outstanding|inadequate|requires improvement|led)\b",
    re.I,
)
_YEAR_LIST = re.compile(rf"{_Y}((?:\s*(?:,|and|or|&|vs\.?|versus|v\.?|compared (?:with|to))\s*{_Y})+)")
# A year is the time asked about after "in/during/for/of" (possibly "in its", "in Kent's") or before
# "inspection", "report", "visit", "judgements"…
_YEAR_AS_TIME = re.compile(
    rf"\b(?:in|during|for|of|at|from)\s+(?:(?:the|its|their|this|that|[A-Z][\w’']*)\s+){{0,2}}{_Y}\b"
    rf"|\b{_Y}(?:['’]s)?\s+(?:[\w-]+\s+)?(?:re-?)?(?:inspections?|reports?|visits?|judge?ments?|ratings?|grades?|ILACS|SIF|findings)\b"
    rf"|\b(?:inspections?|reports?|judge?ments?|ratings?|grades?)\s+{_Y}\b",  # "rating 2018 vs 2023"
    re.I,
)
_YEAR = re.compile(rf"\b{_Y}\b")
# A year that names a law or guidance ("Children Act 1989", "Working Together 2023") is not a period.
_TITLE_YEAR = re.compile(r"\b(Act|Regulations|Together|Order|Rules|Framework|Standards)\s+(of\s+)?(19|20)\d\d\b", re.I)
_DAY_DATE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+{_Y}\b", re.I)
_RELATIVE = re.compile(r"\b(last|this|past|previous)\s+(year|twelve months|12 months|(\w+)\s+years)\b", re.I)
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}

_LATEST = re.compile(
    r"\b(current(ly)?|still|now|latest|most recent|newest|last inspection|last report|at present|today|"
    r"these days|up to date|as it stands)\b",
    re.I,
)
# The change and comparison vocabulary, in one place: the plan and the records questions both read it.
#: A question about how things changed over time ("how has … changed", "since its last inspection").
CHANGE = re.compile(
    r"\b(chang(ed|ing)|improved|improving|declined|declining|deteriorated|deteriorating|progressed|"
    r"got (better|worse)|gone (up|down)|over time|over the years|trend|trajectory|"
    r"since (?:(?:19|20)\d\d|(?:its|the|their) (?:last|previous|earlier))|each inspection|every inspection|"
    r"compared? with (?:its|their) (?:previous|last|earlier)|changes? (?:between|from|since))\b"
    r"|\bhow (?:has|have|did|do|does) .+ chang",
    re.I,
)
#: Beside a grade, these make a records question one about the grades' history ("Tameside's journey to good").
GRADE_HISTORY = re.compile(r"\b(changed?|changes|over time|history|trend|trajectory|journey|progress(ed)?)\b", re.I)
#: A grade that moved up ("who improved", "went up") or down ("who declined", "slipped").
RISE = re.compile(r"\b(improved|improving|improvement from|got better|went up|moved up|rose|risen|climbed)\b", re.I)
FALL = re.compile(r"\b(declined|deteriorated|got worse|went down|fell|fallen|dropped|slipped)\b", re.I)
#: Councils set side by side.
COMPARE = re.compile(
    r"\b(compare[ds]?|comparison|comparing|versus|vs\.?|against|differ(s|ence|ences)?|both|better than|worse than|"
    r"side by side|stack up|measure up|benchmark\w*)\b",
    re.I,
)
#: What sets the sides of a change or comparison apart, not what is compared: left out of each side's search.
SIDE_WORDS = re.compile(
    r"(?<![\w-])(?:chang(?:e|ed|es|ing)|improved|improving|declined?|declining|deteriorat\w*|progressed|"
    r"over time|trend|trajectory|compar\w*|versus|vs\.?|differ\w*|both|better|worse|side by side|"
    r"(?:19|20)\d\d|january|february|march|april|may|june|july|august|september|october|november|december|"
    r"between|from|since|then|view|rated?|re-?inspections?|inspections?|published|years?)(?![\w-])"
    r"|(?<![\w-])['’]?s\b|\bre-(?!\w)|[()]",  # and what a council's name left: "'s"
    re.I,
)


@dataclass(frozen=True)
class Period:
    """The time a question is about: a set of years, or a span of dates (either end may be open)."""

    since: date | None = None
    until: date | None = None
    years: tuple[int, ...] = ()
    said: str = ""  # as the question put it
    phrase: str = ""  # as an answer says it: "from 2021", "since 2020", "between 2019 and 2023"

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


def _month_number(month: str | None, default: int) -> int:
    return MONTHS.index(month.lower()) + 1 if month else default


def _month_start(month: str | None, year: str) -> date:
    return date(int(year), _month_number(month, 1), 1)


def _month_end(month: str | None, year: str) -> date:
    number = _month_number(month, 12)
    return date(int(year), number, calendar.monthrange(int(year), number)[1])


def _when(month: str | None, year: str) -> str:
    return f"{month.capitalize()} {year}" if month else year


_ANCHORS = ("after", "following", "before", "prior to")


def _anchoring_event(question: str, *found: re.Match[str] | None) -> re.Match[str] | None:
    """The time named by one report, as in "after (or before) its 2023 inspection", if the question names one."""
    for match in found:
        if (
            match
            and match.group(1).lower() in _ANCHORS
            and re.search(r"\b(the|its|their)\s", match.group(0), re.I)
            and re.match(rf"\s+(?:[\w-]+\s+)?{_EVENT}\b", question[match.end() :], re.I)
        ):
            return match
    return None


# long: the ways people write a time, most specific first; the first that matches decides.
def read_period(question: str, today: date) -> Period | None:
    """The period a question names, or None when it names none (or names a year only in passing)."""
    question = _DAY_DATE.sub(" ", _TITLE_YEAR.sub(" ", question))
    match = _RANGE.search(question)
    if match and match.group(0).lower().startswith("from") and re.search(r"\sand\s", match.group(0), re.I):
        match = None  # "findings from 2019 inspections and 2023 visits": two years, not the span between them
    if match:
        m1, y1, m2, y2 = match.groups()
        start, end = _month_start(m1, y1), _month_end(m2, y2)
        if start > end:
            start, end = _month_start(m2, y2), _month_end(m1, y1)
        return Period(start, end, said=match.group(0), phrase=f"between {_when(m1, y1)} and {_when(m2, y2)}")
    if match := _FINANCIAL.search(question):
        first, second = match.groups()
        if int(second) == (int(first) + 1) % 100:  # "2019/20", "2019-20": the year April to March
            return Period(
                date(int(first), 4, 1),
                date(int(first) + 1, 3, 31),
                said=match.group(0),
                phrase=f"from {first} to {int(first) + 1}",
            )
    if match := _DASHED.search(question):
        y1, y2 = sorted(match.groups())
        return Period(_month_start(None, y1), _month_end(None, y2), said=match.group(0), phrase=f"from {y1} to {y2}")
    since = _SINCE.search(question)
    if since and since.group(1).lower() == "from" and not since.group("onward"):
        since = None  # "the report from 2021" is that year, not everything after it
    until = _UNTIL.search(question)
    if event := _anchoring_event(question, since, until):
        # "after its March 2020 inspection", "before its 2024 inspection": that report, which tells
        # what it found and asked for, and what came before it; not the years either side of it.
        month, year = event.group(2, 3)
        return Period(_month_start(month, year), _month_end(month, year), said=event.group(0),
                      phrase=f"from {_when(month, year)}")  # fmt: skip
    if since or until:
        start = end = None
        words = []
        if since:
            word, month, year = since.group(1, 2, 3)
            start = _month_start(month, year)
            # "after 2020" starts in 2021; "after its 2023 inspection" starts with that inspection.
            if word.lower() in ("after", "post", "later than") and not re.search(
                r"\b(the|its|their)\s", since.group(0)
            ):
                start = date(int(year) + 1, 1, 1) if not month else _month_end(month, year) + timedelta(days=1)
            words.append(
                f"since {_when(month, year)}" if start == _month_start(month, year) else f"after {_when(month, year)}"
            )
        if until:
            word, month, year = until.groups()
            end = _month_end(month, year)
            if word.lower() in ("before", "prior to", "pre", "earlier than"):
                end = date(int(year) - 1, 12, 31) if not month else _month_start(month, year) - timedelta(days=1)
                words.append(f"before {_when(month, year)}")
            else:
                words.append(f"up to {_when(month, year)}")
        said = " ".join(m.group(0) for m in (since, until) if m)
        return Period(start, end, said=said, phrase=" and ".join(words))
    if match := _IN_MONTH.search(question):
        month, year = match.groups()
        if not _ABOUT_INSPECTION.search(question):
            return None  # the date of a figure, not of an inspection
        return Period(
            _month_start(month, year), _month_end(month, year), said=match.group(0), phrase=f"from {_when(month, year)}"
        )
    named = {int(y) for m in _YEAR_AS_TIME.finditer(question) for y in m.groups() if y}
    for run in _YEAR_LIST.finditer(question):  # "in 2019 and 2023": both years, not the first
        chain = {int(y) for y in _YEAR.findall(run.group(0))}
        if chain & named:
            named |= chain
    if named:
        years = tuple(sorted(named))
        return Period(years=years, said=", ".join(map(str, years)), phrase=f"from {listed(years, 'or')}")
    if match := _RELATIVE.search(question):
        which, unit, count = match.groups()
        if unit.lower() == "year" and which.lower() in ("last", "this", "previous"):
            year = today.year - (0 if which.lower() == "this" else 1)
            return Period(years=(year,), said=match.group(0), phrase=f"from {year}")
        n = 1 if count is None else int(count) if count.isdigit() else _NUMBER_WORDS.get(count.lower())
        if n:
            start = today - timedelta(days=365 * n)
            return Period(start, None, said=match.group(0), phrase=f"from the {match.group(0).lower()}")
    return None


def mentioned_years(question: str) -> list[int]:
    """Every year the question mentions, period or not (a ranking hint when it is not a period)."""
    return sorted({int(y) for y in _YEAR.findall(question)})


_OTHER_INSPECTORATE = re.compile(
    r"\b(HM Inspectorate of Probation|HMI Probation|HMIP|Care Quality Commission|CQC|HMICFRS|"
    r"HM Inspectorate of Constabulary|Estyn|Care Inspectorate Wales|Care Inspectorate)\b"
)
_ITS_VERDICT = re.compile(
    r"\b(rate[ds]?|rating|say|said|find|found|judge[ds]?|grade[ds]?|inspect(ed|ion)?|report(ed)?)\b", re.I
)


def other_inspectorate(question: str) -> str:
    """Another inspectorate whose own verdict is asked for ("did HM Inspectorate of Probation rate…"), or ''."""
    match = _OTHER_INSPECTORATE.search(question)
    if match and _ITS_VERDICT.search(question) and not re.search(r"\bOfsted\b", question, re.I):
        return match.group(0)
    return ""


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
    change = bool(CHANGE.search(question))
    latest = bool(_LATEST.search(question)) and not re.search(r"\bsince (the |its |their )?last\b", question, re.I)
    return Intent(latest=latest, change=change, compare=bool(COMPARE.search(question)))


# Sets of councils a question can name instead of councils: statistical neighbours, a region, a kind of
# council, or the whole country.
_NEIGHBOURS = re.compile(
    r"\b(?:(?P<whose>our|their|its|my|[A-Z][\w’'.-]*(?:\s+[A-Za-z][\w’'.-]*){0,4}?['’]s?)\s+)?"
    r"(?:(?:ten|10|dfe)\s+)?(?:statistical|stat|stats)\s+neighbou?rs?(?:\s+of\s+(?P<of>[A-Z][\w’'.-]*"
    r"(?:\s+(?:[A-Z][\w’'.-]*|and|upon|on|of|with))*))?"
    r"|\b(?:(?P<whose2>our|their|its|my)\s+)?(?:similar|comparable|comparator)\s+(?:authorities|councils|las)\b"
    r"|\b(?P<whose3>our|their|its|my|[A-Z][\w’'.-]*(?:\s+[A-Za-z][\w’'.-]*){0,4}?['’]s?)\s+(?:comparators|neighbou?rs)\b",
)
# "the South West of Lancashire" is part of a council, not a region: a region is not "of" anywhere but England.
_NOT_OF = r"(?!\s+of\s+(?!england\b))"
_REGIONS = {
    "North East": rf"north[- ]?east(?:ern)?(?: england| region)?{_NOT_OF}",
    "North West": rf"north[- ]?west(?:ern)?(?: england| region)?{_NOT_OF}",
    "Yorkshire and the Humber": r"yorkshire(?: and (?:the )?humber(?:side)?)?(?: region)?(?!\s+(?:dales|moors))",
    "East Midlands": r"east midlands",
    "West Midlands": r"west midlands",
    "East of England": r"east of england|eastern region|the east(?= region| of the country)",
    "London": r"london|the capital",
    "South East": rf"south[- ]?east(?:ern)?(?: england| region)?{_NOT_OF}",
    "South West": rf"south[- ]?west(?:ern)?(?: england| region)?{_NOT_OF}",
}
# Plural only: "Lancashire County Council" names one council, "county councils" a kind of them.
_KINDS = {
    "London Borough": r"london boroughs",
    "County": r"county councils|shire counties|counties",
    "Metropolitan District": r"metropolitan (?:districts|boroughs|councils)",
    "Unitary Authority": r"unitaries|unitary (?:authorities|councils)",
}
# Words that name one council's kind next to its name ("St Helens Metropolitan Borough Council").
_COUNCIL_WORDS = r"(?:\s+(?:metropolitan\s+)?(?:borough|county|city|district)?\s*council|\s+children'?s\s+services)?"
_KIND_LABELS = {
    "London Borough": "London boroughs",
    "County": "county councils",
    "Metropolitan District": "metropolitan districts",
    "Unitary Authority": "unitary authorities",
}
_NATION = re.compile(
    r"\b(nationally|nationwide|national (?:picture|average|level|figures?)|in england|across england|"
    r"(?:across|in) the country|england[- ]wide|"
    r"all (?:the )?(?:authorities|councils|las|local authorities)|every (?:authority|council|la|local authority)|"
    r"other (?:authorities|councils|las|local authorities))\b",
    re.I,
)


@dataclass(frozen=True)
class Group:
    """A set of councils the question names as a set: "Tameside's statistical neighbours", "the North West"."""

    kind: str  # neighbours | region | type | nation
    label: str  # as an answer names it: "Tameside's 10 statistical neighbours", "the North West"
    members: tuple[str, ...]  # canonical names of the councils in the set, today's councils only
    of: str | None = None  # whose statistical neighbours
    said: str = ""  # the words that named the set

    def as_dict(self) -> dict:
        """As `search --json` shows it."""
        return {"kind": self.kind, "label": self.label, "of": self.of, "members": list(self.members)}


def read_group(question: str, subject: str | None = None, places: tuple[str, ...] = ()) -> Group | None:
    """The set of councils the question is about, if it names one.

    `subject` is whose neighbours "our neighbours" are (a pinned council); `places` are the councils
    the question names, in order (the first is whose neighbours "similar authorities" are).
    """
    from index.authorities import display_name, lookup, neighbours_of, register

    match = _NEIGHBOURS.search(question)
    if match:
        whose = match.group("of") or match.group("whose") or match.group("whose2") or match.group("whose3") or ""
        whose = re.sub(r"['’]s?$", "", whose).strip()
        if whose.lower() in {"our", "their", "its", "my", ""}:
            owner = subject or (places[0] if places else None)
        else:
            words = whose.split()
            found = next((lookup(" ".join(words[i:])) for i in range(len(words)) if lookup(" ".join(words[i:]))), None)
            owner = found.name if found else (places[0] if places else subject)
        if owner is None or lookup(owner) is None:
            return Group("neighbours", "statistical neighbours", (), None, match.group(0))
        owner = display_name(owner)
        members = tuple(neighbours_of(owner))
        return Group(
            "neighbours", f"{possessive(owner)} {len(members)} statistical neighbours", members, owner, match.group(0)
        )
    # Council names come out first: "North East Lincolnshire" and "City of London" are councils, not sets.
    lowered = question.lower().replace("’", "'")
    for place in sorted(places, key=len, reverse=True):
        council = rf"\b(?:london borough of |royal borough of )?{re.escape(place.lower())}{_COUNCIL_WORDS}"
        lowered = re.sub(council, " ", lowered)
    regions = [name for name, pattern in _REGIONS.items() if re.search(rf"\b(?:{pattern})\b", lowered)]
    kind = next((name for name, pattern in _KINDS.items() if re.search(rf"\b(?:{pattern})\b", lowered)), None)
    if kind == "London Borough":
        regions = [r for r in regions if r != "London"]
    if regions or kind:
        members = tuple(
            a.name
            for a in register()
            if a.current and (not regions or a.region in regions) and (not kind or a.kind == kind)
        )
        where = listed([region_label(r) for r in regions]) if regions else ""
        label = f"{_KIND_LABELS[kind]} in {where}" if kind and regions else where or _KIND_LABELS[kind or ""]
        said = [
            re.search(rf"\b(?:{patterns[name]})\b", question, re.I)
            for patterns, names in ((_REGIONS, regions), (_KINDS, [kind] if kind else []))
            for name in names
        ]
        return Group("region" if regions else "type", label, members, None, " ".join(m.group(0) for m in said if m))
    nation = _NATION.search(question)
    if nation:
        members = tuple(a.name for a in register() if a.current)
        return Group("nation", "England", members, None, nation.group(0))
    return None


def region_label(region: str) -> str:
    """'the North West', 'London': a region as a sentence names it."""
    return region if region in ("London", "East of England", "Yorkshire and the Humber") else f"the {region}"


# A year typed as two digits, as managers type in Slack: "wigan 25 ofsted", "nov 24", "in '23".
_SHORT_MONTH = "|".join(rf"{m[:3]}(?:{m[3:]})?" + (r"|sept" if m == "september" else "") for m in MONTHS)
_AFTER_MONTH = re.compile(rf"\b({_SHORT_MONTH})\.?\s+(0[5-9]|[1-3]\d)\b{YEAR_ENDS}", re.I)
_APOSTROPHE_YEAR = re.compile(r"(?<![\w'’])['’](0[5-9]|[1-3]\d)\b(?!['’\w])")


def full_years(question: str, places: list[str]) -> str:
    """The question with two-digit years written out: "nov 24" → "November 2024", "wigan 25" → "wigan 2025".

    A two-digit number is a year only where a year stands: after a month, after an apostrophe, or
    right after a council's name (or "ofsted", "ilacs") with nothing after it that it could count.
    """

    def month(match: re.Match[str]) -> str:
        said = match.group(1).lower()
        name = next(m for m in MONTHS if said.startswith(m[:3]))
        return f"{name.capitalize()} 20{match.group(2)}"

    question = _AFTER_MONTH.sub(month, question)
    question = _APOSTROPHE_YEAR.sub(lambda m: f"20{m.group(1)}", question)
    names = [re.escape(p) for p in sorted(set(places), key=len, reverse=True) if p] + ["ofsted", "ilacs"]
    after = re.compile(rf"\b((?:{'|'.join(names)})(?:['’]s)?)\s+(0[5-9]|[1-3]\d)\b{YEAR_ENDS}", re.I)
    return after.sub(lambda m: f"{m.group(1)} 20{m.group(2)}", question)


def period_beside_places(question: str, places: list[str]) -> Period | None:
    """A year typed right after a council's name, as a heading ("wigan 2025 ofsted -", "knowsley 2024 -").

    Only where a year stands (see `full_years`); "Wigan 2019 - present" is a span, not that year.
    """
    names = [re.escape(p) for p in sorted(set(places), key=len, reverse=True) if p]
    if not names:
        return None
    beside = re.compile(
        rf"\b(?:{'|'.join(names)})(?:['’]s)?\s+{_Y}\b{YEAR_ENDS}(?!\s*[-–—]\s*(?:present|now|date|today|onwards?)\b)",
        re.I,
    )
    years = tuple(sorted({int(m.group(1)) for m in beside.finditer(question)}))
    if not years:
        return None
    return Period(years=years, said=", ".join(map(str, years)), phrase=f"from {listed(years, 'or')}")
