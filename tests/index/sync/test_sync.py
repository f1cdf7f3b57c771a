"""A sync against the stand-in site with a real library: exactly what is new, once, however it is interrupted."""

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from index.ingest import ingest
from index.library import open_library
from index.sync import Fetcher, LayoutChanged, ReportFolder, arrivals, sync
from tests.fixtures.library import OFSTED
from tests.fixtures.ofsted_site import Listed


@pytest.fixture
def library(tmp_path, embedder):
    opened = open_library(tmp_path / "data", embedder, writer=True)
    yield opened
    opened.close()


def _run(site, library, data_dir: Path, *, ingesting: bool = True, **options):
    folder = ReportFolder(data_dir)
    fetcher = Fetcher(
        folder.pages, user_agent="briefing-test", interval=0, retries=2, backoff=0, hosts={"127.0.0.1"}, sleep=id
    )
    store = lambda paths: ingest(paths, library.store, library.embedder, workers=0)  # noqa: E731
    try:
        return sync(fetcher, folder, site.url, library.store.reports(), store if ingesting else None, **options)
    finally:
        fetcher.close()


def _ids(library) -> dict[str, dict]:
    return {r["url"].rsplit("/", 1)[-1]: r for r in library.store.reports()}


def test_sync_adds_exactly_what_is_new_then_nothing_then_the_one_report_published_since(ofsted_site, library, tmp_path):
    data = tmp_path / "data"
    ingest([OFSTED / "staffordshire"], library.store, library.embedder, workers=0)  # a copied corpus, held already
    later = next(r for r in ofsted_site.reports if r.pdf.name.startswith("2026") and "west" in str(r.pdf))
    ofsted_site.withdraw(later.file_id)  # not yet published

    first = _run(ofsted_site, library, data)
    assert (first.councils, first.listed, first.held) == (3, 6, 3)
    assert sorted(a.local_authority for a in first.added) == [
        "North Northamptonshire",
        "North Northamptonshire",
        "West Northamptonshire",
    ]
    held = _ids(library)
    assert len(held) == 6 and len(ofsted_site.pdf_requests()) == 3
    report = held[next(r.file_id for r in ofsted_site.reports if "north-north" in str(r.pdf) and "2022" in r.pdf.name)]
    assert report["urn"] == "2637539" and report["listed_as"] == "Children's services inspection"
    assert report["publication_date"] == "2022-11-25"
    assert report["judgements"]["overall_effectiveness"] == "requires improvement"  # as the cover says

    again = _run(ofsted_site, library, data)
    assert again.added == [] and again.to_fetch == [] and again.fetch.downloads == 0
    assert again.fetch.not_modified == again.fetch.requests == 5  # two search pages (the second adds none), 3 councils
    assert len(ofsted_site.pdf_requests()) == 3

    ofsted_site.reports.append(later)
    third = _run(ofsted_site, library, data)
    assert [a.published for a in third.added] == ["2026-07-07"] and third.fetch.downloads == 1
    assert len(arrivals(data)) == 4  # each arrival logged once

    ofsted_site.withdraw(later.file_id)
    ofsted_site.withdraw(next(iter(held)))
    _run(ofsted_site, library, data)
    assert len(_ids(library)) == 7  # a report taken off the site stays in the library


def test_a_changed_layout_stops_the_run_before_anything_is_fetched_or_stored(ofsted_site, library, tmp_path):
    ofsted_site.layout = "changed"
    with pytest.raises(LayoutChanged, match=r"/provider/44/\d+: no publication links \(a\.publication-link\) on any"):
        _run(ofsted_site, library, tmp_path / "data")
    assert ofsted_site.pdf_requests() == [] and library.store.reports() == []
    assert not (tmp_path / "data" / "reports").exists()


def test_a_council_with_nothing_published_yet_does_not_stop_the_others(ofsted_site, library, tmp_path):
    ofsted_site.nothing_yet = [("2637540", "Cumberland Council")]
    summary = _run(ofsted_site, library, tmp_path / "data", ingesting=False)
    assert summary.skipped == [("Cumberland", "its page lists no publications")]
    assert len(summary.downloaded) == 7


def test_a_site_that_stops_answering_is_asked_no_more_today(ofsted_site, library, tmp_path):
    ofsted_site.fault("/v1/file/", "500", "500", "500")  # one PDF's every try
    summary = _run(ofsted_site, library, tmp_path / "data", ingesting=False)
    assert len(ofsted_site.pdf_requests()) == 3 and summary.downloaded == []
    ((what, why),) = summary.skipped
    assert "HTTP 500 after 3 tries" in why and "the 7 reports not yet fetched wait for the next run" in why


def test_a_link_to_another_host_is_refused_in_one_line(ofsted_site, library, tmp_path):
    ofsted_site.file_host = "http://169.254.169.254"  # a hostile or broken mirror's page
    summary = _run(ofsted_site, library, tmp_path / "data", ingesting=False, councils=["Staffordshire"])
    assert len(summary.skipped) == 3 and all("169.254.169.254" in why and "not on the site" in why
                                            for _, why in summary.skipped)  # fmt: skip
    assert ofsted_site.pdf_requests() == [] and summary.downloaded == []


