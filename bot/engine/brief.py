"""Pre-meeting briefings: an authority's reports turned into one cited page.

Everything the metadata can say (timeline, judgements, the improvement list) is assembled without
the model. Strengths and concerns are the reports' own sentences, chosen by retrieval and quoted
exactly; with a model, they are summarised through the same answer engine and citation checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.engine.answer import AnswerEngine
from bot.evidence.citations import Citation, best_quote, citation_json, opening
from bot.records.grid import COLUMNS, Standing, better, comparison
from bot.records.improvements import improvement_bullets
from bot.records.lookup import GRADE_ORDER, cover_of, cover_quote, short
from index import text
from index.authorities import authority_key, find_authorities, lookup, nearest, neighbours_of, strip_authorities
from index.chunk import Passage, report_id
from index.errors import UnknownAuthority
from index.question import region_label
from index.retrieve import Filters, Retriever


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
        }


def _reports_for(retriever: Retriever, reports: list[dict], authority: str) -> tuple[str, list[dict]]:
    key = authority_key(authority)
    mine = [r for r in reports if authority_key(r.get("local_authority") or "") == key]
    if not mine:
        held = sorted({r.get("local_authority") for r in reports if r.get("local_authority")})
        close = nearest(authority, held)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownAuthority(f"the library holds no reports on {authority!r}.{hint}")
    mine.sort(key=lambda r: r.get("date") or "")
    return mine[0]["local_authority"], mine


def _passages_of(retriever: Retriever, source: str) -> list[Passage]:
    return retriever.passages_of(report_id(source))


def _cited(passage: Passage, sentence: str, n: int) -> Citation:
    quote, _ = best_quote(sentence, passage)
    return Citation(n, passage, quote or sentence)


def _findings(
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
    ranked += [p for p in _passages_of(retriever, report["source"]) if p not in ranked]
    if section:
        ranked = [p for p in ranked if re.search(section, p.section, re.I)]
    topic_words = text.content_words(topic or "")
    bullets: list[Bullet] = []
    seen: set[str] = set()
    for passage in ranked:
        if passage.section in ("Judgements",) or re.match(r"what needs to improve", passage.section, re.I):
            continue
        for sentence in text.sentences(passage.text):
            sentence = re.sub(r"^\d{1,3}\.\s*(?=[A-Z])", "", sentence)  # a paragraph number, "13.Care…" too
            words = text.content_words(sentence)
            if len(words) < 6 or sentence in seen:
                continue
            if topic_words and not topic_words & words:
                continue
            if not (text.praises(sentence) if positive else text.criticises(sentence)):
                continue
            seen.add(sentence)
            bullets.append(Bullet(sentence, [Citation(0, passage, sentence)]))
            break
        if len(bullets) >= limit:
            break
    return bullets


def _improvements(retriever: Retriever, report: dict, topic: str | None) -> list[Bullet]:
    """The latest report's improvement list, each item cited to the passage that states it."""
    return [Bullet(item, [cited]) for item, cited in improvement_bullets(retriever, report, topic)]


def _questions(improvements: list[Bullet], concerns: list[Bullet]) -> list[Bullet]:
    """Questions a manager could put, each tied to the finding that prompts it."""
    questions = []
    for bullet in improvements[:3]:
        subject = re.sub(r"\s*\([^)]*\)\s*$", "", bullet.text).rstrip(". ").removeprefix("The ")
        subject = subject[0].lower() + subject[1:] if subject else subject
        questions.append(
            Bullet(f"What has changed in {subject} since the inspection, and how do you know?", bullet.citations)
        )
    for bullet in concerns[:2]:
        questions.append(
            Bullet(
                f"Inspectors found: “{bullet.text}” What is the current position, and what evidence shows it?",
                bullet.citations,
            )
        )
    return questions


def _cover(retriever: Retriever, report: dict) -> list[Citation]:
    """The report's cover passage (dates, lead inspector, judgements), to cite metadata bullets to."""
    passages = _passages_of(retriever, report["source"])
    for passage in passages:
        if passage.section == "Judgements":
            return [Citation(0, passage, passage.text)]
    # News and letters have no cover table: their opening passage says what they are about.
    return [Citation(0, passages[0], opening(passages[0], 1))] if passages else []


