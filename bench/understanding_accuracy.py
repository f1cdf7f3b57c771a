"""How often the reader agrees with the ground truth in ../shared/corpus/ofsted/metadata.csv."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from index.authorities import authority_key
from index.errors import UnreadableDocument
from index.understand import read_report

FIELDS = [
    "local_authority",
    "inspection_start_date",
    "inspection_end_date",
    "lead_inspector",
    "overall_effectiveness",
    "impact_of_leaders",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
]


def _norm_person(name: str | None) -> str:
    return "".join((name or "").lower().replace("-", "").split())


def compare(corpus: Path) -> tuple[dict[str, tuple[int, int]], list[str], int, float]:
    rows = list(csv.DictReader((corpus / "metadata.csv").open(encoding="utf-8")))
    tally = {f: [0, 0] for f in FIELDS}
    misses: list[str] = []
    pages = 0
    started = time.perf_counter()
    for row in rows:
        try:
            report = read_report(corpus / row["path"])
        except UnreadableDocument:
            continue
        pages += report.pages
        got = {
            "local_authority": authority_key(report.local_authority or ""),
            "inspection_start_date": str(report.inspection_start_date or ""),
            "inspection_end_date": str(report.inspection_end_date or ""),
            "lead_inspector": _norm_person(report.lead_inspector),
        }
        j = report.judgements
        for name in FIELDS[4:]:
            got[name] = j.get(name, "") or ""
        if "children_in_care_and_care_leavers" in j:
            got["children_in_care"] = j["children_in_care_and_care_leavers"]
        for field in FIELDS:
            truth = row[field].strip()
            if not truth:
                continue
            if field == "local_authority":
                truth = authority_key(truth)
            if field == "lead_inspector":
                truth = _norm_person(truth)
            tally[field][1] += 1
            if str(got[field]) == truth:
                tally[field][0] += 1
            else:
                misses.append(f"{row['path']}: {field} truth={truth!r} got={got[field]!r}")
    return {k: (v[0], v[1]) for k, v in tally.items()}, misses, pages, time.perf_counter() - started


if __name__ == "__main__":
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/ofsted")
    tally, misses, pages, seconds = compare(corpus)
    for miss in misses:
        print(miss)
    for field, (ok, n) in tally.items():
        print(f"{field:24s} {ok:4d}/{n:<4d} {100 * ok / max(n, 1):6.2f}%")
    print(f"read {pages} pages in {seconds:.1f}s = {pages / seconds:.0f} pages/s")
