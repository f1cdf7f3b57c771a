"""Ingest the whole shared corpus from empty, re-ingest, then time searches and score retrieval.

Run by hand: `python bench/library_bench.py [CORPUS] [DATA_DIR] [--keep] [--top TOP.json]`. Prints
pages/s, passages/s, re-ingest time, search p50/p95 and gold-in-top-5 over the dev, plan and speed
questions. `--keep` measures the library already in DATA_DIR (no ingest); `--top` writes each question's
top-5 passage ids, so two libraries (say, two embedders) can be compared passage by passage.
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
    args = sys.argv[1:]
    keep = "--keep" in args
    top_file = None
    if "--top" in args:
        at = args.index("--top")
        top_file = Path(args[at + 1])
        del args[at : at + 2]
    args = [a for a in args if a != "--keep"]
    corpus = Path(args[0] if args else "../shared/corpus")
    data_dir = Path(args[1] if len(args) > 1 else "/tmp/briefing-bench")
    if not keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    settings = Settings(data_dir=data_dir)
    library = create_library(settings)
    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores")
    if not keep:
        _ingest_twice(corpus, library, settings)
    _search(corpus, library, top_file)


def _ingest_twice(corpus: Path, library, settings: Settings) -> None:
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


def _search(corpus: Path, library, top_file: Path | None) -> None:
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

    files = [corpus.parent / "eval/dev_questions.jsonl", Path("tests/data/plan_questions.jsonl"),
             Path(__file__).parent / "speed_questions.jsonl"]  # fmt: skip
    questions = [json.loads(line) for f in files if f.exists() for line in f.read_text().splitlines() if line.strip()]
    hits = 0
    answerable = [q for q in questions if q.get("answerable", True) and q.get("gold")]
    top: dict[str, list[str]] = {}
    for q in answerable:
        result = retriever.search(q["question"], k=5)
        top[q["question"]] = [h.passage.id for h in result.hits]
        got = {"/".join(Path(h.passage.source).parts[-2:]) for h in result.hits}
        gold = {"/".join(Path(g).parts[-2:]) for g in q["gold"]}
        ok = bool(got & gold)
        hits += ok
        if not ok:
            print(f"  miss {q['id']}: {q['question']}")
    print(f"retrieval: gold source in top 5 for {hits}/{len(answerable)} answerable questions with gold")
    if top_file:
        top_file.write_text(json.dumps(top, indent=1))


if __name__ == "__main__":
    main()