def _glance(retriever: Retriever, reports: list[dict]) -> list[Bullet]:
    judged = [r for r in reports if r.get("judgements")]
    bullets = []
    if judged:
        latest = judged[-1]
        grades = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in latest["judgements"].items())
        bullets.append(
            Bullet(
                f"Latest judgements ({latest['kind']}, {latest.get('date') or 'undated'}): {grades}.",
                _cover(retriever, latest),
            )
        )
        graded = [r for r in judged if "overall_effectiveness" in r["judgements"]]
        if len(graded) > 1:
            trend = [f"{r['judgements']['overall_effectiveness']} ({(r.get('date') or '')[:4]})" for r in graded]
            cites = [c for r in graded for c in _cover(retriever, r)]
            bullets.append(Bullet("Overall effectiveness over time: " + " → ".join(trend) + ".", cites))
        if "overall_effectiveness" not in latest["judgements"]:
            bullets.append(
                Bullet(
                    "The latest report gives no overall effectiveness grade (the 2026 framework has none).",
                    _cover(retriever, latest),
                )
            )
    elif reports:
        sources = [c for r in reports for c in _cover(retriever, r)][:3]
        bullets.append(
            Bullet("The library holds no graded inspection for this authority; only the documents below.", sources)
        )
    return bullets


def _number(sections: list[BriefSection]) -> list[dict]:
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


def brief_request(words: str, held: list[str]) -> tuple[str | None, str | None]:
    """Read '/brief Tameside front door' as (authority, topic), the same in the REPL and in Slack."""
    named = find_authorities(words, held)
    if not named:
        return (words.strip() or None), None
    return named[0], (strip_authorities(words, named) or None)


