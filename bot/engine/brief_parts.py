"""The parts a brief is made of: cited bullets, sections, the timeline, and the report's own findings quoted."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.engine.summary import HEADLINE_SENTENCES, ROW_TEXT, reads_alone, summary_of
from bot.evidence.citations import Citation, best_quote, citation_json
from index import meaning, text
from index.chunk import Passage, report_id
from index.plan import Filters
from index.retrieve import Retriever
from index.thesaurus import report_phrases

SUMMARY_FINDINGS = 2  # of a brief's strengths (or concerns), how many may come from the report's own summary
TOPIC_SHARE = 0.5  # a sentence is on a brief's topic when it holds this share of the topic's weight


@dataclass
class Bullet:
    """One line of a brief with the citations behind it."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    note: str = ""  # e.g. "2018, superseded by the 2023 inspection"
    cells: tuple[str, ...] = ()  # a row of the section's table (grades beside each other), when it has one


@dataclass
class BriefSection:
    """A titled list of cited bullets."""

    title: str
    bullets: list[Bullet] = field(default_factory=list)
    columns: tuple[str, ...] = ()  # the table's header, for bullets that are rows

    @property
    def rows(self) -> list[Bullet]:
        """The bullets that are table rows."""
        return [b for b in self.bullets if b.cells]

    @property
    def points(self) -> list[Bullet]:
        """The bullets that are sentences."""
        return [b for b in self.bullets if not b.cells]


@dataclass
class TimelineEntry:
    """One report in the authority's history."""

    date: str
    kind: str
    judgements: dict[str, str]
    source: str
    url: str

    @classmethod
    def of(cls, record: dict) -> TimelineEntry:
        """A report record as a line of the timeline."""
        when, kind, grades = record.get("date") or "", record.get("kind") or "", record.get("judgements") or {}
        return cls(when, kind, grades, record["source"], record.get("url") or "")


@dataclass
class Briefing:
    """A whole brief, ready to render as Markdown, JSON, Word or terminal text."""

    authority: str | None
    topic: str | None
    generated_at: str
    timeline: list[TimelineEntry]
    sections: list[BriefSection]
    sources: list[dict]
    notes: list[str] = field(default_factory=list)
    title: str = ""  # a heading other than "Briefing: <council>" (a digest of a new report)
    year: int | None = None  # the year of the report it is of, when that is not the latest

    def as_json(self) -> dict:
        """The documented JSON shape."""
        return {
            "authority": self.authority,
            "topic": self.topic,
            "generated_at": self.generated_at,
            "timeline": [vars(t) for t in self.timeline],
            "sections": [
                {
                    "title": s.title,
                    "columns": list(s.columns),
                    "bullets": [
                        {
                            "text": b.text,
                            "note": b.note,
                            "cells": list(b.cells),
                            "citations": [citation_json(c) for c in b.citations],
                        }
                        for b in s.bullets
                    ],
                }
                for s in self.sections
            ],
            "sources": self.sources,
            "notes": self.notes,
            "title": self.title,
            "year": self.year,
        }


def passages_of(retriever: Retriever, source: str) -> list[Passage]:
    """One report's passages, by its source path."""
    return retriever.passages_of(report_id(source))


def cited(passage: Passage, sentence: str, n: int) -> Citation:
    """A citation of the passage's words that best match the sentence."""
    quote, _ = best_quote(sentence, passage)
    return Citation(n, passage, quote or sentence)


