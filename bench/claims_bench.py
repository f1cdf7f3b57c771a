"""Claim sets through `check` on a whole library: verdicts by kind, wrong claims called supported, time per claim.

Run by hand after a full ingest:
    python bench/claims_bench.py DATA_DIR [--judge rules|model] [FILE.jsonl ...]
Default files: the committed sets in tests/data and, when present, ../shared/eval/manager_claims.jsonl
(written blind; report it per kind, never tune to it). `--judge model` adds the judge of meaning the
settings give (in process, or BRIEFING_JUDGE_URL).
"""

from __future__ import annotations

import argparse
import collections
import json
import platform
from pathlib import Path

from bot.app import create_judge, create_library
from bot.engine.evaluate import load_claims, run_claims
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "tests/data/claims.jsonl", ROOT / "tests/data/claims_by_hand.jsonl",
         ROOT / "tests/data/claims_blind.jsonl", ROOT / "tests/data/claims_blind2.jsonl",
         ROOT.parent / "shared/eval/manager_claims.jsonl"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--judge", choices=["rules", "model"], default="rules")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_intermixed_args()
    settings = Settings(data_dir=args.data_dir, judge=args.judge)
    library = create_library(settings)
    judge = create_judge(settings)
    print(f"machine: {platform.machine()} {platform.processor()}, Python {platform.python_version()}, "
          f"library: {library.store.count()} passages, judge: {judge.name if judge else 'rules'}")  # fmt: skip
    for path in args.files or [f for f in FILES if f.exists()]:
        outcomes, summary = run_claims(library.retriever, load_claims(path), judge)
        print(f"\n{path.name}: {json.dumps({k: v for k, v in summary.items() if k != 'by_kind'})}")
        table = collections.Counter((o["expect"], o["kind"], o["verdict"]) for o in outcomes)
        print(f"  {'expect':<13}{'kind':<24}{'supported':>10}{'contradicted':>13}{'not_found':>10}")
        for expect, kind in sorted({(e, k) for e, k, _ in table}):
            row = [table[(expect, kind, v)] for v in ("supported", "contradicted", "not_found")]
            print(f"  {expect:<13}{kind:<24}{row[0]:>10}{row[1]:>13}{row[2]:>10}")


if __name__ == "__main__":
    main()
