"""Judgement questions answered from the records, checked figure by figure against Ofsted's own metadata.

    PYTHONPATH=. .venv/bin/python bench/judgements_bench.py DATA_DIR [CORPUS]

The ground truth is ../shared/corpus/ofsted/metadata.csv (scraped from Ofsted's site by a third party,
not read by our reader), so this measures the whole path: reading the cover, storing the record,
understanding the question, choosing the report, and writing the figure. Questions:
current rating (every authority), a judgement in a given year (every report with grades in the
metadata), counts by grade in each region, statistical neighbours rated good or better, and the
overall grade at each inspection (changes over time). Prints accuracy per kind and latency (no model).
"""

from __future__ import annotations

import csv
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from bot.app import create_library
from bot.engine.answer import AnswerEngine
from bot.records.grid import COLUMNS
from bot.settings import Settings
from index.authorities import lookup, neighbours_of, register
from index.question import region_label
from index.text import MONTHS

AREAS = {
    "overall_effectiveness": r"overall effectiveness",
    "impact_of_leaders": r"impact of leaders",
    "help_and_protection": r"help and protection",
    "children_in_care": r"children in care(?: and care leavers)?",
    "care_leavers": r"(?<!children in care and )care leavers",
}
GRADES = ("outstanding", "good", "requires improvement", "inadequate")


#: Rows of metadata.csv that disagree with the report's own cover, checked by reading the cover (the
#: scrape is "mostly right, not gospel"); the report is the ground truth.
CORRECTIONS = {
    "st-helens/2023-09-04-childrens-services-inspection.pdf": {
        "help_and_protection": "requires improvement",  # cover: "…help and protection Requires improvement to be good"
        "children_in_care": "good",  # cover: "The experiences and progress of children in care Good"
        "care_leavers": "outstanding",  # cover: "The experiences and progress of care leavers Outstanding"
    },
}


def _long(iso: str) -> str:
    return f"{int(iso[8:10])} {MONTHS[int(iso[5:7]) - 1].capitalize()} {iso[:4]}"


def _truth(corpus: Path) -> dict[str, list[dict]]:
    by_authority: dict[str, list[dict]] = defaultdict(list)
    for row in csv.DictReader((corpus / "ofsted" / "metadata.csv").open(encoding="utf-8")):
        found = lookup(row["local_authority"])
        row.update(CORRECTIONS.get(row["path"], {}))
        if found:
            by_authority[found.name].append(row)
    for rows in by_authority.values():
        rows.sort(key=lambda r: r["publication_date"])
    return by_authority


def _graded(row: dict) -> bool:
    return any(row[a] for a in AREAS)


def _check_grades(answer: str, row: dict) -> tuple[int, int, list[str]]:
    """Figures right, figures asked, and what was wrong."""
    right, total, wrong = 0, 0, []
    if _long(row["publication_date"]) not in answer:
        wrong.append(f"report of {row['publication_date']} not named")
    for area, pattern in AREAS.items():
        truth = row[area].strip().lower()
        if not truth:
            continue
        total += 1
        said = re.search(rf"{pattern} ({'|'.join(GRADES)})", answer)
        if said and said.group(1) == truth:
            right += 1
        else:
            wrong.append(f"{area}: expected {truth}, said {said.group(1) if said else 'nothing'}")
    if not row["overall_effectiveness"] and row["impact_of_leaders"] and row["publication_date"] >= "2025":
        total += 1
        if "no overall effectiveness grade" in answer:
            right += 1
        else:
            wrong.append("the missing overall grade is not explained")
    return right, total, wrong


