"""`briefing sync` and `briefing changes` as a user runs them, against the stand-in of Ofsted's site."""

import json
import os
import subprocess
import sys

from index.store import ChromaStore

BRIEFING = [sys.executable, "-m", "bot.cli"]


def run(site, *args):
    env = {**os.environ, "BRIEFING_SYNC_SITE_URL": site.url, "BRIEFING_SYNC_INTERVAL": "0"}
    env["BRIEFING_INGEST_WORKERS"] = "0"
    return subprocess.run([*BRIEFING, *args], capture_output=True, text=True, env=env)


def test_sync_then_changes_gives_each_new_report_with_its_judgements_before_and_after(ofsted_site):
    done = run(ofsted_site, "sync", "--json", "-a", "West Northamptonshire")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["pdfs_fetched"] == 2 and len(summary["added"]) == 2 and summary["councils_listed"] == 1

    again = json.loads(run(ofsted_site, "sync", "--json", "-a", "West Northamptonshire").stdout)
    assert again["pdfs_fetched"] == 0 and again["added"] == [] and again["not_modified"] == again["requests"]

    listed = json.loads(run(ofsted_site, "changes", "--since", "2020-01-01", "--json").stdout)
    assert [(c["authority"], c["date"]) for c in listed] == [
        ("West Northamptonshire", "2022-11-25"),
        ("West Northamptonshire", "2026-07-07"),
    ]
    assert listed[1]["previous"]["judgements"] == listed[0]["judgements"]
    shown = run(ofsted_site, "changes", "--since", "2020-01-01", "-a", "west northamptonshire").stdout
    assert "New report: West Northamptonshire, ILACS inspection published 2026-07-07" in shown
    assert "What Ofsted asked to improve" in shown and "Headline findings" in shown


def test_a_changed_layout_is_one_line_and_nothing_is_stored(ofsted_site):
    ofsted_site.layout = "changed"
    failed = run(ofsted_site, "sync")
    assert failed.returncode == 1
    assert len(failed.stderr.strip().splitlines()) == 1 and "a.publication-link" in failed.stderr
    assert json.loads(run(ofsted_site, "library", "--json").stdout) == []


def test_a_council_nobody_knows_is_one_line(ofsted_site):
    failed = run(ofsted_site, "sync", "-a", "Narnia")
    assert failed.returncode == 1 and failed.stderr.count("\n") == 1 and "'Narnia'" in failed.stderr


def test_while_the_library_is_open_elsewhere_sync_downloads_and_the_next_run_ingests(ofsted_site, tmp_path):
    reader = ChromaStore(path=tmp_path / "data" / "chroma", writer=False)  # the REPL or the bot, embedded
    busy = run(ofsted_site, "sync", "--json", "-a", "Staffordshire")
    reader.close()
    assert busy.returncode == 3 and "in use by another process" in busy.stderr
    assert len(json.loads(busy.stdout)["waiting_to_ingest"]) == 3
    free = json.loads(run(ofsted_site, "sync", "--json", "-a", "Staffordshire").stdout)
    assert len(free["added"]) == 3 and free["pdfs_fetched"] == 0


def test_followed_syncs_only_the_councils_slack_channels_follow(ofsted_site, tmp_path):
    from bot.follows import FollowBook

    none = run(ofsted_site, "sync", "--followed")
    assert none.returncode == 1 and "no channel follows a council yet" in none.stderr
    FollowBook(tmp_path / "data").follow("CGOOD", "Staffordshire")
    planned = json.loads(run(ofsted_site, "sync", "--followed", "--dry-run", "--json").stdout)
    assert planned["councils_listed"] == 1 and {p["council"] for p in planned["to_fetch"]} == {"Staffordshire"}
    assert planned["pdfs_fetched"] == 0 and ofsted_site.pdf_requests() == []
