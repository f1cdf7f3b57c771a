"""Ingest the whole shared corpus from empty, re-ingest, then time searches and score retrieval.

Run by hand: `python bench/library_bench.py [CORPUS] [DATA_DIR]`. Prints pages/s, passages/s,
re-ingest time, search p50/p95 and gold-in-top-5 over the dev questions.
"""

from __future__ import annotations

import json
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

from bot.app import create_library
from bot.settings import Settings
from index.ingest import ingest

QUERIES = [
    "What did Ofsted say about strategy discussions in Lancashire?",
    "how quickly do they respond to referrals in Tameside?",
    "care leavers accommodation Birmingham",
    "What needs to improve in St Helens now?",
    "quality of supervision of social workers",
    "private fostering arrangements",
    "children missing from home return interviews in Leeds",
    "Which authorities were judged inadequate in 2019?",
    "disabled children assessments Kent",
    "NE Lincs front door decision making",
]


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
    data_dir = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/briefing-bench")
    shutil.rmtree(data_dir, ignore_errors=True)
    settings = Settings(data_dir=data_dir)
    library = create_library(settings)
    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores")

    started = time.perf_counter()
    summary = ingest(
        [corpus], library.store, library.embedder, max_tokens=settings.passage_tokens, workers=settings.ingest_workers
    )
    seconds = time.perf_counter() - started
    print(
        f"full ingest: {len(summary.new)} documents, {len(summary.skipped)} skipped, {summary.pages} pages, "
        f"{summary.passages} passages in {seconds:.0f}s = {summary.pages / seconds:.1f} pages/s, "
        f"{summary.passages / seconds:.1f} passages/s"
    )

    started = time.perf_counter()
    again = ingest(
        [corpus], library.store, library.embedder, max_tokens=settings.passage_tokens, workers=settings.ingest_workers
    )
    print(
        f"re-ingest: {len(again.unchanged)} unchanged, {len(again.new) + len(again.replaced)} written "
        f"in {time.perf_counter() - started:.1f}s"
    )

    retriever = library.retriever
    retriever.search("warm up")
    latencies = []
    for _ in range(3):
        for query in QUERIES:
            t = time.perf_counter()
            retriever.search(query)
            latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    print(
        f"search: p50 {statistics.median(latencies):.0f} ms, p95 {latencies[int(0.95 * len(latencies)) - 1]:.0f} ms "
        f"over {len(latencies)} queries"
    )

    questions = [
        json.loads(line)
        for line in (corpus.parent / "eval/dev_questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    hits = 0
    answerable = [q for q in questions if q.get("answerable", True)]
    for q in answerable:
        result = retriever.search(q["question"], k=5)
        got = {"/".join(Path(h.passage.source).parts[-2:]) for h in result.hits}
        gold = {"/".join(Path(g).parts[-2:]) for g in q["gold"]}
        ok = bool(got & gold)
        hits += ok
        if not ok:
            print(f"  miss {q['id']}: {q['question']}")
    print(f"retrieval: gold source in top 5 for {hits}/{len(answerable)} answerable dev questions")


if __name__ == "__main__":
    main()