def main(data_dir: Path, corpus: Path) -> None:
    settings = Settings(data_dir=data_dir, _env_file=None)
    library = create_library(settings)
    engine = AnswerEngine(  # no model: records answers never need one
        library.retriever,
        None,
        budget_tokens=settings.prompt_budget_tokens,
        max_answer_tokens=settings.max_answer_tokens,
        min_relevance=settings.min_relevance,
    )
    truth = _truth(corpus)
    held = set(library.retriever.authorities())
    latencies: list[float] = []
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []

    def ask(question: str) -> str:
        started = time.perf_counter()
        answer = engine.ask(question)
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.model != "none (report records)":
            misses.append(f"not answered from the records: {question} [{answer.status}]")
        return answer.text

    started = time.perf_counter()
    ask("What is Lancashire's current rating?")
    cold_ms = (time.perf_counter() - started) * 1000
    latencies.clear()

    for authority, rows in sorted(truth.items()):
        if authority not in held:
            continue
        latest = rows[-1]
        if _graded(latest):
            text = ask(f"What is {authority}'s current Ofsted rating?")
            right, total, wrong = _check_grades(text, latest)
            tally["current rating"][0] += right
            tally["current rating"][1] += total
            misses += [f"current {authority}: {w}" for w in wrong]
        for row in rows:
            if not _graded(row):
                continue
            year = row["publication_date"][:4]
            same_year = [r for r in rows if r["publication_date"][:4] == year]
            if len(same_year) > 1:
                continue
            text = ask(f"What was {authority} judged in {year}?")
            right, total, wrong = _check_grades(text, row)
            tally["judgement in a year"][0] += right
            tally["judgement in a year"][1] += total
            misses += [f"{authority} {year}: {w}" for w in wrong]
        overall = [r for r in rows if r["overall_effectiveness"]]
        if len(overall) >= 2:
            text = ask(f"How has {authority}'s overall effectiveness changed over time?")
            said = re.findall(rf"\b({'|'.join(GRADES)}) \(", text)
            expected = [r["overall_effectiveness"].lower() for r in overall]
            ok = said[-len(expected) :] == expected
            tally["changes between inspections"][0] += ok
            tally["changes between inspections"][1] += 1
            if not ok:
                misses.append(f"change {authority}: expected {expected}, said {said}")

    latest_overall = {a: rows[-1]["overall_effectiveness"].lower() for a, rows in truth.items() if _graded(rows[-1])}
    known = set(latest_overall)
    regions = sorted({a.region for a in register() if a.current})
    for region in regions:
        members = [a.name for a in register() if a.current and a.region == region and a.name in held]
        if not members or any(m not in known for m in members):
            continue  # a member whose latest report has no grades in the metadata: no ground truth
        for grade in GRADES:
            expected = sum(1 for m in members if latest_overall[m] == grade)
            text = ask(f"How many authorities in {region_label(region)} are {grade}?")
            said = re.search(r"(\d+) of the \d+ with a graded inspection", text)
            ok = bool(said) and int(said.group(1)) == expected
            tally["counts by grade in a region"][0] += ok
            tally["counts by grade in a region"][1] += 1
            if not ok:
                misses.append(f"{region} {grade}: expected {expected}, said {said.group(0) if said else text[:80]}")

    for authority in sorted(held):
        neighbours = [n for n in neighbours_of(authority) if n in held]
        if not neighbours or any(n not in known for n in neighbours):
            continue
        expected = {n for n in neighbours if latest_overall[n] in ("good", "outstanding")}
        text = ask(f"Which of {authority}'s statistical neighbours are good or better?")
        line = next((ln for ln in text.splitlines() if "were good or better" in ln), "")
        said = set(re.findall(r"(?:: |; )([A-Z][^;:()]+?) \((?:outstanding|good),", line))
        ok = said == expected
        tally["neighbours good or better"][0] += ok
        tally["neighbours good or better"][1] += 1
        if not ok:
            misses.append(f"neighbours of {authority}: expected {sorted(expected)}, said {sorted(said)}")

    # "How it compares" in the brief: every grade cell against the metadata of that council's latest graded report.
    from bot.engine.brief_compare import how_it_compares

    for subject in ("Lancashire", "Tameside", "Blackpool"):
        section = how_it_compares(library.retriever, subject)
        for row in section.rows:
            authority, cells = row.cells[0], row.cells[3:]
            graded = [r for r in truth.get(authority, []) if _graded(r)]
            if not graded or "no graded inspection" in row.cells[2]:
                continue
            truth_row = graded[-1]
            for (area, _), cell in zip(COLUMNS, cells, strict=True):
                expected = truth_row[area].strip().lower()
                if not expected:
                    continue
                ok = cell.split(" (")[0] == expected
                tally["how it compares cells"][0] += ok
                tally["how it compares cells"][1] += 1
                if not ok:
                    misses.append(f"compare {subject}: {authority} {area} expected {expected}, grid says {cell}")
            quotes = " ".join(c.quote.lower() for c in row.citations)
            for cell in cells:
                grade = cell.split(" (")[0]
                if grade != "—" and grade not in quotes:
                    misses.append(f"compare {subject}: {authority} {grade} is not in its cited rows")

    print(
        f"library: {data_dir} ({len(held)} authorities); ground truth: metadata.csv, {len(CORRECTIONS)} row corrected"
    )
    for kind, (right, total) in tally.items():
        print(f"  {kind:30s} {right}/{total} = {100 * right / max(total, 1):.1f}%")
    ordered = sorted(latencies)
    print(
        f"  {len(ordered)} questions, no model: p50 {statistics.median(ordered):.0f} ms, "
        f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms, max {ordered[-1]:.0f} ms; "
        f"first question in a fresh engine {cold_ms:.0f} ms"
    )
    print(f"  misses ({len(misses)}):")
    for miss in misses[:40]:
        print("   ", miss)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else Path("../shared/corpus"))
