"""Put documents into the library: read in parallel, embed, store, and say what happened.

Each file is stored whole or not at all (the report record is written last), so Ctrl-C or a crash
loses nothing already stored and the next run carries on from where it stopped.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from index.chunk import COVER_SECTION, Passage, passages, report_id
from index.embed import Embedder
from index.errors import UnreadableDocument
from index.load import find_documents
from index.report import Grade, Report
from index.store import Store
from index.understand import read_report

#: Bump when reading or chunking changes, so every file is read again.
PIPELINE_VERSION = "15"


@dataclass
class IngestSummary:
    """What an ingest did, file by file."""

    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, the stored report it repeats)
    passages: int = 0
    pages: int = 0


@dataclass
class _Read:
    source: str
    file_hash: str
    report: Report | None = None
    content: str = ""  # the file's own digest: the same PDF under two names is one report
    passages: list[Passage] = field(default_factory=list)
    error: str = ""


# --- sidecar metadata ---------------------------------------------------------------------------


def sidecar_rows(path: Path) -> dict[Path, dict[str, str]]:
    """Rows of every metadata.csv under path, keyed by the resolved file they describe."""
    rows: dict[Path, dict[str, str]] = {}
    # A sheet beside the files, in a folder above them (a corpus ingested one authority at a time),
    # or anywhere below the folder named.
    folder = path if path.is_dir() else path.parent
    candidates = [f / "metadata.csv" for f in (folder, *list(folder.resolve().parents)[:2])]
    if path.is_dir():
        candidates += sorted(path.rglob("metadata.csv"))
    for sheet in dict.fromkeys(candidates):
        if not sheet.is_file():
            continue
        with sheet.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("path"):
                    rows[(sheet.parent / row["path"]).resolve()] = row
    return rows


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def apply_sidecar(report: Report, row: dict[str, str] | None) -> Report:
    """Fill what the text could not tell us; never overwrite what it did."""
    if not row:
        return report
    report.url = report.url or row.get("source_url") or row.get("url") or None
    report.urn = report.urn or row.get("urn") or None
    report.listed_as = report.listed_as or row.get("kind") or None
    for name in ("publication_date", "inspection_start_date", "inspection_end_date"):
        if getattr(report, name) is None and _iso(row.get(name)):
            setattr(report, name, _iso(row.get(name)))
            report.from_metadata.append(name)
    if not report.lead_inspector and row.get("lead_inspector"):
        report.lead_inspector = row["lead_inspector"]
        report.from_metadata.append("lead_inspector")
    if not report.local_authority and row.get("local_authority"):
        from index.authorities import display_name

        report.local_authority = display_name(row["local_authority"])
        report.authority_as_written = report.authority_as_written or row["local_authority"]
    for name in (
        "overall_effectiveness",
        "impact_of_leaders",
        "help_and_protection",
        "children_in_care",
        "care_leavers",
    ):
        value = (row.get(name) or "").strip().lower()
        if value and name not in report.judgements and value in {g.value for g in Grade}:
            if name == "children_in_care" and "children_in_care_and_care_leavers" in report.judgements:
                continue
            report.judgements[name] = Grade(value)
            report.from_metadata.append(name)
    return report


# --- reading (in worker processes) ---------------------------------------------------------------


def _file_hash(path: Path, row: dict[str, str] | None, embedder_name: str = "") -> tuple[str, str]:
    """(what changes with the file, its row, the reader and the embedder; the file's own digest).

    Any change to the first means re-read; the second tells the same PDF under two names.
    """
    digest = hashlib.sha1(PIPELINE_VERSION.encode())
    digest.update(embedder_name.encode())
    content = content_digest(path)
    digest.update(bytes.fromhex(content))
    digest.update(repr(sorted((row or {}).items())).encode())
    return digest.hexdigest(), content


def content_digest(path: Path) -> str:
    """The SHA-1 of a file's bytes."""
    with path.open("rb") as file:  # in chunks: a huge file is refused by `load`, not read whole here
        return hashlib.file_digest(file, "sha1").hexdigest()


OUT_OF_MEMORY = "ran out of memory while being read"


def _read_one(args: tuple[str, dict[str, str] | None, str, int, str]) -> _Read:
    source, row, known_hash, max_tokens, embedder_name = args
    path = Path(source)
    try:
        file_hash, content = _file_hash(path, row, embedder_name)
    except OSError as err:
        return _Read(source, "", error=f"cannot read ({err.strerror})")
    if file_hash == known_hash:
        return _Read(source, file_hash, content=content)
    out_of_memory = False
    try:
        report = apply_sidecar(read_report(path), row)
        report.source = source
        found = passages(report, max_tokens)
    except UnreadableDocument as err:
        return _Read(source, file_hash, error=str(err).removeprefix(f"{path}: "))
    except MemoryError:
        out_of_memory = True  # answered below, once leaving this block has freed what the reader held
    except Exception as err:  # a parser bug must not stop the run; the summary names the file
        return _Read(source, file_hash, error=f"could not be read ({type(err).__name__}: {err})")
    if out_of_memory:
        return _Read(source, file_hash, error=OUT_OF_MEMORY)
    if not found:
        return _Read(source, file_hash, error="no passages found in the text")
    return _Read(source, file_hash, report, passages=found, content=content)


def _read_capped(args: tuple, memory_mb: int) -> _Read:
    """`_read_one` in a worker process that may grow by at most `memory_mb` while reading this file.

    The cap is on address space (RLIMIT_AS), set for this file from what the worker already maps
    and lifted after it, so a runaway reader fails in its own process (a skip with a reason; a
    crash, if C code cannot cope) rather than waking the machine's OOM killer, which could as well
    pick the ingest itself or the bot beside it. An operator's own lower limit is kept.
    """
    import contextlib
    import resource

    import pypdfium2  # noqa: F401 - the libraries load before the cap: it is for the file's own work

    with contextlib.suppress(ImportError):  # a broken HTML reader fails the HTML pages alone, never the PDFs
        import trafilatura  # noqa: F401

    from index.chunk import count_tokens

    count_tokens("the tokenizer's tables, loaded once per worker")
    with open("/proc/self/statm") as statm:
        limit = int(statm.read().split()[0]) * resource.getpagesize() + memory_mb * 2**20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            limit = min(limit, bound)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):  # a sandbox that refuses: read uncapped; the timeout still holds
        return _read_one(args)
    try:
        read = _read_one(args)
    except MemoryError:  # outside `_read_one`'s own guard (hashing the file)
        read = _Read(args[0], "", error=OUT_OF_MEMORY)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))  # pebble's own work between files is not capped
    if read.error == OUT_OF_MEMORY:
        read.error = f"needed more than {memory_mb} MB of memory to read, so it was stopped"
    return read


