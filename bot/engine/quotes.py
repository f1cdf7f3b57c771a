"""Answers from quoted evidence, with no model: the best passages, or the reports' judgement tables."""

from __future__ import annotations

from collections.abc import Callable

from bot.evidence.citations import Citation, best_quote, date_label, opening
from bot.evidence.claims import improvement_section
from bot.records.lookup import cover_quote
from index import text as text_rules
from index.chunk import COVER_SECTION
from index.plan import QueryPlan
from index.retrieve import Hit, Retriever, SearchResult

COVERED_SHARE = 0.7  # a passage "plainly covers" a question when it holds this share of the question's words
RARE_SHARE = 0.005  # a word in fewer than this share of the library's passages is what a question is about
QUOTED = 3  # passages quoted when there is no model
TABLES_PER_PLACE = 4  # judgement tables quoted per council: its latest few reports
SIDE_QUOTE_SHARE = 0.75  # a side's passage is quoted when its best sentences hold this share of the topic's words
SIDE_QUOTE_TRIES = 3  # the side's best passages looked at for such sentences
SIDE_TOPIC_WORDS = 2  # a topic of one word ("Compare") is too little to tell a quote on it


def covers(result: SearchResult, share_with: Callable[[str], float], share: float = COVERED_SHARE) -> bool:
    """Whether one of the top passages contains most of the question's own words, and all of its rare ones.

    A word few passages hold ("salary") is what the question is about: a passage on the chief
    executive's role does not cover a question on the chief executive's salary, however many other
    words they share. `share_with` gives a word's share of the library's passages.
    """
    wanted = text_rules.content_words(result.plan.query)
    if len(wanted) < 2:
        return False
    rare = {w for w in wanted if 0.0 < share_with(w) < RARE_SHARE}
    for hit in result.hits[:3]:
        found = wanted & text_rules.content_words(f"{hit.passage.header} {hit.passage.text}")
        if len(found) >= share * len(wanted) and rare <= found:
            return True
    return False


def evidence_only(
    question: str, result: SearchResult, limit: int = QUOTED, first: int = 1
) -> tuple[str, list[Citation]]:
    """The best quoted passages as the answer: instant, and always faithful."""
    citations: list[Citation] = []
    lines = []
    for n, hit in enumerate(result.hits[:limit], start=first):
        quote, _ = best_quote(result.plan.query or question, hit.passage)
        if result.plan.about_cover and hit.passage.section == COVER_SECTION:
            quote = cover_quote(hit.passage) or quote  # a question about judgements is answered by the grades
        quote = quote or opening(hit.passage)
        citations.append(Citation(n, hit.passage, quote))
        when = hit.passage.date or "undated"
        lines.append(f"{hit.passage.local_authority} ({hit.passage.kind}, {when}): “{quote}” [{n}]")
    return "\n".join(lines), citations


def side_quote(topic: str, hits: list[Hit], n: int, min_relevance: float) -> tuple[str, Citation] | None:
    """A side of a comparison in its report's own words: the sentences of one of its best passages on the topic.

    None when none of them says (nearly) all of a topic of two words or more: a quote that does not
    speak to the topic is not an answer for that side. Cover pages and the report's improvement
    lists are not quoted: what Ofsted asked for is not what it found.
    """
    if len(text_rules.content_words(topic)) < SIDE_TOPIC_WORDS:
        return None
    for hit in hits[:SIDE_QUOTE_TRIES]:
        p = hit.passage
        if hit.similarity < min_relevance or p.section == COVER_SECTION or improvement_section(p.section):
            continue
        quote, share = best_quote(topic, p)
        if quote and share >= SIDE_QUOTE_SHARE:
            return f"{date_label(p)}: “{quote}” [{n}]", Citation(n, p, quote)
    return None


def judgement_tables(plan: QueryPlan, retriever: Retriever, first: int = 1) -> tuple[str, list[Citation]]:
    """For a question about the grades of the reports in scope: each report's judgement rows, quoted."""
    if not plan.about_cover or not plan.scopes:
        return "", []
    lines, citations = [], []
    for scope in plan.scopes:
        if scope.authority not in plan.filters.authorities:
            continue
        for record in scope.reports[-TABLES_PER_PLACE:]:
            cover = next((p for p in retriever.passages_of(record["report_id"]) if p.section == COVER_SECTION), None)
            rows = cover_quote(cover) if cover else ""
            if not rows:
                continue
            n = first + len(citations)
            citations.append(Citation(n, cover, rows))
            lines.append(f"{cover.local_authority} ({cover.kind}, {cover.date or 'undated'}): “{rows}” [{n}]")
    return "\n".join(lines), citations
