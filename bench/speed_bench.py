"""Answer speed with the default model, warm and cold, printed separately, with prompt tokens.

Run by hand on a full library (bench/library_bench.py builds one):
`python bench/speed_bench.py DATA_DIR [QUESTIONS.jsonl ...] [--cold N] [--limit N]`.

Warm: one process answers every question, as the REPL and the Slack bot do; only answers the model
wrote count towards the latency figures (records answers take milliseconds and would flatter them).
Cold: `briefing ask --json` in a fresh process for the first N model-written questions, wall clock.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.app import create_engine, create_library
from bot.engine.evaluate import SourceText, load_questions, score
from bot.settings import Settings

HERE = Path(__file__).parent


def _median(values: list[float]) -> float:
    return round(statistics.median(values)) if values else 0


def _prompt_tokens(engine, answer) -> int:
    """From the answer's timings; counted here with the model's tokenizer for code that does not say."""
    if "prompt_tokens" in answer.timings:
        return int(answer.timings["prompt_tokens"])
    llama = getattr(engine.llm, "_llama", None)
    if llama is None or not answer.prompt:
        return 0
    return sum(len(llama.tokenize(m["content"].encode(), add_bos=False, special=True)) + 5 for m in answer.prompt)


def main() -> None:
    args = sys.argv[1:]
    cold_n = 5
    if "--cold" in args:
        at = args.index("--cold")
        cold_n = int(args[at + 1])
        del args[at : at + 2]
    limit = None
    if "--limit" in args:
        at = args.index("--limit")
        limit = int(args[at + 1])
        del args[at : at + 2]
    data_dir = Path(args[0] if args else "/tmp/briefing-bench")
    files = [Path(a) for a in args[1:]] or [HERE / "speed_questions.jsonl"]
    questions = [q for f in files for q in load_questions(f)][:limit]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {len(questions)} questions")

    settings = Settings(data_dir=data_dir)
    engine = create_engine(settings, create_library(settings))
    started = time.perf_counter()
    _ = engine.llm
    print(f"model load: {time.perf_counter() - started:.1f}s ({engine.llm.name})")
    engine.ask("What did Ofsted say about strategy discussions in Lancashire?")  # warm: caches, first prefill

    sources = SourceText()
    rows = []
    for item in questions:
        answer = engine.ask(item["question"])
        outcome = score(item, answer, sources)
        written = not answer.model.startswith("none")
        rows.append((item, answer, outcome, written))
        t = answer.timings
        print(
            f"  {outcome.id:4s} {answer.status:11s} model={'yes' if written else 'no ':3s} "
            f"prompt={_prompt_tokens(engine, answer):4d} first_token={t.get('first_token_ms', 0):6.0f} "
            f"first_sentence={t.get('first_sentence_ms', 0):6.0f} total={t.get('total_ms', 0):6.0f} "
            f"gold={outcome.gold_cited!s:5s} facts={outcome.facts_present!s:5s}  {answer.text[:90]!r}"
        )
    written = [(i, a, o) for i, a, o, w in rows if w]
    answerable = [o for _, _, o, _ in rows if o.answerable]
    summary = {
        "questions": len(rows),
        "model_written": len(written),
        "prompt_tokens_median": _median([_prompt_tokens(engine, a) for _, a, _ in written]),
        "first_token_median_ms": _median([a.timings.get("first_token_ms", 0) for _, a, _ in written]),
        "first_sentence_median_ms": _median(
            [a.timings["first_sentence_ms"] for _, a, _ in written if "first_sentence_ms" in a.timings]
        ),
        "total_median_ms": _median([a.timings["total_ms"] for _, a, _ in written]),
        "gold_cited": f"{sum(o.gold_cited for o in answerable)}/{len(answerable)}",
        "facts_present": f"{sum(o.facts_present for o in answerable)}/{len(answerable)}",
        "answerable_declined": sum(o.status != "answered" for o in answerable),
        "unanswerable_declined": f"{sum(o.status == 'no_evidence' for _, _, o, _ in rows if not o.answerable)}"
        f"/{sum(not o.answerable for _, _, o, _ in rows)}",
    }
    print("warm:", json.dumps(summary))

    cold_questions = [i["question"] for i, _, _ in written][:cold_n]
    env = {**os.environ, "BRIEFING_DATA_DIR": str(data_dir)}
    briefing = str(Path(sys.executable).parent / "briefing")
    walls = []
    for question in cold_questions:
        started = time.perf_counter()
        done = subprocess.run([briefing, "ask", "--json", question], env=env, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        timings = json.loads(done.stdout).get("timings", {}) if done.returncode == 0 else {}
        print(f"  cold {walls[-1]:5.1f}s wall, engine {timings.get('total_ms', 0) / 1000:5.1f}s  {question[:70]}")
    if walls:
        print(f"cold: median {statistics.median(walls):.1f}s wall over {len(walls)} fresh `briefing ask` runs")


if __name__ == "__main__":
    main()