def _reads(jobs: list[tuple], workers: int, timeout: float, memory_mb: int = 1024) -> Iterator[_Read]:
    """Each file read in a worker process, in order; a file that hangs or kills its reader is skipped.

    pdfium is C: a hostile PDF can crash or hang it, and the run must go on to the next file (the
    summary names the one skipped and why). `workers=0` reads in this process, for debugging.
    """
    if workers == 0:
        yield from map(_read_one, jobs)
        return
    from pebble import ProcessExpired, ProcessPool

    read = _read_one
    if memory_mb and Path("/proc/self/statm").exists():  # Linux; elsewhere the timeout still holds
        read = functools.partial(_read_capped, memory_mb=memory_mb)
    pool = ProcessPool(max_workers=workers)
    try:
        results = pool.map(read, jobs, timeout=timeout).result()
        for job in jobs:
            source = job[0]
            try:
                yield next(results)
            except StopIteration:
                return
            except TimeoutError:
                yield _Read(source, "", error=f"took longer than {timeout:.0f} s to read, so it was stopped")
            except ProcessExpired as err:
                yield _Read(source, "", error=f"its reader crashed (exit code {err.exitcode})")
            except Exception as err:  # noqa: BLE001 - the reader failed outside `_read_one`'s own guard
                yield _Read(source, "", error=f"could not be read ({type(err).__name__}: {err})")
    finally:
        pool.stop()  # an interrupted run does not wait for files nobody will store
        pool.join()


def report_record(report: Report) -> dict:
    """What the library keeps about a report besides its passages."""
    record = report.model_dump(mode="json", exclude={"paragraphs", "sections"})
    record["report_id"] = report_id(report.source)
    record["date"] = report.dated.isoformat() if report.dated else None
    record["passages"] = 0
    return record


# --- the run ------------------------------------------------------------------------------------


def embed_once(found: list[Passage], embedder: Embedder, seen: dict[str, np.ndarray]) -> np.ndarray:
    """Vectors for a report's passages; text already embedded in this run is not embedded again.

    Reports repeat boilerplate word for word (the legal basis of the inspection, the grade
    descriptors, the copyright notice): those passages take the first copy's vector, and lexical
    search still finds each one under its own report.
    """
    # A cover's grade rows are a council's own finding, never shared: keyed by the whole passage.
    keys = [
        hashlib.sha1(
            " ".join((p.for_embedding if p.section == COVER_SECTION else p.text).split()).lower().encode()
        ).hexdigest()
        for p in found
    ]
    fresh: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key not in seen and key not in fresh:
            fresh[key] = i
    if fresh:
        vectors = embedder.embed([found[i].for_embedding for i in fresh.values()])
        seen.update(zip(fresh, vectors, strict=True))
    return np.vstack([seen[k] for k in keys]) if keys else np.zeros((0, 384), dtype=np.float32)


