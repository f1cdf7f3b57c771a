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

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from datetime import date
from pathlib import Path

import numpy as np

from index import text
from index.authorities import (
    PlaceReading,
    authority_key,
)
from index.chunk import Passage
from index.embed import Embedder
from index.lexical import LexicalIndex, lexical_for
from index.plan import LIBRARY, Filters, Planner, QueryPlan
from index.report import SAFEGUARDING_BOARD, is_primary
from index.store import Store

_RRF_K = 60


#: Up to this many passages in scope, ranking is done exactly in memory rather than by the store's index.
_LOCAL_RANKING_LIMIT = 4000
_VECTOR_CACHE_REPORTS = 128


@dataclass
class Hit:
    """A passage as retrieved: its fused score, and the dense similarity that says how close it is."""

    passage: Passage
    score: float
    similarity: float = 0.0
    lexical: float = 0.0
    group: str = ""  # the place or report whose share of the evidence this is


@dataclass
class SearchResult:
    """The answer to a search: what was searched, with which filters, and the ranked hits."""

    plan: QueryPlan
    hits: list[Hit]


# long: one object owns the per-version look-ups every search shares; split, their caches would go stale apart.
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

    def closeness(self, query: str, texts: list[str]) -> list[float]:
        """How close in meaning each text is to `query` (cosine of their embeddings): for windows within passages."""
        if not texts:
            return []
        return [float(x) for x in self._embedder.embed(texts) @ self._embedder.embed_query(query)]

    def grades_for(self, report_id: str) -> dict[str, str]:
        """The judgements of one report (area → grade), its board review's too; empty for news and letters."""
        record = self.records().get(report_id) or {}
        board = {SAFEGUARDING_BOARD: record[SAFEGUARDING_BOARD]} if record.get(SAFEGUARDING_BOARD) else {}
        return {**(record.get("judgements") or {}), **board}

    def reports_on(self, authority: str) -> list[dict]:
        """One place's report records, oldest first (indexed once per library version)."""
        records = self.records()
        if self._by_place is None or self._by_place[0] is not records:
            by_place: dict[str, list[dict]] = {}
            for record in sorted(records.values(), key=lambda r: r.get("date") or ""):
                by_place.setdefault(authority_key(record.get("local_authority") or ""), []).append(record)
            self._by_place = (records, by_place)
        return list(self._by_place[1].get(authority_key(authority), []))

    def newest_report(self, authority: str) -> dict | None:
        """A council's newest report in Ofsted's own words (news is not a report); None if it has none."""
        own = [r for r in self.reports_on(authority) if is_primary(r)] if authority else []
        return own[-1] if own else None

    def is_newest(self, passage: Passage) -> bool:
        """Whether a passage is from its council's newest report: what "the latest" may be said of."""
        newest = self.newest_report(passage.local_authority or "")
        return newest is not None and newest.get("report_id") == passage.report_id

    def plan(self, question: str, filters: Filters | None = None) -> QueryPlan:
        """Read places, times and intent out of the question, and narrow the search to match."""
        with self.one_version():
            return Planner(self, self._today).plan(question, filters)

    def places(self, text: str) -> list[PlaceReading]:
        """The places a text names, as a question's are read."""
        with self.one_version():
            return Planner(self, self._today).places(text)

    def search(self, question: str, filters: Filters | None = None, k: int = 8) -> SearchResult:
        """The k best passages for the question: each place (or report, for change) gets its share."""
        with self.one_version():
            return self._search(question, filters, k)

    def _search(self, question: str, filters: Filters | None, k: int) -> SearchResult:
        plan = self.plan(question, filters)
        groups = self._groups(plan)
        if len(groups) == 1:
            vector = self._embedder.embed_query(plan.canonical_question)
            return SearchResult(plan, self._rank(plan, groups[0][1], vector, k, plan.searched()))
        # Each side is already one place or report: it is searched for the topic alone, not for the
        # words that set the sides apart ("changed between", "compared with", the years).
        topic = plan.searched(plan.side_topic)
        vector = self._embedder.embed_query(topic)
        share = max(2, -(-k // len(groups)))
        ranked = [
            [dataclass_replace(h, group=name) for h in self._rank(plan, f, vector, share, topic)] for name, f in groups
        ]
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
        if plan.intent.change and scope and scope.authority != LIBRARY and len(scope.reports) > 1:
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

    def _rank(self, plan: QueryPlan, filters: Filters, vector, k: int, query: str) -> list[Hit]:
        """Lexical (for `query`) and dense rankings under one set of filters, fused and reranked."""
        depth = max(k * 5, 40)
        where = filters.where()
        scope = self._scoped_reports(filters)
        if scope is not None:
            # A few reports: rank their passages exactly, from cached vectors and a restricted BM25.
            dense = self._dense_within(scope, vector, depth)
            lexical = self.lexical.search(query, depth, within=self.positions_of(scope))
        else:
            dense = self._store.query(vector, where, depth)
            lexical = self.lexical.search(query, depth, filters.keeps if where else None)
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
