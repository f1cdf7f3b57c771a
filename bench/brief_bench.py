"""Time a brief per authority, with and without the model: `python bench/brief_bench.py [DATA_DIR] [AUTHORITY…]`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bot.app import create_engine, create_library
from bot.engine.brief import build_brief
from bot.settings import Settings


def main() -> None:
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/briefing-bench")
    authorities = sys.argv[2:] or ["Lancashire", "St Helens", "Birmingham"]
    settings = Settings(data_dir=data_dir)
    library = create_library(settings)
    engine = create_engine(settings, library)
    reports = library.store.reports()
    build_brief(library.retriever, reports, authorities[0])  # warm the indexes
    for authority in authorities:
        held = sum(1 for r in reports if r.get("local_authority") == authority)
        started = time.perf_counter()
        brief = build_brief(library.retriever, reports, authority)
        quoted = time.perf_counter() - started
        _ = engine.llm
        started = time.perf_counter()
        build_brief(library.retriever, reports, authority, engine=engine)
        with_model = time.perf_counter() - started
        bullets = sum(len(s.bullets) for s in brief.sections)
        print(f"{authority}: {held} documents, {bullets} bullets; no model {quoted:.1f}s, with model {with_model:.1f}s")


if __name__ == "__main__":
    main()
