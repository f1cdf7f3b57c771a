"""`briefing sync` against a stand-in of Ofsted's site holding the whole shared corpus.

    PYTHONPATH=. python bench/sync_bench.py DATA_DIR [--new 20]

DATA_DIR is a library holding the corpus (`make demo` builds one in .data). The bench takes `--new`
reports out of it, serves the corpus on a local stand-in of the site, and runs `briefing sync`: the run
that finds the missing reports, an unchanged daily run, a dry run; then takes out `--new` others, kills
a sync (SIGKILL) halfway through fetching them and runs it again. It checks that exactly the removed
reports come back, that an unchanged run fetches no PDF, and that the killed-and-resumed library is
the one it started from; and prints each run's requests, PDFs, bytes and wall time. The stand-in
answers at once, so the wall time is this machine's work; against the real site add
(requests - 1) x BRIEFING_SYNC_INTERVAL of politeness.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

from index.library import DEFAULT_COLLECTION
from index.store import ChromaStore
from index.sync import ReportFolder
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


def _remove(data_dir: Path, records: list[dict]) -> list[str]:
    store = ChromaStore(path=data_dir / "chroma", collection=DEFAULT_COLLECTION, writer=True)
    try:
        for record in records:
            store.remove_report(record["source"])
    finally:
        store.close()
    return sorted(r["url"].rsplit("/", 1)[-1] for r in records)


def _held(data_dir: Path) -> list[str]:
    store = ChromaStore(path=data_dir / "chroma", collection=DEFAULT_COLLECTION)
    try:
        return sorted(r["url"].rsplit("/", 1)[-1] for r in store.reports() if r.get("url"))
    finally:
        store.close()


def _killed_at(data_dir: Path, site: OfstedSite, file_id: str) -> float:
    """A sync killed (SIGKILL) while the given PDF is being fetched; returns its wall time."""
    site.stalled.clear()
    site.release.clear()
    site.fault(f"/v1/file/{file_id}", "hold")
    env = {**os.environ, "BRIEFING_DATA_DIR": str(data_dir), "BRIEFING_SYNC_SITE_URL": site.url}
    env["BRIEFING_SYNC_INTERVAL"] = "0"
    started = time.perf_counter()
    run = subprocess.Popen([sys.executable, "-m", "bot.cli", "sync", "--json"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    if not site.stalled.wait(timeout=1800):
        raise SystemExit("the sync never reached the PDF it was to be killed at")
    run.send_signal(signal.SIGKILL)
    run.wait()
    site.release.set()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--new", type=int, default=20)
    args = parser.parse_args()
    folders = sorted(p.name for p in OFSTED.iterdir() if p.is_dir())
    reports = corpus_reports(*folders)
    store = ChromaStore(path=args.data_dir / "chroma", collection=DEFAULT_COLLECTION)
    synced = {row["file_id"] for row in ReportFolder(args.data_dir).rows()}  # an earlier run's: on disk already
    held = sorted(
        (r for r in store.reports() if r.get("url") and r["url"].rsplit("/", 1)[-1] not in synced),
        key=lambda r: r["source"],
    )
    store.close()
    before = _held(args.data_dir)
    step = max(1, len(held) // (2 * args.new))
    first, second = held[::step][: args.new], held[step // 2 :: step][: args.new]
    rows = []
    with OfstedSite(reports) as site:
        removed = _remove(args.data_dir, first)
        rows.append(("with 20 new", *_sync(args.data_dir, site)))
        added = sorted(a["url"].rsplit("/", 1)[-1] for a in rows[-1][1]["added"])
        rows.append(("unchanged daily run", *_sync(args.data_dir, site)))
        rows.append(("dry run", *_sync(args.data_dir, site, "--dry-run")))
        again = _remove(args.data_dir, second)
        # The order a sync fetches in: councils as the search lists them, each council's newest first.
        rank = {urn: i for i, (urn, _) in enumerate(site.providers())}
        fetched_first = lambda r: (rank[r.urn], -r.published.toordinal())  # noqa: E731
        missing = sorted((r for r in reports if r.file_id in again), key=fetched_first)
        order = [r.file_id for r in missing]
        killed_after = _killed_at(args.data_dir, site, order[len(order) // 2])
        rows.append(("after a kill mid-way", *_sync(args.data_dir, site)))
        after = _held(args.data_dir)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"stand-in: {len({r.urn for r in reports})} councils, {len(reports)} reports; library lacked {len(removed)}")
    print("| run | requests | 304s | PDFs | MB | added | wall s |\n|---|---|---|---|---|---|---|")
    for name, summary, seconds in rows:
        print(
            f"| {name} | {summary['requests']} | {summary['not_modified']} | {summary['pdfs_fetched']} "
            f"| {summary['bytes'] / 1e6:.1f} | {len(summary['added'])} | {seconds:.1f} |"
        )
    print(f"added exactly the removed reports: {added == removed}")
    quiet = rows[1][1]["pdfs_fetched"] == 0 and not rows[1][1]["added"]
    print(f"unchanged run fetched no PDF and added nothing: {quiet}")
    where = f"PDF {len(order) // 2 + 1} of {len(order)}"
    print(f"killed after {killed_after:.1f} s at {where}; run again, the same library as before: {after == before}")


if __name__ == "__main__":
    main()