def build_brief(
    retriever: Retriever,
    reports: list[dict],
    authority: str | None,
    topic: str | None = None,
    *,
    engine: AnswerEngine | None = None,
    on_section: callable | None = None,
) -> Briefing:
    """Assemble the brief; `engine` (with a model) rewrites strengths and concerns as cited summaries."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if authority is None:
        if not topic:
            raise UnknownAuthority("a brief needs an authority, a topic, or both")
        return _compare(retriever, topic, now)
    name, mine = _reports_for(retriever, reports, authority)
    primary = [r for r in mine if r.get("kind") not in ("news article", "other")]
    latest = primary[-1] if primary else mine[-1]
    earlier = [r for r in primary[:-1]]
    notes = []
    if not primary:
        notes.append(f"The library holds only news coverage of {name}; this brief is built from it.")
    timeline = [
        TimelineEntry(
            r.get("date") or "", r.get("kind") or "", r.get("judgements") or {}, r["source"], r.get("url") or ""
        )
        for r in mine
    ]
    sections: list[BriefSection] = []

    def add(section: BriefSection) -> None:
        sections.append(section)
        if on_section:
            on_section(section.title)

    add(BriefSection("At a glance", _glance(retriever, primary or mine)))
    if lookup(name) is not None:
        add(how_it_compares(retriever, name))
    strengths = _findings(retriever, name, latest, topic, True, 4)
    concerns = _findings(retriever, name, latest, topic, False, 4)
    if earlier:
        previous = earlier[-1]
        later = f"superseded by the {(latest.get('date') or '')[:4]} {latest.get('kind')}"
        for bullet in _findings(retriever, name, previous, topic, False, 2):
            bullet.note = f"{(previous.get('date') or '')[:4]} finding, {later}"
            concerns.append(bullet)
    if engine is not None and engine.llm is not None:
        strengths = _summarise(engine, name, latest, topic, "strengths", strengths, praise=True)
        concerns = _summarise(engine, name, latest, topic, "weaknesses and concerns", concerns, praise=False)
    add(BriefSection("Strengths", strengths))
    add(BriefSection("Concerns", concerns))
    improvements = _improvements(retriever, latest, topic)
    add(BriefSection("What Ofsted asked to improve", improvements))
    add(BriefSection("Questions to ask", _questions(improvements, [c for c in concerns if not c.note])))
    sources = _number(sections)
    return Briefing(name, topic, now, timeline, sections, sources, notes)


def _summarise(
    engine: AnswerEngine,
    name: str,
    report: dict,
    topic: str | None,
    what: str,
    fallback: list[Bullet],
    *,
    praise: bool,
) -> list[Bullet]:
    """Let the model phrase the findings, one verified sentence per bullet; keep the quotes if it fails.

    A checked sentence still goes under the heading it fits: a weakness never appears as a strength.
    """
    when = (report.get("date") or "")[:4]
    question = (
        f"What {what} did Ofsted find in {name}'s {when} {report.get('kind')}"
        + (f" about {topic}" if topic else "")
        + "?"
    )
    answer = engine.ask(question, filters=Filters(authorities=[name]))
    if answer.status != "answered" or not answer.citations:
        return fallback
    by_n = {c.n: c for c in answer.citations}
    bullets = []
    for sentence in text.answer_sentences(answer.text):
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
        cites = [by_n[n] for n in numbers if n in by_n]
        said = " ".join(c.quote for c in cites)
        fits = text.praises(said) if praise else text.criticises(said)
        if cites and fits:
            bullets.append(Bullet(re.sub(r"\s*\[\d+\]", "", sentence).strip(), cites))
    return bullets or fallback


def _compare(retriever: Retriever, topic: str, now: str) -> Briefing:
    """A topic across authorities, newest first."""
    hits = retriever.search(topic, Filters(), k=30).hits
    by_authority: dict[str, list] = {}
    for hit in sorted(hits, key=lambda h: h.passage.date, reverse=True):
        by_authority.setdefault(hit.passage.local_authority or "Unknown", []).append(hit)
    sections = []
    for authority, group in list(by_authority.items())[:8]:
        bullets = []
        for hit in group[:2]:
            quote, _ = best_quote(topic, hit.passage)
            quote = quote or opening(hit.passage, 1)
            bullets.append(Bullet(quote, [Citation(0, hit.passage, quote)], note=hit.passage.date[:4]))
        sections.append(BriefSection(f"{authority} ({group[0].passage.date[:4] or 'undated'})", bullets))
    sources = _number(sections)
    return Briefing(None, topic, now, [], sections, sources)


def _row(retriever: Retriever, standing: Standing) -> Bullet:
    """One authority's latest judgements as a table row, cited to the cover that states them."""
    record = standing.record
    grades = [standing.cell(area) for area, _ in COLUMNS]
    relation = "—" if standing.relation == "itself" else standing.relation
    if record is None:
        cells = (standing.authority, relation, "no graded inspection in the library", *grades)
        return Bullet(f"{standing.authority}: no graded inspection in the library.", [], cells=cells)
    cover = cover_of(retriever, record)
    citations = [Citation(0, cover, cover_quote(cover))] if cover else []
    said = "; ".join(f"{label.lower()} {g}" for (_, label), g in zip(COLUMNS, grades, strict=True) if g != "—")
    cells = (standing.authority, relation, short(record), *grades)
    return Bullet(f"{standing.authority} ({relation}), {short(record)}: {said}.", citations, cells=cells)


def _tally(rows: list[Standing], area: str) -> str:
    counts = {g: sum(1 for r in rows if r.grade(area) == g) for g in GRADE_ORDER}
    shown = [f"{n} {g}" for g, n in counts.items() if n]
    absent = sum(1 for r in rows if r.record and not r.grade(area))
    tail = f"; {absent} with no {area.replace('_', ' ')} grade" if absent else ""
    return ", ".join(shown) + tail if shown else tail.removeprefix("; ")


