"""The flows every surface shares, written once.

A comparison, a brief from a request's words (and a request for one told from a question), what
the library holds, a date as people type it, and the messages each surface shows for them.

Surfaces (CLI, REPL, Slack) add only their own grammar: an option name, a command, a block.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date

from bot.engine.answer import AnswerEngine
from bot.engine.asking import Answer
from bot.engine.brief import brief_request, build_brief
from bot.engine.brief_parts import Briefing, BriefSection, Bullet, number_sources
from bot.evidence.citations import Citation
from bot.records.grid import Standing, comparison, council_named
from index import text as text_rules
from index.authorities import current_authorities, find_authorities, lookup, not_held
from index.errors import BriefingError
from index.retrieve import Retriever

EMPTY_LIBRARY = "The library is empty."
INGEST_HINT = "Add reports with: briefing ingest ../shared/corpus"  # for the terminal surfaces, whose user runs it


@dataclass
class CompareRequest:
    """A comparison asked for by name: its rows, or why there are none."""

    name: str
    rows: list[Standing] = field(default_factory=list)
    problem: str = ""


def compare_request(name: str, retriever: Retriever) -> CompareRequest:
    """The comparison grid for a council named as a person would name it."""
    name = name.strip()
    council = council_named(name, retriever) if name else None
    if council is None:
        return CompareRequest(name, problem=f"{name!r} is not an English children's services authority")
    return CompareRequest(name, comparison(retriever, council))


def brief_from_words(
    retriever: Retriever, words: str, *, topic: str | None = None, engine: AnswerEngine | None = None, on_section=None
) -> Briefing:
    """A brief asked for in words ('Tameside front door'): the council, then the topic."""
    authority, asked_topic = brief_request(words, retriever.authorities())
    asked_topic = brief_topic(asked_topic or "")
    years = text_rules.years(words)  # "…from the 2013 inspection": the brief is of that report
    return build_brief(
        retriever, held_reports(retriever), authority, asked_topic or topic, engine=engine, on_section=on_section,
        years=years,
    )  # fmt: skip


#: Words of a brief request that say what kind of account is wanted, not what it is about.
_NOT_A_TOPIC = frozenset(
    re.findall(
        r"\S+",
        """what did does do ofsted ofsted's inspectors the report reports inspection inspections say said says
        found find finding findings headline headlines key main about on of re how came come out in its their
        a an latest recent last most ilacs please quick short s main key failings failures weaknesses concerns
        strengths positives negatives issues problems overview summary late early mid published inspected
        january february march april may june july august september october november december spring summer
        autumn winter""",
    )
)


def brief_topic(words: str) -> str | None:
    """The subject left in a brief request's words ("what Ofsted said about 's care leavers" → "care leavers")."""
    tokens = [w.strip("-'’") for w in re.findall(r"[\w’'-]+", words)]
    kept = [w for w in tokens if w and w.lower() not in _NOT_A_TOPIC and not w.isdigit()]
    while kept and kept[-1].lower() in {"and", "or", "with", "for", "to"}:
        kept.pop()
    while kept and kept[0].lower() in {"and", "or", "with", "for", "to"}:
        kept.pop(0)
    return " ".join(kept) or None


def held_reports(retriever: Retriever) -> list[dict]:
    """Every report record the library holds, oldest first (ties by source): what a brief is built from."""
    return sorted(retriever.records().values(), key=lambda r: (r.get("date") or "", r.get("source") or ""))


def brief_comparison(briefing: Briefing, retriever: Retriever) -> list[Standing]:
    """The comparison rows for a brief's council (none for a theme across councils)."""
    if briefing.authority and lookup(briefing.authority):
        return comparison(retriever, briefing.authority)
    return []


@dataclass
class Holdings:
    """What the library holds, and which councils it lacks."""

    reports: list[dict]
    missing: list[str]
    councils: int


def holdings(reports: list[dict]) -> Holdings:
    """The library's reports, with the current councils none of them is about."""
    missing = not_held(r.get("local_authority") or "" for r in reports)
    return Holdings(reports, missing, len(current_authorities()))


def parse_date(value: str) -> date:
    """'2023' or '2023-05-12' as a date; ValueError says what is accepted."""
    try:
        return date.fromisoformat(value if len(value) > 4 else f"{value}-01-01")
    except ValueError:
        raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD or YYYY)") from None


