"""Question plans on an existing library: search latency (plain, compare, change) and gold in top 5 by kind.

Run by hand after an ingest: `python bench/plan_bench.py DATA_DIR [QUESTION FILES…]`. Defaults to
the shared dev questions plus `tests/data/plan_questions.jsonl`.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from library_bench import QUERIES  # run as a script: bench/ is on the path

from bot.app import create_library
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILES = [ROOT.parent / "shared/eval/dev_questions.jsonl", ROOT / "tests/data/plan_questions.jsonl"]


def _tail(path: str) -> str:
    return "/".join(Path(path).parts[-2:])


def main() -> None:
    data_dir = Path(sys.argv[1])
    files = [Path(a) for a in sys.argv[2:]] or DEFAULT_FILES
    questions = [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]
    retriever = create_library(Settings(data_dir=data_dir)).retriever
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; library: {len(retriever.records())} reports")
    retriever.search("warm up")

    latencies: dict[str, list[float]] = {}
    texts = [("plain", q) for q in QUERIES] + [(q.get("kind", "?"), q["question"]) for q in questions]
    for _ in range(3):
        for kind, text in texts:
            started = time.perf_counter()
            retriever.search(text)
            latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    everything = sorted(ms for values in latencies.values() for ms in values)
    p95 = everything[max(0, int(0.95 * len(everything)) - 1)]
    print(f"search over {len(everything)} queries: p50 {statistics.median(everything):.0f} ms, p95 {p95:.0f} ms")
    for kind, values in sorted(latencies.items()):
        print(f"  {kind:14s} p50 {statistics.median(values):.0f} ms, max {max(values):.0f} ms")

    by_kind: dict[str, list[bool]] = {}
    for q in questions:
        if not q.get("answerable", True):
            plan = retriever.plan(q["question"])
            declined = bool(plan.unknown_places and not plan.filters.authorities) or (
                bool(plan.scopes) and not any(s.reports for s in plan.scopes)
            )
            by_kind.setdefault("unanswerable (declined by plan)", []).append(declined)
            if not declined:
                print(f"  not declined by the plan {q['id']}: {q['question']}")
            continue
        result = retriever.search(q["question"], k=5)
        ok = bool({_tail(h.passage.source) for h in result.hits} & {_tail(g) for g in q["gold"]})
        by_kind.setdefault(q.get("kind", "?"), []).append(ok)
        if not ok:
            print(f"  miss {q['id']}: {q['question']}")
    for kind, oks in sorted(by_kind.items()):
        print(f"  {kind:32s} gold in top 5: {sum(oks)}/{len(oks)}")


if __name__ == "__main__":
    main()
