"""Ingest against poison files and careless folders: each file is isolated, the run goes on.

Each case failed before issue 14's fixes: the run hung, died, read what it should not, or stored a
report twice.
"""

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

import index.ingest as ingest_module
from index.ingest import ingest
from index.library import open_library
from tests.fixtures.library import LETTER, SEEDS


@pytest.fixture
def library(tmp_path, embedder):
    library = open_library(tmp_path / "data", embedder)
    yield library
    library.store.close()


def _reasons(summary) -> dict[str, str]:
    return {os.path.basename(source): reason for source, reason in summary.skipped}


def _drop(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.copy(LETTER, folder / "letter.txt")
    return folder


def test_a_page_of_unclosed_title_tags_is_read_at_once(library, tmp_path, embedder):
    folder = _drop(tmp_path)
    # A lazy title regex restarted at each of these: over 90 s for 300 KB, minutes for this.
    (folder / "titles.html").write_text("<html><head>" + "<title>x" * 120_000 + "</head><body></body></html>")
    summary = ingest([folder], library.store, embedder, workers=1, file_timeout=30)
    reasons = _reasons(summary)
    assert "titles.html" in reasons and "longer than" not in reasons["titles.html"]
    assert summary.new == [str(folder / "letter.txt")]


def test_oversized_and_overlong_files_are_skipped_with_their_reason(library, tmp_path, embedder):
    import pypdfium2 as pdfium

    folder = _drop(tmp_path)
    (folder / "huge.txt").write_text("Lancashire strategy discussions. " * 300_000)  # ~10 MB of "report"
    pdf = pdfium.PdfDocument.new()
    for _ in range(1001):
        pdf.new_page(200, 200)
    pdf.save(str(folder / "pages.pdf"))
    summary = ingest([folder], library.store, embedder, workers=1)
    reasons = _reasons(summary)
    assert "too large to be a report (9.9 MB; the limit is 8 MB)" in reasons["huge.txt"]
    assert "1,001 pages, too many for a report" in reasons["pages.pdf"]
    assert summary.new == [str(folder / "letter.txt")]


def poison_read(job):
    """The real reader, except that one file hangs it and another kills it (as pdfium can)."""
    name = os.path.basename(job[0])
    if name == "hangs.txt":
        time.sleep(3600)
    if name == "crashes.txt":
        os.kill(os.getpid(), signal.SIGKILL)
    return READ_ONE(job)


READ_ONE = ingest_module._read_one


def hogging_reader(path):
    """The real report reader, except that one file takes memory a megabyte at a time, as a runaway parser."""
    if path.name == "hogs.txt":
        return [bytearray(2**20) for _ in range(1024)]  # 1 GB
    return READ_REPORT(path)


READ_REPORT = ingest_module.read_report


def test_a_file_that_hangs_or_kills_its_reader_is_skipped_and_the_run_goes_on(library, tmp_path, embedder, monkeypatch):
    folder = _drop(tmp_path)
    for name in ("crashes.txt", "hangs.txt"):  # each its own document (the same bytes would be one report)
        (folder / name).write_text(LETTER.read_text() + f"\n\nA note filed as {name}.\n")
    monkeypatch.setattr(ingest_module, "_read_one", poison_read)  # the workers fork with it in place
    summary = ingest([folder], library.store, embedder, workers=2, file_timeout=5)
    reasons = _reasons(summary)
    assert reasons["crashes.txt"] == "its reader crashed (exit code -9)"
    assert reasons["hangs.txt"] == "took longer than 5 s to read, so it was stopped"
    assert summary.new == [str(folder / "letter.txt")]
    monkeypatch.undo()
    again = ingest([folder], library.store, embedder, workers=2)  # the skipped files are read next time
    assert len(again.new) == 2 and again.unchanged == [str(folder / "letter.txt")]


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="the cap is measured from /proc (Linux)")
def test_a_file_whose_reader_runs_away_with_memory_is_stopped_at_its_cap(library, tmp_path, embedder, monkeypatch):
    folder = _drop(tmp_path)
    shutil.copy(LETTER, folder / "hogs.txt")
    monkeypatch.setattr(ingest_module, "read_report", hogging_reader)  # the workers fork with it in place
    summary = ingest([folder], library.store, embedder, workers=1, file_memory_mb=256)
    assert _reasons(summary)["hogs.txt"] == "needed more than 256 MB of memory to read, so it was stopped"
    assert summary.new == [str(folder / "letter.txt")]  # the same reader went on to the next file


def test_links_out_of_the_folder_are_not_read_and_one_file_is_one_report(library, tmp_path, embedder):
    folder = _drop(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("The password for the case management system is hunter2. " * 5)
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "again.txt").symlink_to(folder / "letter.txt")  # the same file by another name
    seen = []
    summary = ingest(
        [folder, folder / "letter.txt"], library.store, embedder, workers=1, on_file=lambda *a: seen.append(a[:2])
    )
    reasons = _reasons(summary)
    assert sorted(outcome for _, outcome in seen) == ["skipped", "skipped", "stored"]  # the bar counts every file
    assert reasons["passwd.txt"] == "a link to a file outside the folder being ingested; not read"
    assert reasons["again.txt"].startswith("the same file as ") and summary.new == [str(folder / "letter.txt")]
    assert not [p for p in library.store.all_passages() if "hunter2" in p.text]


def test_prune_from_another_directory_keeps_reports_stored_with_relative_paths(tmp_path, monkeypatch, embedder):
    library = open_library(tmp_path / "data", embedder)
    _drop(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert ingest([ingest_module.Path("drop")], library.store, embedder, workers=0).new == ["drop/letter.txt"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    summary = ingest([SEEDS], library.store, embedder, workers=1, prune=True)
    assert summary.removed == [] and "drop/letter.txt" in library.store.file_hashes()
    library.store.close()


def test_the_same_document_under_two_names_is_one_report(library, tmp_path, embedder):
    folder = _drop(tmp_path)
    shutil.copy(LETTER, folder / "letter (copy).txt")  # a drop folder's everyday duplicate
    summary = ingest([folder], library.store, embedder, workers=0)
    assert len(summary.new) == 1
    ((duplicate, twin),) = summary.duplicates
    assert Path(duplicate).parent == Path(twin).parent == folder
    assert summary.skipped == []  # not a problem to report (and fail a timer on) run after run
    assert len(library.store.reports()) == 1
    again = ingest([folder], library.store, embedder, workers=0)  # and stays one, run after run
    assert again.new == [] and len(library.store.reports()) == 1


def test_a_report_renamed_is_stored_under_its_new_name_not_taken_for_a_copy(library, tmp_path, embedder):
    folder = _drop(tmp_path)
    ingest([folder], library.store, embedder, workers=0)
    (folder / "letter.txt").rename(folder / "renamed.txt")
    summary = ingest([folder], library.store, embedder, workers=0, prune=True)
    assert summary.new == [str(folder / "renamed.txt")] and summary.duplicates == []
    assert [r["source"] for r in library.store.reports()] == [str(folder / "renamed.txt")]
