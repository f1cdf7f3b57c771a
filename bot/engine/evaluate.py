"""`briefing eval`: run a question file and measure what managers care about."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.answer import Answer
from bot.evidence.citations import QUOTE_JOIN
from index import text
from index.errors import BriefingError


@dataclass
class Outcome:
    """One question's result against its expectations."""

    id: str
    question: str
    answerable: bool
    kind: str
    status: str
    gold_cited: bool
    facts_present: bool
    citations: int
    supported_citations: int
    total_ms: float
    first_sentence_ms: float
    answer: str = ""
    sources: list[str] = field(default_factory=list)
    stray_facts: list[str] = field(default_factory=list)
    facts_outside_quotes: list[str] = field(default_factory=list)


def load_questions(path: Path) -> list[dict]:
    """Questions in the dev_questions.jsonl format; a bad line is named by number."""
    return _jsonl(path, "question")


def _tail(path: str) -> str:
    return "/".join(Path(path).parts[-2:])


class SourceText:
    """The words of each source file, squeezed for quote look-ups; read once per file.

    This reads the file itself (not the library), so a quote counts only if the report says it.
    """

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}

    def holds(self, source: str, quote: str) -> bool:
        """Whether the quote stands in the source file, ignoring whitespace, hyphenation and quote style."""
        if source not in self._texts:
            from index.load import load

            try:
                self._texts[source] = text.squeeze(" ".join(load(Path(source)).pages))
            except BriefingError:
                self._texts[source] = ""
        pieces = [p for p in quote.split(QUOTE_JOIN) if p.strip()]
        return bool(pieces) and all(text.squeeze(p) in self._texts[source] for p in pieces)


def stray_facts(answer: Answer, *, dates_known: bool = True) -> list[str]:
    """Grades, numbers and years in the answer that none of its sentence's quotes or the question has.

    With `dates_known`, a cited report's own date also counts: the answer shows it beside each
    citation ("In its 2018 report…" rests on the report's date, not on its words).
    """
    by_n = {c.n: c for c in answer.citations}
    stray = []
    if answer.status != "answered":
        return []
    marks = re.compile(r"\[(\d{1,2})\]")
    for line in answer.text.splitlines():
        for sentence in text.answer_sentences(line):
            # A quoted line ("Place (kind, date): “…. …” [2]") carries its mark once, for all its sentences.
            numbers = marks.findall(sentence) or marks.findall(line)
            cited = [by_n[int(n)] for n in numbers if int(n) in by_n]
            stray += _stray_in(sentence, cited, answer.question, dates_known)
    return stray


def _stray_in(sentence: str, cited: list, question: str, dates_known: bool) -> list[str]:
    sentence = re.sub(r"\[\d{1,2}(?:\s*,\s*\d{1,2})*\]", " ", sentence)  # citation marks are not figures
    dates = [c.passage.date for c in cited] if dates_known else []
    known = " ".join([question, *(c.quote for c in cited), *dates])
    facts = {*text.numbers(sentence), *map(str, text.years(sentence))}
    facts |= {text.grade_of(g.group(0)) for g in text.GRADE.finditer(sentence)}
    allowed = {*text.numbers(known), *map(str, text.years(known))}
    allowed |= {text.grade_of(g.group(0)) for g in text.GRADE.finditer(known)}
    return sorted(facts - allowed)


def score(item: dict, answer: Answer, sources: SourceText | None = None) -> Outcome:
    """Compare one answer with the question's gold sources and facts."""
    sources = sources or SourceText()
    gold = {_tail(g) for g in item.get("gold", [])}
    cited = [_tail(c.passage.source) for c in answer.citations]
    said = " ".join([*answer.notes, answer.text, *(c.quote for c in answer.citations)]).lower()
    facts = item.get("facts", [])
    facts_ok = all(any(phrase.lower() in said for phrase in group) for group in facts)
    stray = stray_facts(answer)
    supported = sum(c.from_metadata or sources.holds(c.passage.source, c.quote) for c in answer.citations)
    return Outcome(
        id=str(item.get("id", "")),
        question=item["question"],
        answerable=bool(item.get("answerable", True)),
        kind=str(item.get("kind", "")),
        status=answer.status,
        gold_cited=bool(gold & set(cited)),
        facts_present=facts_ok,
        citations=len(answer.citations),
        supported_citations=supported if not stray else 0,
        total_ms=answer.timings.get("total_ms", 0.0),
        first_sentence_ms=answer.timings.get("first_sentence_ms", answer.timings.get("total_ms", 0.0)),
        answer=answer.text,
        sources=cited,
        stray_facts=stray,
        facts_outside_quotes=stray_facts(answer, dates_known=False),
    )