def findings(
    retriever: Retriever,
    authority: str,
    report: dict,
    topic: str | None,
    positive: bool,
    limit: int,
    section: str | None = None,
) -> list[Bullet]:
    """The report's own sentences that praise (or criticise), most relevant to the topic first.

    `section` (a pattern) keeps only passages under matching headings, e.g. a judgement's own section.
    """
    query = (topic or "") + (
        " strengths effective good practice" if positive else " weaknesses not consistently delay improve"
    )
    filters = Filters(authorities=[authority])
    hits = retriever.search(f"{authority} {query}", filters, k=40).hits
    ranked = [h.passage for h in hits if h.passage.source == report["source"]]
    in_report = passages_of(retriever, report["source"])
    ranked += [p for p in in_report if p not in ranked]
    if section:
        ranked = [p for p in ranked if re.search(section, p.section, re.I)]
    on_topic = _topic_test(topic, in_report)

    def fits(sentence: str) -> bool:
        judged = meaning.own_words(sentence)
        found = meaning.praises(judged) if positive else meaning.criticises(judged)
        return found and on_topic(text.content_words(sentence))

    # The inspectors' own verdicts first (the report's summary, past what "at a glance" quotes of it),
    # then the sentences retrieval ranks highest, one a passage.
    summary = [] if section else summary_of(in_report)
    seen = {s for _, s in summary[:HEADLINE_SENTENCES]}
    first = [Bullet(s, [Citation(0, p, s)]) for p, s in summary[HEADLINE_SENTENCES:] if reads_alone(s) and fits(s)]
    bullets = first[: min(limit, SUMMARY_FINDINGS)]
    seen |= {b.text for b in bullets}
    for passage in ranked:
        if passage.section in ("Judgements",) or re.match(r"what needs to improve", passage.section, re.I):
            continue
        for sentence in text.sentences(passage.text):
            sentence = re.sub(r"^\d{1,3}\.\s*(?=[A-Z])", "", sentence)  # a paragraph number, "13.Care…" too
            said = " ".join(sentence.split())
            if len(text.content_words(sentence)) < 6 or said in seen or ROW_TEXT.search(said):
                continue  # short, said, or the judgement table run into the summary ("…leavers Good Services…")
            if not (reads_alone(said) and fits(sentence)):
                continue
            seen.add(said)
            bullets.append(Bullet(sentence, [Citation(0, passage, sentence)]))
            break
        if len(bullets) >= limit:
            break
    return bullets


def _topic_test(topic: str | None, passages: list[Passage]) -> Callable[[set[str]], bool]:
    """Whether a sentence's words are on the topic, the topic's words weighed by how rare they are in the report.

    "Multi-agency front door": a report says "multi-agency" of many things, so a sentence needs "front
    door" (or most of the topic's weight), not "multi-agency" alone. A topic listing things ("front
    door, CASS and MASH") is on any of them, and so is one on what the reports call it ("MASH" for the
    front door, from the sector thesaurus).
    """
    pieces = re.split(r"\s+(?:and|or|&)\s+|\s*[,;/]\s*|\s+[-–]\s+", topic or "")
    parts = [words for words in map(text.content_words, pieces) if words]
    if not parts:
        return lambda _: True
    sentences = [text.content_words(s) for p in passages for s in text.sentences(p.text)]
    tests = [_weighed(words, sentences) for words in parts]
    # The reports' own names for it are on the topic when a sentence says the whole name.
    named = [words for words in map(text.content_words, report_phrases(topic or "")) if words]
    tests += [lambda words, name=name: name <= words for name in named]
    return lambda words: any(test(words) for test in tests)


def _weighed(wanted: set[str], sentences: list[set[str]]) -> Callable[[set[str]], bool]:
    counts = {w: sum(w in s for s in sentences) for w in wanted}
    # A word the report never uses cannot be matched and does not raise the bar.
    weight = {w: math.log(1 + len(sentences) / c) for w, c in counts.items() if c}
    total = sum(weight.values())
    if not total:
        return lambda words: bool(wanted & words)
    return lambda words: sum(weight.get(w, 0.0) for w in wanted & words) >= TOPIC_SHARE * total


def number_sources(sections: list[BriefSection]) -> list[dict]:
    """Give citations numbers in order of first use and list the sources behind them."""
    numbers: dict[tuple[str, int, str], int] = {}
    sources: dict[str, dict] = {}
    for section in sections:
        for bullet in section.bullets:
            renumbered = []
            for c in bullet.citations:
                key = (c.passage.id, c.quote)  # two quotes never share a number, even from one page
                n = numbers.setdefault(key, len(numbers) + 1)
                renumbered.append(Citation(n, c.passage, c.quote))
                sources.setdefault(
                    c.passage.source,
                    {
                        "source": c.passage.source,
                        "title": c.passage.title,
                        "date": c.passage.date,
                        "kind": c.passage.kind,
                        "url": c.passage.url,
                    },
                )
            bullet.citations = renumbered
    return sorted(sources.values(), key=lambda s: s["date"] or "")