# long: the pipeline's one loop (read, chunk, embed, store, per file) with its resume and prune rules.
def ingest(
    paths: Iterable[Path],
    store: Store,
    embedder: Embedder,
    *,
    max_tokens: int = 220,
    workers: int = 2,
    file_timeout: float = 120.0,
    file_memory_mb: int = 1024,
    prune: bool = False,
    embed_together: int = 512,
    on_file: Callable[[str, str, int], None] | None = None,
) -> IngestSummary:
    """Bring the library up to date with the given files and folders.

    `on_file(source, outcome, passages)` is called after each file, for progress bars. Passages of
    several reports, `embed_together` at least, are embedded as one lot sorted by length: a single
    report's batches waste about 7% of the embedder's work on padding, a lot of 512 about 2%.
    An interrupted run loses at most that lot, read again on the next run.
    """
    paths = list(paths)
    summary = IngestSummary()
    rows: dict[Path, dict[str, str]] = {}
    for path in paths:
        rows.update(sidecar_rows(path))
    known = store.file_hashes()
    files, refused = admissible(paths, find_documents(paths), known)
    stamp = str(getattr(embedder, "name", ""))
    jobs = [(f, rows.get(Path(f).resolve()), known.get(f, ""), max_tokens, stamp) for f in files]

    seen: dict[str, np.ndarray] = {}
    waiting: list[_Read] = []  # read, not yet embedded: embedded together, fewer pads per batch
    contents = _stored_contents(store.reports())

    def report(source: str, outcome: str, count: int) -> None:
        if on_file:
            on_file(source, outcome, count)

    def store_waiting() -> None:
        vectors = embed_once([p for read in waiting for p in read.passages], embedder, seen)
        start = 0
        for read in waiting:
            count = len(read.passages)
            record = report_record(read.report)
            record["passages"] = count
            record["content_sha1"] = read.content
            store.put_report(record, read.file_hash, read.passages, vectors[start : start + count])
            start += count
            (summary.replaced if read.source in known else summary.new).append(read.source)
            summary.passages += count
            summary.pages += read.report.pages
            report(read.source, "stored", count)
        waiting.clear()

    def handle(read: _Read) -> None:
        if read.error:
            summary.skipped.append((read.source, read.error))
            report(read.source, "skipped", 0)
        elif read.report is None:
            summary.unchanged.append(read.source)
            report(read.source, "unchanged", 0)
        elif contents.setdefault(read.content, read.source) != read.source:
            # The same bytes as a stored report: one report. Not a problem to report run after run; and
            # a stored file rewritten into a copy of another loses its old passages.
            twin = contents[read.content]
            summary.duplicates.append((read.source, twin))
            if read.source in known:
                store.remove_report(read.source)
                summary.removed.append(read.source)
            report(read.source, "unchanged", 0)
        else:
            waiting.append(read)
            if sum(len(r.passages) for r in waiting) >= embed_together:
                store_waiting()

    for source, reason in refused:  # counted by progress bars like any other file
        handle(_Read(source, "", error=reason))
    for read in _reads(jobs, workers, file_timeout, file_memory_mb):
        handle(read)
    store_waiting()

    if prune:
        present = set(files) | {source for source, _ in refused}
        for source in known:
            # A relative source is judged only when it lies under a folder named here: spelt relative
            # to another directory, it would look gone from this one.
            judged = Path(source).is_absolute() or _under(source, paths)
            if source not in present and judged and not Path(source).exists():
                store.remove_report(source)
                summary.removed.append(source)
    return summary


def _stored_contents(records: list[dict]) -> dict[str, str]:
    """File digest → source of every stored report, from the bytes its file has now.

    A stored digest is not trusted: a file moved, renamed or rewritten since must not make its new
    self (or another file) look like a copy. A report whose file is gone holds no bytes.
    """
    contents: dict[str, str] = {}
    for record in sorted(records, key=lambda r: r.get("source") or ""):
        try:
            contents.setdefault(content_digest(Path(record["source"])), record["source"])
        except (OSError, KeyError):
            continue
    return contents


def admissible(
    roots: list[Path], found: Iterable[Path], known: dict[str, str]
) -> tuple[list[str], list[tuple[str, str]]]:
    """The files to read, and those refused with a reason: links out of the folder, second copies.

    A link in a drop folder to `/etc/passwd` must not end up searchable; the same file reached by
    two paths (a link, `./x` and `x`) is one report, not two.
    """
    folders = [(root, root.resolve()) for root in roots if root.is_dir()]
    first: dict[Path, str] = {}
    for source in known:
        first.setdefault(Path(source).resolve(), source)
    files: list[str] = []
    refused: list[tuple[str, str]] = []
    # Each path once (a folder and a file in it may both be named), and real files before links to
    # them, so the copy kept is the one under its own name.
    for path in sorted(dict.fromkeys(found), key=lambda p: p.is_symlink()):
        source, real = str(path), path.resolve()
        inside = [real_root for root, real_root in folders if path.is_relative_to(root)]
        if inside and not any(real.is_relative_to(real_root) for real_root in inside):
            refused.append((source, "a link to a file outside the folder being ingested; not read"))
            continue
        if first.setdefault(real, source) != source:
            refused.append((source, f"the same file as {first[real]}; read once"))
            continue
        files.append(source)
    return files, refused


def _under(source: str, roots: list[Path]) -> bool:
    normal = os.path.normpath(source)
    for root in roots:
        top = os.path.normpath(str(root))
        if normal == top or normal.startswith(top.rstrip(os.sep) + os.sep):
            return True
    return False
