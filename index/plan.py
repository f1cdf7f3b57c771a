"""How a question is read before it is searched: places, times, intent, and the reports in scope.

A `QueryPlan` is what every later step reads: which councils (named, pinned, a group or none),
which period, whether the question is about the latest report, a change or a comparison, and so
which reports each place's search may look in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from index import text
from index.authorities import (
    KNOWN_AUTHORITIES,
    PlaceReading,
    authority_key,
    display_name,
    near_named,
    read_places,
    strip_authorities,
)
from index.chunk import Passage
from index.lexical import LexicalIndex
from index.question import (
    SIDE_WORDS,
    Group,
    Intent,
    Period,
    full_years,
    mentioned_years,
    other_inspectorate,
    period_beside_places,
    read_group,
    read_intent,
    read_period,
)
from index.report import is_primary
from index.shorthand import plain_words
from index.thesaurus import report_phrases

LIBRARY = "the library"  # the scope of a question that names no place


# Questions about grades, dates or who led a visit are answered by a report's cover facts.
_ABOUT_COVER = re.compile(
    r"\b(judge?ments?|judged|rate[ds]?|ratings?|grades?|graded|overall effectiveness|requires improvement|"
    r"who led|lead inspector|led the|when was|inspected|changed)\b"
    # A grade's word said of a thing ("good help", "outstanding work") describes it: not a grade asked for.
    r"|\b(outstanding|inadequate|good)\b(?!\s+(?!(?:overall|or|and|to|in|at|for|by|from|since|then|now|when|with|"
    r"across|rating|grade|judge?ment)\b)[a-z])",
    re.I,
)
#: A question after the reasons for a grade ("why inadequate?") wants the findings behind it, not the cover.
_WHY = re.compile(r"\b(why|reasons?|what led to|explain)\b", re.I)
# Words every question and every report shares; as search terms they only add noise.
# Only whole words: "of" in "out-of-hours" is part of the topic.
_QUESTION_NOISE = re.compile(
    r"(?<![\w-])(what|which|who|how|when|where|why|did|does|do|is|are|was|were|has|have|had|say|says|said|tell|me|"
    r"about|brief|ofsted|ofsted's|inspectors?|inspection|report(s|ed)?|find|found|think|thought|the|of|in|on|"
    r"for|to|and|a|an|its|their|there|they|it|please|give|show|summar[iy]se|latest|current(ly)?|now|recent(ly)?)(?![\w-])",
    re.I,
)


def _used_as_place(word: str, question: str) -> bool:
    """'about Glasgow', "Glasgow's": the word stands where a place would."""
    w = re.escape(word)
    return bool(re.search(rf"\b(in|about|for|at|from|on|and|versus|vs)\s+{w}\b|\b{w}['’]s\b", question))


@dataclass
class Filters:
    """Metadata a search is narrowed by."""

    authorities: list[str] = field(default_factory=list)
    kind: str | None = None
    since: date | None = None
    until: date | None = None
    #: Reports in scope (a named period, "the latest report"); empty means every report.
    report_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """For `--json` output."""
        return {
            "authorities": self.authorities,
            "kind": self.kind,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "report_ids": self.report_ids,
        }

    def where(self) -> dict | None:
        """The Chroma `where` clause."""
        clauses: list[dict] = []
        keys = [authority_key(a) for a in self.authorities]
        if len(keys) == 1:
            clauses.append({"authority_key": keys[0]})
        elif keys:
            clauses.append({"authority_key": {"$in": keys}})
        if self.report_ids:
            clauses.append({"report_id": {"$in": list(self.report_ids)}})
        if self.kind:
            clauses.append({"kind": self.kind})
        if self.since:
            clauses.append({"date_int": {"$gte": int(self.since.strftime("%Y%m%d"))}})
        if self.until:
            clauses.append({"date_int": {"$lte": int(self.until.strftime("%Y%m%d"))}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def keeps(self, passage: Passage) -> bool:
        """The same test as `where`, for passages in memory."""
        keys = {authority_key(a) for a in self.authorities}
        if keys and authority_key(passage.local_authority) not in keys:
            return False
        if self.report_ids and passage.report_id not in self.report_ids:
            return False
        if self.kind and passage.kind != self.kind:
            return False
        stamp = int(passage.date.replace("-", "")) if passage.date else 0
        if self.since and stamp < int(self.since.strftime("%Y%m%d")):
            return False
        return not (self.until and stamp > int(self.until.strftime("%Y%m%d")))


@dataclass
class Scope:
    """The reports of one place a question is about, oldest first, and the years it holds at all."""

    authority: str
    reports: list[dict] = field(default_factory=list)
    held_years: list[int] = field(default_factory=list)


@dataclass
class QueryPlan:
    """What the question asks for once names, times and intent are read out of it (shown by --json)."""

    question: str
    query: str
    filters: Filters
    years: list[int]
    about_present: bool
    about_cover: bool
    unknown_places: list[str]
    places: list[PlaceReading] = field(default_factory=list)
    ambiguous: list[PlaceReading] = field(default_factory=list)
    period: Period | None = None
    intent: Intent = field(default_factory=Intent)
    scopes: list[Scope] = field(default_factory=list)
    other_inspectorate: str = ""  # "HM Inspectorate of Probation": a source the library does not hold
    group: Group | None = None  # a set of councils named as a set ("our statistical neighbours")
    group_held: list[str] = field(default_factory=list)  # the members the library holds reports on
    report_words: list[str] = field(default_factory=list)  # the reports' phrases for the question's own words

    def searched(self, topic: str | None = None) -> str:
        """What the search looks for: the topic (the question's, unless given), and the reports' words for it."""
        return " ".join([topic if topic is not None else self.query, *self.report_words])

    @property
    def group_note(self) -> str:
        """How much of a named set the library holds: never present a partial set as the whole."""
        group = self.group
        if group is None:
            return ""
        if group.kind == "neighbours" and not group.of:
            return "Whose statistical neighbours? Name the council in the question."
        held, total = len(self.group_held), len(group.members)
        if group.kind == "neighbours":
            text_ = f"{held} of {group.label} are in the library"
        elif group.kind == "nation":
            text_ = f"{held} of England's {total} children's services authorities are in the library"
        elif group.kind == "type":
            text_ = f"{held} of the {total} {group.label} are in the library"
        else:
            text_ = f"{held} of the {total} authorities in {group.label} are in the library"
        absent = [m for m in group.members if m not in self.group_held]
        if absent and len(absent) <= 12:
            text_ += f"; it has no report on {text.listed(absent)}"
        elif absent:
            text_ += f"; {len(absent)} are not"
        return text_ + "."

    @property
    def side_topic(self) -> str:
        """What each side of a comparison or change is searched for: the topic without the sides' words.

        "How did support for care leavers change between the 2017 and 2026 inspections?" is searched in
        each report as "support care leavers"; the words that set the sides apart would rank passages
        about any change, or any year, above those on the topic.
        """
        topic = re.sub(r"\s+", " ", SIDE_WORDS.sub(" ", self.query)).strip(" ?.,;:'’-")
        return topic if len(text.content_words(topic)) >= 1 else self.query

    @property
    def canonical_question(self) -> str:
        """The question with each council as the library writes it ("Lancs" → "Lancashire"), for embedding.

        The reports' words for what it says in other words follow it ("after-hours cover (out-of-hours, …)").
        """
        question = self.question
        for place in self.places:
            if place.authority and place.how in ("alias", "fuzzy"):
                question = re.sub(rf"\b{re.escape(place.said)}\b", place.authority, question, count=1)
        return f"{question} ({', '.join(self.report_words)})" if self.report_words else question

    @property
    def read_as(self) -> list[str]:
        """How names not written as the library writes them were read: '“Lancashrie” read as Lancashire'."""
        return [f"“{p.said}” read as {p.authority}" for p in self.places if p.how in ("fuzzy", "alias") and p.authority]

    @property
    def missing(self) -> list[str]:
        """One line per named place with nothing in the asked period."""
        lines = []
        in_group = set(self.group_held) - {p.authority for p in self.places}
        quiet = [s.authority for s in self.scopes if not s.reports and s.authority in in_group]
        for scope in self.scopes:
            if scope.reports or scope.authority in in_group:
                continue
            if scope.authority == LIBRARY and self.period:
                lines.append(f"The library has no report {self.period.phrase}.")
            elif scope.held_years and self.period:
                held = text.listed(scope.held_years)
                lines.append(f"The library has no report on {scope.authority} {self.period.phrase}; it holds {held}.")
            else:
                lines.append(f"The library holds no reports on {scope.authority}.")
        if quiet and self.period:
            lines.append(f"The library has no report {self.period.phrase} on {text.listed(quiet)}.")
        return lines

    @property
    def latest_reports(self) -> list[dict]:
        """For a question about now: the newest report of each named place (and its newest graded one)."""
        if not self.intent.latest or self.intent.change:
            return []
        shown = []
        for scope in self.scopes:
            if scope.authority == LIBRARY or not scope.reports:
                continue
            newest = scope.reports[-1]
            graded = [r for r in scope.reports if r.get("judgements")][-1:]
            shown += [*(graded if graded and graded[0] is not newest and not newest.get("judgements") else []), newest]
        return shown

    def as_dict(self) -> dict:
        """The plan as `search --json` and `--show-prompt` show it."""
        return {
            "authorities": self.filters.authorities,
            "read_as": self.read_as,
            "ambiguous": [{"said": p.said, "choices": list(p.choices)} for p in self.ambiguous],
            "unknown_places": self.unknown_places,
            "period": self.period.as_dict() if self.period else None,
            "intent": self.intent.as_dict(),
            "reports_in_scope": {
                s.authority: [f"{r.get('kind')} {r.get('date') or 'undated'}" for r in s.reports] for s in self.scopes
            },
            "missing": self.missing,
            "other_inspectorate": self.other_inspectorate,
            "group": {**self.group.as_dict(), "held": self.group_held, "note": self.group_note} if self.group else None,
            "topic": self.query,
            "report_words": self.report_words,
        }


def _report_dates(record: dict) -> list[date]:
    out = []
    for name in ("inspection_start_date", "inspection_end_date", "publication_date", "date"):
        value = record.get(name)
        if value:
            try:
                out.append(date.fromisoformat(str(value)[:10]))
            except ValueError:
                continue
    return out


def in_period(record: dict, period: Period) -> bool:
    """Whether a report was inspected or published in the period."""
    return any(period.holds(d) for d in _report_dates(record))


class Holdings(Protocol):
    """What the planner reads of the library (the retriever's per-version look-ups)."""

    @property
    def lexical(self) -> LexicalIndex:
        """The lexical index: which words the library knows."""
        ...

    def authorities(self) -> list[str]:
        """The councils the library holds."""
        ...

    def records(self) -> dict[str, dict]:
        """Every report record, by id."""
        ...

    def reports_on(self, authority: str) -> list[dict]:
        """One council's report records, oldest first."""
        ...


class Planner:
    """Reads one question against what the library holds."""

    def __init__(self, library: Holdings, today: date | None = None) -> None:
        self._library = library
        self._today = today

    # long: places, group, query, period and intent are read in an order each step depends on.
    def plan(self, question: str, filters: Filters | None) -> QueryPlan:
        """The plan for one question (the caller holds one library version for it)."""
        filters = Filters(**vars(filters)) if filters else Filters()
        question = plain_words(question)  # "wht did PA caseloads…": read as the reports write it
        held = self._library.authorities()
        held_keys = {authority_key(h) for h in held}
        candidates = tuple(dict.fromkeys([*KNOWN_AUTHORITIES, *held]))
        readings = read_places(question, candidates, self._is_word)
        question = full_years(question, [r.said for r in readings])
        places: list[PlaceReading] = []
        ambiguous: list[PlaceReading] = []
        unknown: list[str] = []
        for reading in readings:
            if reading.authority is None:
                choices = tuple(c for c in reading.choices if authority_key(c) in held_keys)
                choices = near_named(choices, readings) or choices
                if len(choices) > 1:
                    ambiguous.append(PlaceReading(reading.said, None, "ambiguous", choices))
                elif choices:
                    places.append(PlaceReading(reading.said, display_name(choices[0]), "alias"))
                else:
                    unknown.append(reading.said)
            elif authority_key(reading.authority) in held_keys:
                places.append(reading)
            else:
                unknown.append(reading.said if reading.how == "fuzzy" else reading.authority)
        said = {w.lower() for r in readings for w in r.said.split()}
        strangers = [w for w in self._unknown_names(question) if w.lower() not in said]
        named = list(dict.fromkeys(p.authority for p in places if p.authority))
        # A pinned council however it was typed ("-a lancs") is the council the library names.
        filters.authorities = [display_name(a) for a in filters.authorities]
        if filters.authorities and not (named or unknown or ambiguous):
            # With a pinned council, only a word used as a place ("about Glasgow's…", "in Glasgow") moves
            # the question elsewhere; a name or a programme ("the Mockingbird model") does not.
            strangers = [w for w in strangers if _used_as_place(w, question)]
        unknown += strangers
        pinned = list(filters.authorities)
        named_as = tuple(r.authority for r in readings if r.authority)
        group = read_group(question, pinned[0] if pinned else None, named_as + tuple(r.said for r in readings))
        group_held: list[str] = []
        if group:
            # The council whose neighbours are asked about is the set's owner, not a place to search.
            unknown = [u for u in unknown if not group.of or authority_key(u) != authority_key(group.of)]
            group_held = [m for m in group.members if authority_key(m) in held_keys]
        # Places the question names win over a pinned authority ("/authority Lancashire", then "…Glasgow?").
        if named or unknown or ambiguous or (group and group.kind != "nation"):
            filters.authorities = named
        if group and group.kind != "nation":
            filters.authorities = list(dict.fromkeys([*named, *group_held]))
        query = strip_authorities(question, named)
        if group and group.said:
            for said in group.said.split(" "):
                query = re.sub(rf"\b{re.escape(said)}\b", " ", query, flags=re.I)
        for reading in readings:
            query = re.sub(rf"\b{re.escape(reading.said)}(?:'s|’s)?", " ", query, flags=re.I)
        period = read_period(question, self._today or date.today()) or period_beside_places(
            question, [r.said for r in readings]
        )
        if period and text.months(period.said):
            # "…in the November 2021 inspection": the month names the report (the filter holds it to that
            # one); searched for, it finds the cover's inspection dates, not the topic.
            query = re.sub(rf"\b{re.escape(period.said)}\b", " ", query, flags=re.I)
        query = re.sub(r"\s+", " ", _QUESTION_NOISE.sub(" ", query)).strip(" ?.,'’") or question
        intent = read_intent(question)
        if len(filters.authorities) > 1 or unknown and filters.authorities:
            intent = Intent(intent.latest, intent.change, True)
        years = list(period.years) if period else mentioned_years(question)
        plan = QueryPlan(
            question,
            query,
            filters,
            years,
            about_present=intent.latest or period is None,
            about_cover=bool(_ABOUT_COVER.search(question)) and not _WHY.search(question),
            unknown_places=list(dict.fromkeys(unknown)),
            places=places,
            ambiguous=ambiguous,
            period=period,
            intent=intent,
            other_inspectorate=other_inspectorate(question),
            group=group,
            group_held=group_held,
            report_words=report_phrases(question),
        )
        self._narrow(plan)
        return plan

    def _narrow(self, plan: QueryPlan) -> None:
        """Dates and "latest" become filters: the reports in scope for each named place."""
        period, intent = plan.period, plan.intent
        if not (period or intent.latest or intent.change):
            return
        ids: list[str] = []
        for authority in plan.filters.authorities:
            reports = self._library.reports_on(authority)
            primary = [r for r in reports if is_primary(r)]
            in_scope = [r for r in reports if in_period(r, period)] if period else reports
            if intent.latest and not intent.change:
                newest = primary[-1:] or reports[-1:]
                if plan.about_cover and newest and not newest[0].get("judgements"):
                    # A monitoring or focused visit carries no grades: the newest graded inspection does.
                    newest = [r for r in primary if r.get("judgements")][-1:] + newest
                # "in 2019 and now": the asked period and the newest report, oldest first.
                chosen = {r["report_id"]: r for r in (in_scope if period else []) + newest}
                in_scope = sorted(chosen.values(), key=lambda r: r.get("date") or "")
            elif intent.change:
                in_scope = [r for r in in_scope if is_primary(r)] or in_scope
            years = sorted({int(r["date"][:4]) for r in primary or reports if r.get("date")})
            plan.scopes.append(Scope(authority, in_scope, years))
            ids += [r["report_id"] for r in in_scope]
        if not plan.filters.authorities and period:
            ids = [rid for rid, r in self._library.records().items() if in_period(r, period)]
            plan.scopes.append(Scope(LIBRARY, [self._library.records()[i] for i in ids], []))
        if plan.scopes:
            plan.filters.report_ids = ids or ["(none)"]

    def places(self, text_: str) -> list[PlaceReading]:
        """The places a text names, read as a question's are: shorthand and misspellings too ("ches east")."""
        candidates = tuple(dict.fromkeys([*KNOWN_AUTHORITIES, *self._library.authorities()]))
        return read_places(plain_words(text_), candidates, self._is_word)

    def _is_word(self, word: str) -> bool:
        return word in text.STOP_WORDS or self._library.lexical.knows(word)

    def _unknown_names(self, question: str) -> list[str]:
        """Capitalised words (not sentence-initial) that occur nowhere in the library: 'Glasgow'.

        Words of the calendar are never places: "before Thursday's meeting" names a day, not a council.
        """
        words = re.findall(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,})\b", question)
        words = [w for w in words if w.lower() not in text.CALENDAR]
        lexical = self._library.lexical
        return [w for w in words if not lexical.knows(w) and not lexical.knows(w.rstrip("s"))]