def run(ask: Callable[[str], Answer], questions: list[dict]) -> tuple[list[Outcome], dict]:
    """Ask every question as a person would (`ask` is what they are shown); the outcomes and summary figures."""
    sources = SourceText()
    outcomes = [score(item, ask(item["question"]), sources) for item in questions]
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    cites = sum(o.citations for o in outcomes)

    def pct(part: int, whole: int) -> float:
        return round(100.0 * part / whole, 1) if whole else 100.0

    def quantile(values: list[float], q: float) -> float:
        if not values:
            return 0.0
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))])

    totals = [o.total_ms for o in outcomes]
    firsts = [o.first_sentence_ms for o in outcomes if o.status == "answered"]
    summary = {
        "questions": len(outcomes),
        "gold_cited_pct": pct(sum(o.gold_cited for o in answerable), len(answerable)),
        "facts_present_pct": pct(sum(o.facts_present for o in answerable), len(answerable)),
        "unanswerable_declined_pct": pct(sum(o.status == "no_evidence" for o in unanswerable), len(unanswerable)),
        "answerable_declined": sum(o.status != "answered" for o in answerable),
        "citation_precision_pct": pct(sum(o.supported_citations for o in outcomes), cites),
        "latency_p50_ms": round(statistics.median(totals)) if totals else 0,
        "latency_p95_ms": quantile(totals, 0.95),
        "first_sentence_p50_ms": round(statistics.median(firsts)) if firsts else 0,
        "first_sentence_p95_ms": quantile(firsts, 0.95),
        "answers_with_stray_facts": sum(bool(o.stray_facts) for o in outcomes),
        "answers_with_facts_outside_quotes": sum(bool(o.facts_outside_quotes) for o in outcomes),
        "by_kind": _by_kind(outcomes),
    }
    return outcomes, summary


def _by_kind(outcomes: list[Outcome]) -> dict[str, str]:
    """Per kind of question: gold cited, facts present and declines, as counts (small groups)."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.kind or "unkinded", []).append(o)
    shown = {}
    for kind, group in sorted(groups.items()):
        answerable = [o for o in group if o.answerable]
        declined = sum(o.status != "answered" for o in group)
        if answerable:
            gold = sum(o.gold_cited for o in answerable)
            facts = sum(o.facts_present for o in answerable)
            shown[kind] = f"gold {gold}/{len(answerable)}, facts {facts}/{len(answerable)}, declined {declined}"
        else:
            shown[kind] = f"declined {declined}/{len(group)}"
    return shown


# --- claims ---------------------------------------------------------------------------------------


def load_claims(path: Path) -> list[dict]:
    """Claims with the verdict a careful reader gives them, as `expect` or (the blind sets) `label`."""
    rows = _jsonl(path, "claim")
    for number, row in enumerate(rows, start=1):
        row.setdefault("expect", row.get("label"))
        if row["expect"] not in ("supported", "contradicted", "not_found", "not_supported"):
            raise BriefingError(
                f"{path}: claim {number}: expect/label must be supported, contradicted, not_found or not_supported"
            )
        row.setdefault("kind", "claim")
    return rows


def _jsonl(path: Path, required: str) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            item[required]  # noqa: B018 - required field
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise BriefingError(f"{path}:{number}: not a {required} record ({err})") from err
        rows.append(item)
    return rows


def run_claims(retriever, claims: list[dict], entailment=None) -> tuple[list[dict], dict]:
    """Check every claim; the rates the issue asks for, overall and by kind of change.

    `expect` is supported, contradicted, not_found, or not_supported (anything but supported will
    do). A wrong claim is right only when called contradicted; `wrong_not_supported_pct` also
    reports how many were at least kept from being called supported.
    """
    from bot.engine.check import check_claim

    outcomes = []
    for item in claims:
        started = time.perf_counter()
        verdict = check_claim(item["claim"], retriever, entailment=entailment)
        outcomes.append({**item, "verdict": verdict.verdict, "explanation": verdict.explanation,
                         "ms": (time.perf_counter() - started) * 1000})  # fmt: skip
    summary = {"claims": len(outcomes)}
    for expect in ("supported", "contradicted", "not_found", "not_supported"):
        group = [o for o in outcomes if o["expect"] == expect]
        if not group:
            continue
        summary[f"{expect}_right_pct"] = round(100.0 * sum(_right(o) for o in group) / len(group), 1)
        summary[f"{expect}_n"] = len(group)
    caught = [o for o in outcomes if o["expect"] == "contradicted"]
    summary["wrong_not_supported_pct"] = round(
        100.0 * sum(o["verdict"] != "supported" for o in caught) / max(1, len(caught)), 1
    )
    summary["wrong_called_supported"] = f"{sum(o['verdict'] == 'supported' for o in caught)}/{len(caught)}"
    true = [o for o in outcomes if o["expect"] == "supported"]
    summary["true_called_contradicted"] = f"{sum(o['verdict'] == 'contradicted' for o in true)}/{len(true)}"
    by_kind: dict[str, list[dict]] = {}
    for o in outcomes:
        by_kind.setdefault(o["kind"], []).append(o)
    summary["by_kind"] = {
        kind: f"{sum(_right(o) for o in group)}/{len(group)}" for kind, group in sorted(by_kind.items())
    }
    times = sorted(o["ms"] for o in outcomes)
    summary["ms_p50"] = round(statistics.median(times)) if times else 0
    summary["ms_max"] = round(times[-1]) if times else 0
    return outcomes, summary


def _right(outcome: dict) -> bool:
    expect, verdict = outcome["expect"], outcome["verdict"]
    if expect in ("not_found", "not_supported"):
        return verdict != "supported"
    return verdict == expect