#: How long or what sort of brief: "quick", "one-page", "two-minute", "5 minute".
_SIZE = r"(?:quick|short|one[- ]page|pre[- ]meeting|(?:\w+|\d+)[- ]minutes?|top[- ]line)"
#: What follows the word "brief" in a request: what it is on, or "please" first. "A brief overview",
#: "a brief summary of", "brief me: which…" are questions, not requests for a brief.
_ON = r"(?:\s+please)?\s+(?:on|about|re|regarding|for|of|ahead|before)\b"
#: A request for a brief rather than a question: "brief me on X", "give me a quick brief on X's Y",
#: "prep me for Thursday's meeting with X", "can you do a briefing on X".
_BRIEF_ASK = re.compile(
    r"^\W*(?:(?:hey|hi|ok|okay|please|pls|quickly|can you|could you|would you|will you|i|we|i'd|we'd|"
    r"i would|we would|like|just)\W+)*"
    r"(?:(?:give|get|send|write|do|make|need|want|like|have)\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|the\s+)?"
    r"(?:" + _SIZE + r"\s+)*brief(?:ing)?" + _ON + r"|brief\s+(?:me|us)" + _ON + r"|prep(?:are)?\s+(?:me|us)"
    r"(?=\s+(?:for|ahead|before)\b)|(?:a\s+|an\s+)?(?:" + _SIZE + r"\s+)*brief(?:ing)?" + _ON + r")",
    re.I,
)
#: Words about the occasion, not the subject: "before Thursday's meeting with", "for tomorrow's panel".
_AUDIENCE = (
    r"(?:meeting|visit|call|session|board|panel|committee|catch[- ]?up|review|interview|chat|away ?day|"
    r"lead member|members?|councillors?|director|dcs|chief executive|portfolio holder|cabinet|leader|chair)s?"
)
_OCCASION = re.compile(
    r"\b(?:before|ahead of|for|at)\s+(?:[\w'’-]+\s+){0,3}?" + _AUDIENCE + r"(?:\s+" + _AUDIENCE + r")*\b"
    r"(?:\s+with|\s+(?:meets|sits|starts|begins|convenes))?"
    r"|\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|today|tonight|next week|this week)\b(?:'?s\b)?"
    r"|\b(?:meeting|call|visit)\s+with\b",
    re.I,
)


def brief_asked(question: str) -> str | None:
    """The words of a brief request ("Tameside front door"); "" for one that names nothing; None for a question."""
    if re.fullmatch(r"\W*(?:please\s+|can you\s+|could you\s+)*brief\s+(?:me|us)(?:\s+please)?\W*", question, re.I):
        return ""
    lead = _BRIEF_ASK.match(question)
    if lead is None:
        return None
    words = _OCCASION.sub(" ", question[lead.end() :])
    words = re.sub(r"^\W*(?:(?:me|us|on|about|for|re|regarding|of|the|with)\W+)*", "", words, flags=re.I)
    # "…from the 2025 inspection", "…in its latest report": the report's year is kept (the brief is of
    # that report); the rest says only that a report is meant.
    words = re.sub(
        r"(?:\b(?:from|in|at|after|since|of)\s+(?:the|its|their)?\s*(?:latest|last|recent|most recent|(\d{4}))?"
        r"|\b(?:(?:the|its|their)\s+)?(\d{4}))\s*(?:ilacs\s+|ofsted\s+)?(?:inspection|report|visit|review)s?\b",
        lambda m: f" {m.group(1) or m.group(2) or ''} ",
        words,
        flags=re.I,
    )
    words = re.sub(r"\s+", " ", words).strip(" ?.!,;:")
    words = re.sub(r"^please\b|\bplease$", "", words, flags=re.I).strip(" ,")
    if not words:
        return ""
    # A brief is of one council: "brief me on how many councils…", "…on Somerset vs Devon" are questions.
    return words if len(find_authorities(words)) == 1 else None


#: What a surface says to a brief request that names no council or topic.
BRIEF_WHAT = "Brief you on which council (or topic)? For example: brief me on Tameside's front door."


GLANCE = "At a glance"


def brief_summary(briefing: Briefing, per_section: int = 3) -> Briefing:
    """The brief cut to a screen: its glance whole (four lines at most), then strengths, concerns and list, a few each.

    The glance holds the report's own summary last: cut to three lines, a 2026 report would lose it.
    """
    keep = (GLANCE, "Strengths", "Concerns", "What Ofsted asked to improve")
    sections = []
    for s in briefing.sections:
        if s.title in keep:
            shown = s.points if s.title == GLANCE else s.points[:per_section]
            sections.append(BriefSection(s.title, [Bullet(b.text, list(b.citations), b.note) for b in shown]))
    sources = number_sources(sections)
    return Briefing(
        briefing.authority, briefing.topic, briefing.generated_at, [], sections, sources, briefing.notes,
        year=briefing.year,
    )  # fmt: skip


def answer_as_seen(engine: AnswerEngine, question: str, *, use_llm: bool = True) -> Answer:
    """What a person asking this in the CLI or REPL is shown, as an answer: for a brief request, the brief's summary.

    `briefing eval` measures through this, so a "brief me on…" question is scored on the brief it gets.
    """
    words = brief_asked(question)
    if words is None:
        return engine.ask(question, use_llm=use_llm)
    if not words:
        return Answer(question, "clarify", BRIEF_WHAT)
    started = time.perf_counter()
    try:
        summary = brief_summary(brief_from_words(engine.retriever, words))
    except BriefingError as err:
        return Answer(question, "no_evidence", str(err))
    answer = briefing_answer(question, summary)
    answer.timings = {"total_ms": (time.perf_counter() - started) * 1000}
    return answer


def briefing_answer(question: str, briefing: Briefing) -> Answer:
    """A brief as an answer: each section's cited lines under its title, and every citation behind them once."""
    lines: list[str] = []
    citations: dict[int, Citation] = {}
    for section in briefing.sections:
        if not section.bullets:
            continue
        lines.append(f"{section.title}:")
        for bullet in section.bullets:
            marks = "".join(f"[{c.n}]" for c in bullet.citations)
            words = " | ".join(bullet.cells) if bullet.cells else bullet.text
            lines.append(f"- {words} {marks}".rstrip())
            citations.update((c.n, c) for c in bullet.citations)
    status = "answered" if citations else "no_evidence"
    listed = sorted(citations.values(), key=lambda c: c.n)
    return Answer(question, status, "\n".join(lines), listed, notes=briefing.notes)
