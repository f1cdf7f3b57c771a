"""The adversarial claim sets through `check`, on a whole library: rates by kind and time per claim.

Run by hand after a full ingest: `python bench/claims_bench.py [DATA_DIR]`. The test suite runs the
same sets on the small test library; this shows what a bigger library (more near-misses) does.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from bot.app import create_library
from bot.engine.evaluate import load_claims, run_claims
from bot.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def main() -> None:
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/briefing-bench")
    library = create_library(Settings(data_dir=data_dir))
    print(f"machine: {platform.machine()}, {platform.python_version()}, library: {library.store.count()} passages")
    for name in ("claims.jsonl", "claims_by_hand.jsonl"):
        outcomes, summary = run_claims(library.retriever, load_claims(DATA / name))
        print(name, json.dumps(summary, indent=1))
        for o in outcomes:
            if (o["expect"] == "supported") != (o["verdict"] == "supported"):
                print(f"  miss {o['kind']}: {o['claim'][:140]} -> {o['verdict']} ({o['explanation'][:120]})")


if __name__ == "__main__":
    main()