def test_a_council_the_reference_list_does_not_know_is_named_and_skipped(ofsted_site, library, tmp_path):
    some = ofsted_site.reports[0]
    ofsted_site.reports.append(Listed("999999", "Council of Narnia", some.published, some.pdf, "narnia-1"))
    ofsted_site.reports.append(some)  # listed twice on its council's page: one report
    summary = _run(ofsted_site, library, tmp_path / "data", ingesting=False)
    assert summary.unknown == ["Council of Narnia"]
    assert len(summary.to_fetch) == 7 and "/v1/file/narnia-1" not in ofsted_site.pdf_requests()


def test_an_error_page_for_a_pdf_is_one_line_and_is_asked_for_again_a_week_later(ofsted_site, library, tmp_path):
    data = tmp_path / "data"
    bad = ofsted_site.reports[0]
    ofsted_site.fault(f"/v1/file/{bad.file_id}", "html")
    first = _run(ofsted_site, library, data, ingesting=False, councils=["North Northamptonshire"])
    ((what, why),) = first.skipped
    assert "North Northamptonshire" in what and "not a PDF" in why and "\n" not in why
    assert len(first.downloaded) == 1
    daily = _run(ofsted_site, library, data, ingesting=False, councils=["north northamptonshire"])
    assert daily.to_fetch == [] and [p.file_id for _, p in daily.refused] == [bad.file_id]
    assert ofsted_site.pdf_requests().count(f"/v1/file/{bad.file_id}") == 1  # not the same error page every day
    refusals = data / "sync" / "refused.json"
    refusals.write_text(refusals.read_text().replace(date.today().isoformat()[:4], "2000"))  # a week on
    later = _run(ofsted_site, library, data, ingesting=False, councils=["north northamptonshire"])
    assert [p.file_id for _, p in later.to_fetch] == [bad.file_id] and later.skipped == []


def test_a_dry_run_lists_and_fetches_nothing(ofsted_site, library, tmp_path):
    summary = _run(ofsted_site, library, tmp_path / "data", dry_run=True)
    assert len(summary.to_fetch) == 7 and ofsted_site.pdf_requests() == []
    assert not (tmp_path / "data" / "reports").exists()
    assert summary.as_json()["to_fetch"][0]["council"] in {"North Northamptonshire", "West Northamptonshire"}


def test_reports_downloaded_while_the_library_was_busy_are_ingested_next_time_without_fetching_again(
    ofsted_site, library, tmp_path
):
    data = tmp_path / "data"
    busy = _run(ofsted_site, library, data, ingesting=False, councils=["Staffordshire"])
    assert len(busy.waiting) == 3 and busy.added == [] and library.store.reports() == []
    free = _run(ofsted_site, library, data, councils=["Staffordshire"])
    assert len(free.added) == 3 and free.fetch.downloads == 0 and len(ofsted_site.pdf_requests()) == 3


def _sync_process(data: Path, site_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "BRIEFING_DATA_DIR": str(data),
        "BRIEFING_SYNC_SITE_URL": site_url,
        "BRIEFING_SYNC_INTERVAL": "0",
        "BRIEFING_INGEST_WORKERS": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sync", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.slow
def test_a_sync_killed_mid_download_and_run_again_ends_with_the_same_library(ofsted_site, tmp_path, embedder):
    staffordshire = [r for r in ofsted_site.reports if r.urn == "80561"]
    ofsted_site.reports = staffordshire
    ofsted_site.fault(f"/v1/file/{staffordshire[1].file_id}", "hold")  # the second PDF hangs until the kill
    data = tmp_path / "data"
    killed = _sync_process(data, ofsted_site.url)
    assert ofsted_site.stalled.wait(timeout=300), killed.communicate()
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    ofsted_site.release.set()

    finished = _sync_process(data, ofsted_site.url)
    out, err = finished.communicate(timeout=600)
    assert finished.returncode == 0, err.decode()
    library = open_library(data, embedder)
    try:
        held = sorted(r["url"].rsplit("/", 1)[-1] for r in library.store.reports())
    finally:
        library.close()
    assert held == sorted(r.file_id for r in staffordshire)
    assert len(arrivals(data)) == 3
    fetched = ofsted_site.pdf_requests()
    assert all(fetched.count(f"/v1/file/{r.file_id}") <= 2 for r in staffordshire)  # the one cut off, again
    newest = max(staffordshire, key=lambda r: r.published)  # the page lists it first: whole before the kill
    assert fetched.index(f"/v1/file/{newest.file_id}") < fetched.index(f"/v1/file/{staffordshire[1].file_id}")
    assert fetched.count(f"/v1/file/{newest.file_id}") == 1  # whole before the kill: not fetched again
    assert not list((data / "reports").rglob("*.part"))  # the cut-off file was fetched whole, then moved in


def test_a_pdf_the_library_holds_under_another_name_is_never_ingested_twice(ofsted_site, library, tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir()
    copied = loose / "staffs.pdf"  # no metadata sheet beside it: no source URL, no publication date
    copied.write_bytes((OFSTED / "staffordshire" / "2024-01-12-childrens-services-inspection.pdf").read_bytes())
    ingest([loose], library.store, library.embedder, workers=0)
    (record,) = library.store.reports()
    assert record["url"] is None and record["publication_date"] is None
    data = tmp_path / "data"
    first = _run(ofsted_site, library, data, councils=["Staffordshire"])
    assert len(first.added) == 2 and first.skipped == [] and first.held == 1  # the copy is the third
    assert len(library.store.reports()) == 3
    again = _run(ofsted_site, library, data, councils=["Staffordshire"])
    assert again.to_fetch == [] and again.added == [] and again.skipped == [] and again.waiting == []
    assert len(ofsted_site.pdf_requests()) == 3
