"""Where synced reports live on disk: the PDFs, their metadata sheet, the arrivals log, the run lock.

`<data_dir>/reports/<council>/<published>-<kind>.pdf`, beside one `metadata.csv` that the ingest
pipeline reads like any corpus's sheet (URN, publication date, kind and source URL), so a synced
report is ingested exactly as a copied one would be. `arrivals.jsonl` records each report the moment
it reaches the library: what `briefing changes` and the Slack digests read.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from index.errors import BriefingError
from index.sync.site import Publication, file_id

#: `held_as`: the library already had this PDF under another name (a copied corpus); never ingested twice.
RETRY_REFUSED_DAYS = 7  # a PDF the site served as an error page is asked for again after this long

COLUMNS = ("path", "urn", "local_authority", "publication_date", "kind", "source_url", "file_id", "held_as")


class SyncRunning(BriefingError):
    """Another sync holds the folder."""


def _slug(words: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", words.lower().replace("'", "").replace("’", "")).strip("-") or "report"


@dataclass(frozen=True)
class Arrival:
    """A report that reached the library by sync: when, and which."""

    source: str
    local_authority: str
    published: str
    kind: str
    url: str
    arrived: str  # ISO time, UTC

    def as_json(self) -> dict:
        """As the log and `--json` outputs keep it."""
        return dict(vars(self))


class ReportFolder:
    """The synced reports' folder under the data dir."""

    def __init__(self, data_dir: Path) -> None:
        data_dir = data_dir.absolute()  # sources are stored as absolute paths, wherever the run starts
        self.root = data_dir / "reports"
        self.sheet = self.root / "metadata.csv"
        self.arrivals_log = data_dir / "sync" / "arrivals.jsonl"
        self.pages = data_dir / "sync" / "pages"
        self.refusals = data_dir / "sync" / "refused.json"
        self._lock = None
        self._rows: list[dict[str, str]] | None = None

    # --- one run at a time ----------------------------------------------------------------------

    def lock(self) -> None:
        """Take the folder for this run; a second sync stops with one line rather than race the first."""
        import fcntl

        self.arrivals_log.parent.mkdir(parents=True, exist_ok=True)
        handle = (self.arrivals_log.parent / ".sync.lock").open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise SyncRunning(f"another sync is running on {self.root.parent}; this one stops") from None
        self._lock = handle
        self._rows = None  # read afresh under the lock: an earlier run may have written since

    def unlock(self) -> None:
        """Let the next run in."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # --- the PDFs and their sheet ---------------------------------------------------------------

    def rows(self) -> list[dict[str, str]]:
        """The sheet's rows (none before the first sync), read once: a run holds the lock, so only it writes."""
        if self._rows is None:
            self._rows = []
            if self.sheet.is_file():
                with self.sheet.open(encoding="utf-8", newline="") as handle:
                    self._rows = list(csv.DictReader(handle))
        return [dict(row) for row in self._rows]

    def downloaded(self) -> dict[str, Path]:
        """File id → the PDF on disk, for every row whose file is there."""
        found = {}
        for row in self.rows():
            path = self.root / row["path"]
            if path.is_file():
                found[row.get("file_id") or file_id(row.get("source_url", ""))] = path
        return found

    def held_elsewhere(self) -> dict[str, str]:
        """File id → the source the library holds it as, for PDFs it holds under another name."""
        return {row["file_id"]: row["held_as"] for row in self.rows() if row.get("held_as")}

    def mark_held(self, sources: dict[str, str]) -> None:
        """Note that these downloaded files (source → the stored twin) are in the library already."""
        rows = self.rows()
        for row in rows:
            row["held_as"] = sources.get(str(self.root / row["path"]), row.get("held_as", ""))
        self._write(rows)

    def target(self, publication: Publication, council: str) -> Path:
        """Where a publication's PDF goes: the council's folder, dated, one name per file id."""
        name = f"{publication.published.isoformat()}-{_slug(publication.kind)}"
        taken = {row["path"] for row in self.rows() if row.get("file_id") != publication.file_id}
        relative = f"{_slug(council)}/{name}.pdf"
        if relative in taken:  # two reports of one kind on one day: told apart by the site's id
            relative = f"{_slug(council)}/{name}-{_slug(publication.file_id)}.pdf"
        return self.root / relative

    def record(self, publication: Publication, council: str, path: Path) -> None:
        """Add the PDF's row to the sheet (written whole to a new file, then moved over the old)."""
        rows = [r for r in self.rows() if r.get("file_id") != publication.file_id]
        rows.append(
            {
                "path": path.relative_to(self.root).as_posix(),
                "urn": publication.provider.urn,
                "local_authority": council,
                "publication_date": publication.published.isoformat(),
                "kind": publication.kind,
                "source_url": publication.url,
                "file_id": publication.file_id,
            }
        )
        self._write(rows)

    def _write(self, rows: list[dict[str, str]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        part = self.sheet.with_name(".metadata.csv.part")
        with part.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, self.sheet)
        self._rows = [dict(row) for row in rows]

    # --- what the site served that was not a report ---------------------------------------------

    def refused(self, within_days: int = RETRY_REFUSED_DAYS) -> dict[str, str]:
        """File id → why, for downloads refused (an error page, not a PDF) in the last `within_days`."""
        try:
            known = json.loads(self.refusals.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        since = (datetime.now(UTC) - timedelta(days=within_days)).isoformat()
        return {fid: entry["why"] for fid, entry in known.items() if entry.get("when", "") >= since}

    def refuse(self, refused: dict[str, str]) -> None:
        """Remember refused downloads, so the daily run does not ask for the same error page every day."""
        if not refused:
            return
        try:
            known = json.loads(self.refusals.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        known.update({fid: {"when": now, "why": why} for fid, why in refused.items()})
        self.refusals.parent.mkdir(parents=True, exist_ok=True)
        part = self.refusals.with_name(".refused.json.part")
        part.write_text(json.dumps(known, indent=1), encoding="utf-8")
        os.replace(part, self.refusals)

    # --- what arrived ---------------------------------------------------------------------------

    def arrived(self, row: dict[str, str], source: str) -> Arrival:
        """Log a report as having reached the library now."""
        arrival = Arrival(
            source,
            row.get("local_authority", ""),
            row.get("publication_date", ""),
            row.get("kind", ""),
            row.get("source_url", ""),
            datetime.now(UTC).isoformat(timespec="microseconds"),  # ordered exactly against follows
        )
        self.arrivals_log.parent.mkdir(parents=True, exist_ok=True)
        with self.arrivals_log.open("a", encoding="utf-8") as log:
            log.write(json.dumps(arrival.as_json()) + "\n")
            log.flush()
            os.fsync(log.fileno())
        return arrival


def arrivals(data_dir: Path) -> list[Arrival]:
    """Every report sync has added, oldest first; a line torn by a kill is skipped."""
    log = data_dir / "sync" / "arrivals.jsonl"
    if not log.is_file():
        return []
    found = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            found.append(Arrival(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return found
