"""Stage 6, retrieve: read the question, then find the few passages that answer it.

The question plan comes first (`Retriever.plan`, shown by `search --json` and `--show-prompt`):
which councils it names (canonical, however spelt: "Lancs", "Lancashrie"), which period ("in
2021", "since 2020"), and whether it is about now, a change over time or a comparison. Periods
and "current/latest" are filters on the reports in scope, not score boosts. Each named place (or,
for a change, each report) is searched on its own so it gets its share of the evidence. Within a
share, the theme is ranked two ways, by words (BM25) and by meaning (embeddings), fused by
reciprocal rank, with Ofsted's own reports above news that quotes them.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from datetime import date
from pathlib import Path

import numpy as np

from index import text
from index.authorities import (
    KNOWN_AUTHORITIES,
    PlaceReading,
    authority_key,
    display_name,
    read_places,
    strip_authorities,
)
from index.chunk import Passage
from index.embed import Embedder
from index.lexical import LexicalIndex, lexical_for
from index.question import (
    Group,
    Intent,
    Period,
    mentioned_years,
    other_inspectorate,
    read_group,
    read_intent,
    read_period,
)
from index.report import is_primary
from index.store import Store

_RRF_K = 60
_LIBRARY = "the library"


def _used_as_place(word: str, question: str) -> bool:
    """'about Glasgow', "Glasgow's": the word stands where a place would."""
    w = re.escape(word)
    return bool(re.search(rf"\b(in|about|for|at|from|on|and|versus|vs)\s+{w}\b|\b{w}['’]s\b", question))


#: Up to this many passages in scope, ranking is done exactly in memory rather than by the store's index.
_LOCAL_RANKING_LIMIT = 4000
_VECTOR_CACHE_REPORTS = 128
# Questions about grades, dates or who led a visit are answered by a report's cover facts.
_ABOUT_COVER = re.compile(
    r"\b(judge?ments?|judged|rate[ds]?|ratings?|grades?|graded|overall effectiveness|outstanding|inadequate|good|"
    r"requires improvement|who led|lead inspector|led the|when was|inspected|changed)\b",
    re.I,
)
# Words every question and every report shares; as search terms they only add noise.
_QUESTION_NOISE = re.compile(
    r"\b(what|which|who|how|when|where|why|did|does|do|is|are|was|were|has|have|had|say|says|said|tell|me|"
    r"about|brief|ofsted|ofsted's|inspectors?|inspection|report(s|ed)?|find|found|think|thought|the|of|in|on|"
    r"for|to|and|a|an|its|their|there|they|it|please|give|show|summar[iy]se|latest|current(ly)?|now|recent(ly)?)\b",
    re.I,
)


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
class Hit:
    """A passage as retrieved: its fused score, and the dense similarity that says how close it is."""

    passage: Passage
    score: float
    similarity: float = 0.0
    lexical: float = 0.0
    group: str = ""  # the place or report whose share of the evidence this is


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

    @property
    def group_note(self) -> str:
        """How much of a named set the library holds: never present a partial set as the whole."""
        group = self.group
        if group is None:
            return ""
        if group.kind == "neighbours" and not group.of:
            return "Whose statistical neighbours? Name the council, or pin one with /authority."
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
    def canonical_question(self) -> str:
        """The question with each council as the library writes it ("Lancs" → "Lancashire"), for embedding."""
        question = self.question
        for place in self.places:
            if place.authority and place.how in ("alias", "fuzzy"):
                question = re.sub(rf"\b{re.escape(place.said)}\b", place.authority, question, count=1)
        return question

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
            if scope.authority == _LIBRARY and self.period:
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
            if scope.authority == _LIBRARY or not scope.reports:
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
        }


@dataclass
class SearchResult:
    """The answer to a search: what was searched, with which filters, and the ranked hits."""

    plan: QueryPlan
    hits: list[Hit]


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


class Retriever:
    """Hybrid search over one library."""

    def __init__(self, store: Store, embedder: Embedder, lexical_dir: Path, today: date | None = None) -> None:
        self._store = store
        self._embedder = embedder
        self._lexical_dir = lexical_dir
        self._today = today
        self._lexical: LexicalIndex | None = None
        self._authorities: tuple[str, list[str]] | None = None
        self._records: tuple[str, dict[str, dict]] | None = None
        self._by_place: tuple[dict[str, dict], dict[str, list[dict]]] | None = None
        self._by_report: tuple[str, dict[str, list[Passage]]] | None = None
        self._positions: tuple[str, dict[str, list[int]]] | None = None
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._local = threading.local()

    @property
    def lexical(self) -> LexicalIndex:
        """The lexical index for the store as it is now (checked once per search, not once per use)."""
        pinned = getattr(self._local, "pinned", None)
        if pinned is not None:
            return pinned
        self._lexical = lexical_for(self._store, self._lexical_dir, self._lexical)
        return self._lexical

    def warm(self) -> None:
        """Load what a first search needs (lexical index, embedding session, the store's vector index)."""
        vector = self._embedder.embed_query("warm up")
        self._store.query(vector, None, 1)
        _ = self.lexical

    @contextmanager
    def one_version(self) -> Iterator[None]:
        """Within one plan, search or records answer, every look-up sees the same library version."""
        if getattr(self._local, "pinned", None) is not None:
            yield
            return
        self._local.pinned = self.lexical
        try:
            yield
        finally:
            self._local.pinned = None

    def authorities(self) -> list[str]:
        """Authorities the library holds, as displayed."""
        lexical = self.lexical
        if self._authorities is None or self._authorities[0] != lexical.version:
            names = sorted({p.local_authority for p in lexical.passages if p.local_authority})
            self._authorities = (lexical.version, names)
        return self._authorities[1]

    def records(self) -> dict[str, dict]:
        """Every report record (dates, judgements, improvements), by report id."""
        version = self.lexical.version
        if self._records is None or self._records[0] != version:
            self._records = (version, {r["report_id"]: r for r in self._store.reports() if r.get("report_id")})
        return self._records[1]

    def passages_of(self, report_id: str) -> list[Passage]:
        """One report's passages in reading order, from an index built once per library version."""
        version = self.lexical.version
        if self._by_report is None or self._by_report[0] != version:
            by_report: dict[str, list[Passage]] = {}
            for passage in self.lexical.passages:
                by_report.setdefault(passage.report_id, []).append(passage)
            self._by_report = (version, by_report)
        return self._by_report[1].get(report_id, [])

    def positions_of(self, report_ids: list[str]) -> list[int]:
        """Where the reports' passages sit in the lexical index (for ranking only those)."""
        lexical = self.lexical
        if self._positions is None or self._positions[0] != lexical.version:
            positions: dict[str, list[int]] = {}
            for i, passage in enumerate(lexical.passages):
                positions.setdefault(passage.report_id, []).append(i)
            self._positions = (lexical.version, positions)
        table = self._positions[1]
        return [i for rid in report_ids for i in table.get(rid, [])]

    def _vectors_of(self, report_id: str) -> np.ndarray:
        """One report's passage vectors in reading order, kept for the reports asked about most recently."""
        key = (self.lexical.version, report_id)
        if key in self._vectors:
            self._vectors.move_to_end(key)
            return self._vectors[key]
        ids = [p.id for p in self.passages_of(report_id)]
        stored = self._store.vectors(ids)
        dim = next(iter(stored.values())).shape[0] if stored else 1
        matrix = np.stack([stored.get(i, np.zeros(dim, dtype=np.float32)) for i in ids]) if ids else np.zeros((0, 1))
        self._vectors[key] = matrix
        while len(self._vectors) > _VECTOR_CACHE_REPORTS:
            self._vectors.popitem(last=False)
        return matrix

    def grades_for(self, report_id: str) -> dict[str, str]:
        """The judgements of one report (area → grade); empty for news, letters and unknown ids."""
        record = self.records().get(report_id) or {}
        return dict(record.get("judgements") or {})

    def reports_on(self, authority: str) -> list[dict]:
        """One place's report records, oldest first (indexed once per library version)."""
        records = self.records()
        if self._by_place is None or self._by_place[0] is not records:
            by_place: dict[str, list[dict]] = {}
            for record in sorted(records.values(), key=lambda r: r.get("date") or ""):
                by_place.setdefault(authority_key(record.get("local_authority") or ""), []).append(record)
            self._by_place = (records, by_place)
        return list(self._by_place[1].get(authority_key(authority), []))

    def plan(self, question: str, filters: Filters | None = None) -> QueryPlan:
        """Read places, times and intent out of the question, and narrow the search to match."""
        with self.one_version():
            return self._plan(question, filters)

    def _plan(self, question: str, filters: Filters | None) -> QueryPlan:
        filters = Filters(**vars(filters)) if filters else Filters()
        held = self.authorities()
        held_keys = {authority_key(h) for h in held}
        candidates = tuple(dict.fromkeys([*KNOWN_AUTHORITIES, *held]))
        readings = read_places(question, candidates, self._is_word)
        places: list[PlaceReading] = []
        ambiguous: list[PlaceReading] = []
        unknown: list[str] = []
        for reading in readings:
            if reading.authority is None:
                choices = tuple(c for c in reading.choices if authority_key(c) in held_keys)
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
        query = re.sub(r"\s+", " ", _QUESTION_NOISE.sub(" ", query)).strip(" ?.,'’") or question
        period = read_period(question, self._today or date.today())
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
            about_cover=bool(_ABOUT_COVER.search(question)),
            unknown_places=list(dict.fromkeys(unknown)),
            places=places,
            ambiguous=ambiguous,
            period=period,
            intent=intent,
            other_inspectorate=other_inspectorate(question),
            group=group,
            group_held=group_held,
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
            reports = self.reports_on(authority)
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
            ids = [rid for rid, r in self.records().items() if in_period(r, period)]
            plan.scopes.append(Scope(_LIBRARY, [self.records()[i] for i in ids], []))
        if plan.scopes:
            plan.filters.report_ids = ids or ["(none)"]

    def _is_word(self, word: str) -> bool:
        return word in text.STOP_WORDS or self.lexical.knows(word)

    def _unknown_names(self, question: str) -> list[str]:
        """Capitalised words (not sentence-initial) that occur nowhere in the library: 'Glasgow'."""
        words = re.findall(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,})\b", question)
        lexical = self.lexical
        return [w for w in words if not lexical.knows(w) and not lexical.knows(w.rstrip("s"))]

    def search(self, question: str, filters: Filters | None = None, k: int = 8) -> SearchResult:
        """The k best passages for the question: each place (or report, for change) gets its share."""
        with self.one_version():
            return self._search(question, filters, k)

    def _search(self, question: str, filters: Filters | None, k: int) -> SearchResult:
        plan = self.plan(question, filters)
        vector = self._embedder.embed_query(plan.canonical_question)
        groups = self._groups(plan)
        if len(groups) == 1:
            return SearchResult(plan, self._rank(plan, groups[0][1], vector, k))
        share = max(2, -(-k // len(groups)))
        ranked = [[dataclass_replace(h, group=name) for h in self._rank(plan, f, vector, share)] for name, f in groups]
        hits: list[Hit] = []
        for i in range(share):
            hits += [group[i] for group in ranked if i < len(group)]
        return SearchResult(plan, hits)

    def _groups(self, plan: QueryPlan) -> list[tuple[str, Filters]]:
        """One share of evidence per named place; per report when the question is about change."""
        base = plan.filters
        if len(base.authorities) > 1:
            return [
                (
                    a,
                    Filters(
                        **{**vars(base), "authorities": [a], "report_ids": self._ids_of(plan, a) or base.report_ids}
                    ),
                )
                for a in base.authorities
            ]
        scope = plan.scopes[0] if len(plan.scopes) == 1 else None
        if plan.intent.change and scope and scope.authority != _LIBRARY and len(scope.reports) > 1:
            return [
                (r.get("date") or r["report_id"], Filters(**{**vars(base), "report_ids": [r["report_id"]]}))
                for r in plan.scopes[0].reports
            ]
        return [("", base)]

    @staticmethod
    def _ids_of(plan: QueryPlan, authority: str) -> list[str]:
        for scope in plan.scopes:
            if scope.authority == authority:
                return [r["report_id"] for r in scope.reports] or ["(none)"]
        return []

    def _rank(self, plan: QueryPlan, filters: Filters, vector, k: int) -> list[Hit]:
        """Lexical and dense rankings under one set of filters, fused and reranked."""
        depth = max(k * 5, 40)
        where = filters.where()
        scope = self._scoped_reports(filters)
        if scope is not None:
            # A few reports: rank their passages exactly, from cached vectors and a restricted BM25.
            dense = self._dense_within(scope, vector, depth)
            lexical = self.lexical.search(plan.query, depth, within=self.positions_of(scope))
        else:
            dense = self._store.query(vector, where, depth)
            lexical = self.lexical.search(plan.query, depth, filters.keeps if where else None)
        fused: dict[str, Hit] = {}
        for rank, (passage, similarity) in enumerate(dense):
            hit = fused.setdefault(passage.id, Hit(passage, 0.0))
            hit.score += 1.0 / (_RRF_K + rank)
            hit.similarity = similarity
        for rank, (passage, score) in enumerate(lexical):
            hit = fused.setdefault(passage.id, Hit(passage, 0.0))
            hit.score += 1.0 / (_RRF_K + rank)
            hit.lexical = score
        if fused:
            missing = [h for h in fused.values() if h.similarity == 0.0]
            if missing:
                stored = self._store.vectors([h.passage.id for h in missing])
                for hit in missing:
                    if hit.passage.id in stored:
                        hit.similarity = float(stored[hit.passage.id] @ vector)
        return _drop_echoes(self._rerank(list(fused.values()), plan))[:k]

    def _scoped_reports(self, filters: Filters) -> list[str] | None:
        """The report ids a filter comes down to, when it is only about places or reports and they are few."""
        if filters.kind or filters.since or filters.until:
            return None
        if filters.report_ids:
            ids = [i for i in filters.report_ids if i in self.records()]
        elif filters.authorities:
            ids = [r["report_id"] for a in filters.authorities for r in self.reports_on(a)]
        else:
            return None
        return ids if sum(len(self.passages_of(i)) for i in ids) <= _LOCAL_RANKING_LIMIT else None

    def _dense_within(self, report_ids: list[str], vector: np.ndarray, depth: int) -> list[tuple[Passage, float]]:
        passages = [p for rid in report_ids for p in self.passages_of(rid)]
        if not passages:
            return []
        similarities = np.concatenate([self._vectors_of(rid) @ vector for rid in report_ids])
        order = np.argsort(-similarities, kind="stable")[:depth]
        return [(passages[i], float(similarities[i])) for i in order]

    def _rerank(self, hits: list[Hit], plan: QueryPlan) -> list[Hit]:
        latest: dict[str, str] = {}
        for hit in hits:
            key = authority_key(hit.passage.local_authority)
            if hit.passage.primary and hit.passage.date > latest.get(key, ""):
                latest[key] = hit.passage.date
        for hit in hits:
            p = hit.passage
            factor = 1.0 + (0.15 if p.primary else 0.0)
            if plan.about_cover and p.section == "Judgements":
                factor *= 2.0
            year = int(p.date[:4]) if p.date else 0
            if plan.years and not plan.period and (year in plan.years or year - 1 in plan.years):
                factor *= 1.35  # a year mentioned in passing guides the ranking without filtering
            if (
                not plan.years
                and plan.about_present
                and p.date
                and p.date == latest.get(authority_key(p.local_authority))
            ):
                factor *= 1.2
            hit.score *= factor
        return sorted(hits, key=lambda h: -h.score)


def _drop_echoes(hits: list[Hit]) -> list[Hit]:
    """A news passage that repeats a primary passage already ranked is left out."""
    kept: list[Hit] = []
    for hit in hits:
        if not hit.passage.primary:
            words = text.content_words(hit.passage.text)
            echoes = any(
                k.passage.primary and len(words & text.content_words(k.passage.text)) >= 0.5 * max(len(words), 1)
                for k in kept
            )
            if echoes:
                continue
        kept.append(hit)
    return kept
