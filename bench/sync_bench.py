"""`briefing sync` against a stand-in of Ofsted's site holding the whole shared corpus.

    PYTHONPATH=. python bench/sync_bench.py DATA_DIR [--new 20]

DATA_DIR is a library holding the corpus (`make demo` builds one in .data). The bench takes `--new`
reports out of it, serves the corpus on a local stand-in of the site, and runs `briefing sync` three
times: the run that finds the missing reports, an unchanged daily run, and a dry run. It checks that
exactly the removed reports come back and that an unchanged run fetches no PDF, and prints each
run's requests, PDFs, bytes and wall time. The stand-in answers at once, so the wall time is this
machine's work; against the real site add (requests - 1) x BRIEFING_SYNC_INTERVAL of politeness.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from index.library import DEFAULT_COLLECTION
from index.store import ChromaStore
from tests.fixtures.ofsted_site import OfstedSite, corpus_reports

OFSTED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ofsted"


def _sync(data_dir: Path, site: OfstedSite, *extra: str) -> tuple[dict, float]:
    env = {**os.environ, "BRIEFING_DATA_DIR": str(data_dir), "BRIEFING_SYNC_SITE_URL": site.url}
    env["BRIEFING_SYNC_INTERVAL"] = "0"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sync", "--json", *extra], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise SystemExit(done.stderr)
    return json.loads(done.stdout), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--new", type=int, default=20)
    args = parser.parse_args()
    folders = sorted(p.name for p in OFSTED.iterdir() if p.is_dir())
    reports = corpus_reports(*folders)

    store = ChromaStore(path=args.data_dir / "chroma", collection=DEFAULT_COLLECTION, writer=True)
    held = sorted((r for r in store.reports() if r.get("url")), key=lambda r: r["source"])
    step = max(1, len(held) // args.new)
    removed = held[::step][: args.new]
    for record in removed:
        store.remove_report(record["source"])
    removed_ids = sorted(r["url"].rsplit("/", 1)[-1] for r in removed)
    store.close()

    with OfstedSite(reports) as site:
        runs = {
            "with new": _sync(args.data_dir, site),
            "unchanged": _sync(args.data_dir, site),
            "dry run": _sync(args.data_dir, site, "--dry-run"),
        }
    added = sorted(a["url"].rsplit("/", 1)[-1] for a in runs["with new"][0]["added"])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"stand-in: {len({r.urn for r in reports})} councils, {len(reports)} reports; library lacked {len(removed)}")
    print("| run | requests | 304s | PDFs | MB | added | wall s |\n|---|---|---|---|---|---|---|")
    for name, (summary, seconds) in runs.items():
        print(
            f"| {name} | {summary['requests']} | {summary['not_modified']} | {summary['pdfs_fetched']} "
            f"| {summary['bytes'] / 1e6:.1f} | {len(summary['added'])} | {seconds:.1f} |"
        )
    print(f"added exactly the removed reports: {added == removed_ids}")
    print(f"unchanged run fetched no PDF: {runs['unchanged'][0]['pdfs_fetched'] == 0}")


if __name__ == "__main__":
    main()
