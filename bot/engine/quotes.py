"""Answers from quoted evidence, with no model: the best passages, or the reports' judgement tables."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.evidence.citations import REPEAT_SHARE, Citation, best_quote, date_label, gist, opening
from bot.evidence.claims import QUOTE_JOIN, improvement_section
from bot.records.improvements import improvement_bullets
from bot.records.lookup import area_label, cover_of, cover_quote, grade_in
from index import meaning
from index import text as text_rules
from index.chunk import COVER_SECTION
from index.plan import QueryPlan
from index.retrieve import Hit, Retriever, SearchResult
from index.text import JUDGEMENT_AREAS

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


#: Areas a topic's words may name only when the question says so plainly ("overall", "leadership").
_WIDE_AREAS = {"overall_effectiveness": r"\boverall\b"}


def topic_area(question: str, report_words: list[str]) -> str | None:
    """The judgement area a question's topic is ("support for care leavers" → care leavers), if it is one.

    Its thesaurus words count too ("care-experienced young people" finds "care leavers"). "Children's
    services" is not a topic of its own: the overall grade is only named by "overall".
    """
    said = " ".join([question, *report_words])
    named = []
    for order, (area, pattern) in enumerate(JUDGEMENT_AREAS):
        wide = _WIDE_AREAS.get(area)
        if (found := re.search(rf"\b({pattern})\b", said, re.I)) and (wide is None or re.search(wide, said, re.I)):
            named.append((found.start(), order, area))  # the first named; at one place, the longer name
    return min(named)[2] if named else None


def side_grade(retriever: Retriever, report_id: str, area: str, n: int) -> tuple[str, Citation] | None:
    """The grade a side's report gave the topic's judgement area, as its cover row states it; None if none."""
    record = retriever.records().get(report_id)
    if not record:
        return None
    grade, graded = grade_in(record, area)
    cover = cover_of(retriever, record)
    if not grade or cover is None or cover.section != COVER_SECTION:
        return None
    row = cover_quote(cover, [graded])
    if not row or QUOTE_JOIN in row:  # the row for this area alone, or nothing: never the whole table as its proof
        return None
    shown = "requires improvement to be good" if grade == "requires improvement" else grade
    line = f"{date_label(cover)}: {area_label(graded)} judged {shown} [{n}]."
    return line, Citation(n, cover, row)


def side_improvement(retriever: Retriever, report_id: str, topic: str, n: int) -> tuple[str, Citation] | None:
    """The first item of a side's report's improvement list that names the whole topic, verbatim; None if none.

    How Ofsted's view of a topic changed includes what it asked to improve there: a list item is
    what the report asks for, so it is said as such, never as a finding.
    """
    record = retriever.records().get(report_id)
    if not record or len(text_rules.content_words(topic)) < SIDE_TOPIC_WORDS:
        return None
    # The item as the list prints it: a quote found elsewhere in the report is a finding, not what was asked.
    items = [
        cited
        for _, cited in improvement_bullets(retriever, record, topic)
        if improvement_section(cited.passage.section)
    ]
    if not items:
        return None
    cited = items[0]
    line = f"The {date_label(cited.passage)} asked for improvement in: “{cited.quote}” [{n}]"
    return line, Citation(n, cited.passage, cited.quote)


def closest(retriever: Retriever, query: str, sentences: list[str], floor: float) -> int | None:
    """Which of the sentences is closest in meaning to `query`, if any is at least `floor` close."""
    if not sentences:
        return None
    near = retriever.closeness(query, sentences)
    best = max(range(len(sentences)), key=near.__getitem__)
    return best if near[best] >= floor else None


def _finds_fault(sentence: str) -> bool:
    """A criticism in words ("too slow", "weak"), not a bare "not" ("leaders do not tolerate drift" praises)."""
    return bool(meaning.CRITICAL.search(meaning.NOT_CRITICAL.sub(" ", meaning.plain(sentence))))


#: What a report hopes for or asks, not what it found.
HOPES = re.compile(r"\b(will|would|should|must|could|needs? to|ought to)\b", re.I)
BALANCE_CLOSENESS = 0.5  # a side's other-way sentence must be this close in meaning to the topic to be quoted
BALANCE_PASSAGES = 6  # the side's best passages it is looked for in (a side's share of the search)


def balancing_quote(
    topic: str,
    hits: list[Hit],
    written: list[str],
    n: int,
    retriever: Retriever,
    min_relevance: float,
    searched: str = "",
) -> tuple[str, Citation] | None:
    """A side's finding the other way, in its report's words, when what was written is all praise or all fault.

    A small model summarising a report on a topic tends to pick its strengths; a manager asking how
    it changed needs the weaknesses too (and the reverse). The sentence closest in meaning to the
    topic among the side's best passages that finds fault (or praises) is quoted; None when
    the written side already has both, or no such sentence is about the topic.
    About the topic means it says the topic's rarest word ("carers" of "young carers") and is close
    in meaning to `searched` (the topic with the reports' words for it). What a report hopes for or
    asks ("this will help…", "should") is not a finding either way.
    """
    topic_words = text_rules.content_words(topic)
    if not topic_words:
        return None
    rarest = min(topic_words, key=lambda w: (retriever.lexical.share_with(w) or 1.0, w))
    faults = any(meaning.criticises(s) for s in written)
    praise = any(meaning.praises(s) for s in written)
    if faults == praise:
        return None  # both already, or neither (a neutral account is not one-sided)
    wanted = meaning.praises if faults else _finds_fault
    said = [gist(s) for s in written]
    found: list[tuple[str, Hit]] = []
    for hit in hits[:BALANCE_PASSAGES]:
        p = hit.passage
        if hit.similarity < min_relevance or p.section == COVER_SECTION or improvement_section(p.section):
            continue
        for line in text_rules.continued_lines(p.text):
            for sentence in text_rules.sentences(line):
                sentence = re.sub(r"^\d{1,3}\.\s+", "", " ".join(sentence.split()))
                words = gist(sentence)
                if (
                    len(text_rules.content_words(sentence)) >= 4
                    and rarest in text_rules.content_words(sentence)
                    and not HOPES.search(sentence)
                    and wanted(meaning.own_words(sentence))  # its main clause: not the scene it sets
                    and not any(len(words & s) >= REPEAT_SHARE * len(words) for s in said)
                ):
                    found.append((sentence, hit))
    best = closest(retriever, searched or topic, [s for s, _ in found], BALANCE_CLOSENESS)
    if best is None:
        return None
    sentence, hit = found[best]
    return f"The same report also found: “{sentence}” [{n}]", Citation(n, hit.passage, sentence)
