"""Stage 6, retrieve: find the few passages that answer a manager's question.

A question usually names an authority, a theme and sometimes a time. The authority becomes a
filter; the theme is ranked two ways, by words (BM25) and by meaning (embeddings), and the two
rankings are fused (reciprocal rank fusion). Ofsted's own reports outrank news that quotes them,
and for questions about the present, the newest report for an authority is preferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from index import text
from index.authorities import KNOWN_AUTHORITIES, authority_key, find_authorities, strip_authorities
from index.chunk import Passage
from index.embed import Embedder
from index.lexical import LexicalIndex, lexical_for
from index.store import Store

_RRF_K = 60
_YEAR = re.compile(r"\b(20[0-3]\d|19\d\d)\b")
_PRESENT = re.compile(r"\b(now|current(ly)?|latest|today|at present|these days|most recent|recent(ly)?)\b", re.I)
# Questions about grades, dates or who led a visit are answered by a report's cover facts.
_ABOUT_COVER = re.compile(
    r"\b(judge?ments?|judged|rated|ratings?|grades?|graded|overall effectiveness|outstanding|inadequate|good|"
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

    def as_dict(self) -> dict:
        """For `--json` output."""
        return {
            "authorities": self.authorities,
            "kind": self.kind,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }

    def where(self) -> dict | None:
        """The Chroma `where` clause."""
        clauses: list[dict] = []
        keys = [authority_key(a) for a in self.authorities]
        if len(keys) == 1:
            clauses.append({"authority_key": keys[0]})
        elif keys:
            clauses.append({"authority_key": {"$in": keys}})
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


@dataclass
class QueryPlan:
    """What the question asks for once names and times are read out of it."""

    question: str
    query: str
    filters: Filters
    years: list[int]
    about_present: bool
    about_cover: bool
    unknown_places: list[str]


@dataclass
class SearchResult:
    """The answer to a search: what was searched, with which filters, and the ranked hits."""

    plan: QueryPlan
    hits: list[Hit]


class Retriever:
    """Hybrid search over one library."""

    def __init__(self, store: Store, embedder: Embedder, lexical_dir: Path) -> None:
        self._store = store
        self._embedder = embedder
        self._lexical_dir = lexical_dir
        self._lexical: LexicalIndex | None = None
        self._authorities: tuple[str, list[str]] | None = None
        self._records: tuple[str, dict[str, dict]] | None = None
        self._by_report: tuple[str, dict[str, list[Passage]]] | None = None

    @property
    def lexical(self) -> LexicalIndex:
        """The lexical index for the store as it is now."""
        self._lexical = lexical_for(self._store, self._lexical_dir, self._lexical)
        return self._lexical

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

    def grades_for(self, report_id: str) -> dict[str, str]:
        """The judgements of one report (area → grade); empty for news, letters and unknown ids."""
        record = self.records().get(report_id) or {}
        return dict(record.get("judgements") or {})

    def plan(self, question: str, filters: Filters | None = None) -> QueryPlan:
        """Read authority names and years out of the question."""
        filters = Filters(**vars(filters)) if filters else Filters()
        held = self.authorities()
        named = find_authorities(question, held)
        query = question
        query = strip_authorities(query, named)
        query = re.sub(r"\s+", " ", _QUESTION_NOISE.sub(" ", query)).strip(" ?.,'’") or question
        if not filters.authorities and named:
            filters.authorities = named
        # A place we know of but do not hold, or a name the library never mentions, means no evidence.
        held_keys = {authority_key(h) for h in held}
        unknown = [a for a in find_authorities(question, KNOWN_AUTHORITIES) if authority_key(a) not in held_keys]
        unknown += self._unknown_names(question)
        years = [int(y) for y in _YEAR.findall(question)]
        about_present = bool(_PRESENT.search(question)) or not years
        about_cover = bool(_ABOUT_COVER.search(question))
        return QueryPlan(question, query, filters, years, about_present, about_cover, unknown)

    def _unknown_names(self, question: str) -> list[str]:
        """Capitalised words (not sentence-initial) that occur nowhere in the library: 'Glasgow'."""
        words = re.findall(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]{2,})\b", question)
        lexical = self.lexical
        return [w for w in words if not lexical.knows(w) and not lexical.knows(w.rstrip("s"))]

    def search(self, question: str, filters: Filters | None = None, k: int = 8) -> SearchResult:
        """The k best passages for the question, fused from lexical and dense rankings."""
        plan = self.plan(question, filters)
        depth = max(k * 5, 40)
        where = plan.filters.where()
        vector = self._embedder.embed_query(question)
        dense = self._store.query(vector, where, depth)
        lexical = self.lexical.search(plan.query, depth, plan.filters.keeps if where else None)

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
        hits = self._rerank(list(fused.values()), plan)
        return SearchResult(plan, _drop_echoes(hits)[:k])

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
            if plan.years:
                # Reports are often published the year after the visit.
                if year in plan.years or year - 1 in plan.years:
                    factor *= 1.35
            elif plan.about_present and p.date and p.date == latest.get(authority_key(p.local_authority)):
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