def how_it_compares(retriever: Retriever, authority: str, *, region: bool = True) -> BriefSection:
    """The authority's latest judgements beside its statistical neighbours' and its region's, cited.

    Where a neighbour was rated better on a judgement, what its report praises on that judgement is
    quoted, so the comparison says what good looks like nearby, not only who scored higher.
    """
    rows = comparison(retriever, authority)
    if not region:
        rows = [r for r in rows if r.relation in ("itself", "statistical neighbour")]
    subject, others = rows[0], rows[1:]
    neighbours = [r for r in others if r.relation == "statistical neighbour"]
    nearby = [r for r in others if r.relation not in ("statistical neighbour",)]
    section = BriefSection(
        "How it compares",
        columns=("Authority", "Compared as", "Latest graded inspection", *(label for _, label in COLUMNS)),
    )
    section.bullets += [_row(retriever, r) for r in rows]
    cite = {r.authority: b.citations for r, b in zip(rows, section.bullets, strict=True)}
    held = [r for r in neighbours if r.record]
    total = len(neighbours_of(authority))
    if neighbours and not held:
        section.bullets.append(
            Bullet(
                f"None of {text.possessive(subject.authority)} {total} statistical neighbours has a graded "
                "inspection in the library, so there is nothing to set beside it."
            )  # fmt: skip
        )
    elif neighbours:
        section.bullets.append(
            Bullet(
                f"{len(held)} of {text.possessive(subject.authority)} {total} statistical neighbours have a graded "
                f"inspection in the library; at their latest, overall effectiveness: "
                f"{_tally(held, 'overall_effectiveness')}.",
                [c for r in held for c in cite[r.authority]],
            )
        )
    graded_nearby = [r for r in nearby if r.record]
    if nearby and graded_nearby:
        section.bullets.append(
            Bullet(
                f"{len(graded_nearby)} of the {len(nearby)} other authorities in {region_label(nearby[0].relation)} "
                "that are not among its statistical neighbours have a graded "
                f"inspection in the library; at their latest, overall effectiveness: "
                f"{_tally(graded_nearby, 'overall_effectiveness')}.",
                [c for r in graded_nearby for c in cite[r.authority]],
            )
        )
    praised = 0
    for area, label in COLUMNS[1:]:
        own = subject.grade(area)
        ahead = sorted(
            (r for r in held if better(r.grade(area), own)),
            key=lambda r: (GRADE_ORDER.index(r.grade(area) or "inadequate"), str(r.record.get("date") or "")),
        )
        if not own or not ahead:
            continue
        names = "; ".join(f"{r.authority} ({r.grade(area)}, {short(r.record)})" for r in ahead)
        section.bullets.append(
            Bullet(
                f"{label}: {subject.authority} was judged {own}; statistical neighbours rated better: {names}.",
                [c for r in ahead for c in cite[r.authority]] + cite[subject.authority],
            )
        )
        if praised < 2:
            best = ahead[0]
            heading = dict(text.JUDGEMENT_AREAS).get(area)
            for bullet in _findings(retriever, best.authority, best.record, None, True, 1, section=heading):
                bullet.note = f"{best.authority}, {best.grade(area)} for {label.lower()}, {short(best.record)}"
                section.bullets.append(bullet)
                praised += 1
    return section


def neighbours_brief(retriever: Retriever, authority: str, topic: str | None) -> Briefing:
    """A topic across an authority and its statistical neighbours: their grades side by side, then their words."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    found = lookup(authority)
    if found is None:
        raise UnknownAuthority(f"{authority!r} is not an English children's services authority")
    sections = [how_it_compares(retriever, found.name, region=False)]
    for standing in comparison(retriever, found.name)[: 1 + len(found.neighbours)]:
        reports = [
            r for r in retriever.reports_on(standing.authority) if r.get("kind") not in ("news article", "other")
        ]
        if not reports:
            continue
        latest = reports[-1]
        bullets = _findings(retriever, standing.authority, latest, topic, True, 2)
        bullets += _findings(retriever, standing.authority, latest, topic, False, 1)
        relation = "" if standing.relation == "itself" else ", statistical neighbour"
        sections.append(BriefSection(f"{standing.authority} ({short(latest)}{relation})", bullets))
    notes = []
    missing = [n for n in neighbours_of(found.name) if not retriever.reports_on(n)]
    if missing:
        notes.append(f"The library has no report on {text.listed(missing)}, so they are missing from this comparison.")
    sources = _number(sections)
    return Briefing(found.name, topic, now, [], sections, sources, notes)
