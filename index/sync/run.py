"""One sync: what Ofsted has published that the library lacks, fetched once and ingested.

The whole listing is read before anything is fetched, so a page whose layout changed stops the run
before one report of it is ingested. A report is known by the site's file id, whatever host serves
it: held when the library has a report with that source URL (a copied corpus included) or the sync
folder has its PDF. Nothing is ever removed: a report Ofsted withdraws stays in the library.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from index.authorities import authority_key, lookup
from index.ingest import IngestSummary
from index.sync.fetch import ErrorPage, FetchCounts, Fetcher, NotAPdf, OffSite, SiteUnavailable, is_whole_pdf
from index.sync.folder import Arrival, ReportFolder, arrivals
from index.sync.site import (
    DEFAULT_KINDS,
    MAX_PAGES,
    ROWS,
    LayoutChanged,
    Provider,
    Publication,
    file_id,
    providers_on,
    publications_on,
    search_url,
    wanted,
)

#: (stage, done, total, what): "listing" pages, "fetching" PDFs; for progress bars.
OnProgress = Callable[[str, int, int, str], None]


@dataclass
class SyncSummary:
    """What a run found and did, for the terminal and `--json`."""

    councils: int = 0
    listed: int = 0
    held: int = 0
    to_fetch: list[tuple[str, Publication]] = field(default_factory=list)  # (council, publication)
    refused: list[tuple[str, Publication]] = field(default_factory=list)  # served as not-a-PDF this week
    downloaded: list[str] = field(default_factory=list)
    added: list[Arrival] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # downloaded, not yet in the library
    unknown: list[str] = field(default_factory=list)  # providers the reference list does not know
    not_listed: list[str] = field(default_factory=list)  # councils asked for that the site does not list
    fetch: FetchCounts = field(default_factory=FetchCounts)
    seconds: float = 0.0
    dry_run: bool = False

    def as_json(self) -> dict:
        """The documented `--json` shape."""
        return {
            "dry_run": self.dry_run,
            "councils_listed": self.councils,
            "publications_listed": self.listed,
            "already_held": self.held,
            "to_fetch": [_described(council, p) for council, p in self.to_fetch],
            "refused_this_week": [_described(council, p) for council, p in self.refused],
            "downloaded": self.downloaded,
            "added": [a.as_json() for a in self.added],
            "waiting_to_ingest": self.waiting,
            "skipped": [{"what": what, "reason": why} for what, why in self.skipped],
            "unknown_providers": self.unknown,
            "not_listed": self.not_listed,
            "requests": self.fetch.requests,
            "not_modified": self.fetch.not_modified,
            "pdfs_fetched": self.fetch.downloads,
            "bytes": self.fetch.bytes,
            "retries": self.fetch.retries,
            "seconds": round(self.seconds, 2),
        }


def _described(council: str, p: Publication) -> dict:
    return {"council": council, "kind": p.kind, "published": p.published.isoformat(), "url": p.url}


def councils_listed(fetcher: Fetcher, site: str, on_progress: OnProgress | None = None) -> list[Provider]:
    """Every council the site's search lists, each once, paging until a page adds none."""
    found: dict[str, Provider] = {}
    for page in range(MAX_PAGES):
        url = search_url(site, page * ROWS)
        listed = providers_on(fetcher.page(url), url)
        if on_progress:
            on_progress("listing", page + 1, 0, url)
        if page == 0 and not listed:
            raise LayoutChanged(f"{url}: no council links (a[href*='/provider/']) on the search page")
        fresh = [p for p in listed if p.urn not in found]
        if not fresh:  # past the last page (or a site that ignores `start`): every council is in
            return list(found.values())
        found.update((p.urn, p) for p in fresh)
    raise LayoutChanged(f"{site}: the search still lists new councils after {MAX_PAGES} pages")


# long: the listing's rules in one place: which councils, which kinds, what is skipped and why.
def read_site(
    fetcher: Fetcher,
    site: str,
    summary: SyncSummary,
    *,
    councils: list[str] | None = None,
    kinds: tuple[str, ...] = DEFAULT_KINDS,
    on_progress: OnProgress | None = None,
) -> list[tuple[str, Publication]]:
    """(council, publication) for every wanted report of the councils asked for (all, by default).

    Every council page is read before anything is fetched; if none of them lists a publication the
    way the reader expects, the layout has changed and the run stops here.
    """
    providers = councils_listed(fetcher, site, on_progress)
    asked = {lookup(c).name for c in councils or [] if lookup(c)} if councils else None
    chosen: list[tuple[str, Provider]] = []
    for provider in providers:
        known = lookup(provider.name)
        if known is None:
            summary.unknown.append(provider.name)
        elif asked is None or known.name in asked:
            chosen.append((known.name, provider))
    summary.councils = len(chosen)
    summary.not_listed = sorted((asked or set()) - {name for name, _ in chosen})
    found: dict[str, tuple[str, Publication]] = {}
    empty: list[tuple[str, Provider]] = []
    for done, (council, provider) in enumerate(chosen, start=1):
        try:
            listed, unread = publications_on(fetcher.page(provider.url), provider)
        except OffSite as err:
            summary.skipped.append((council, str(err)))
            continue
        if not listed and not unread:
            empty.append((council, provider))
        for text in unread:
            if wanted(text, kinds):
                summary.skipped.append((council, f"a publication whose date could not be read: {text!r}"))
        for publication in listed:
            if wanted(publication, kinds):
                found.setdefault(publication.file_id, (council, publication))  # listed twice is one report
        if on_progress:
            on_progress("listing", done, len(chosen), council)
    if chosen and len(empty) == len(chosen):
        raise LayoutChanged(f"{empty[0][1].url}: no publication links (a.publication-link) on any council's page")
    summary.skipped += [(council, "its page lists no publications") for council, _ in empty]
    return list(found.values())


# long: the run in order (listing, what is held, fetching, ingesting, logging), each step a few lines.
def sync(
    fetcher: Fetcher,
    folder: ReportFolder,
    site: str,
    held_reports: list[dict],
    ingest: Callable[[list[Path]], IngestSummary] | None,
    *,
    councils: list[str] | None = None,
    kinds: tuple[str, ...] = DEFAULT_KINDS,
    files_url: str | None = None,
    dry_run: bool = False,
    on_progress: OnProgress | None = None,
) -> SyncSummary:
    """Bring the library up to date with the site. `ingest` None: download only (the library is busy)."""
    started = time.monotonic()
    summary = SyncSummary(dry_run=dry_run, fetch=fetcher.counts)
    listed = read_site(fetcher, site, summary, councils=councils, kinds=kinds, on_progress=on_progress)
    summary.listed = len(listed)
    in_library = {file_id(r["url"]): r["source"] for r in held_reports if r.get("url")}
    # A report copied in without its source URL is known by its council and publication day instead.
    by_day = {
        (authority_key(r["local_authority"]), r["publication_date"])
        for r in held_reports
        if not r.get("url") and r.get("local_authority") and r.get("publication_date")
    }
    on_disk = folder.downloaded()
    missing = [
        (c, p)
        for c, p in listed
        if p.file_id not in in_library
        and p.file_id not in on_disk
        and (authority_key(c), p.published.isoformat()) not in by_day
    ]
    refused = folder.refused()
    summary.refused = [(c, p) for c, p in missing if p.file_id in refused]
    missing = [(c, p) for c, p in missing if p.file_id not in refused]
    summary.held = summary.listed - len(missing) - len(summary.refused)
    summary.to_fetch = missing
    if dry_run:
        summary.seconds = time.monotonic() - started
        return summary
    newly_refused: dict[str, str] = {}
    for done, (council, publication) in enumerate(missing, start=1):
        if on_progress:
            on_progress("fetching", done - 1, len(missing), f"{council}: {publication.kind}")
        target = folder.target(publication, council)
        what = f"{council} {publication.kind} ({publication.published})"
        try:
            if not is_whole_pdf(target):  # whole already: a run killed before it noted the file
                fetcher.download(_from(publication.url, files_url), target)
        except (NotAPdf, OffSite) as err:
            summary.skipped.append((what, str(err)))
            if isinstance(err, ErrorPage):  # a 403, a 404 or an off-site link may mend by tomorrow
                newly_refused[publication.file_id] = str(err)
            continue
        except SiteUnavailable as err:  # it is refusing or failing: ask no more of it today
            left = len(missing) - done + 1
            summary.skipped.append((what, f"{err}; the {left} reports not yet fetched wait for the next run"))
            break
        folder.record(publication, council, target)
        summary.downloaded.append(str(target))
    folder.refuse(newly_refused)
    if on_progress and missing:
        on_progress("fetching", len(missing), len(missing), "")
    now_held = {r["source"] for r in held_reports}
    twins = {fid for fid, twin in folder.held_elsewhere().items() if twin in now_held}  # while the twin stays
    waiting = {fid: path for fid, path in folder.downloaded().items() if fid not in in_library and fid not in twins}
    if waiting and ingest is not None:
        stored = ingest(sorted(waiting.values()))
        now_held |= {*stored.new, *stored.replaced, *stored.unchanged}
        twin_of = dict(stored.duplicates)
        if twin_of:  # the library had these PDFs under other names: noted, so never fetched or read again
            folder.mark_held(twin_of)
            now_held |= set(twin_of)
        summary.held += len(set(twin_of) & set(summary.downloaded))  # one fetched earlier is counted already
        summary.skipped += stored.skipped
    twin_sources = {str(folder.root / row["path"]) for row in folder.rows() if row.get("held_as")}
    summary.added = _log_arrivals(folder, now_held - twin_sources)  # a twin is not an arrival
    summary.waiting = sorted(str(p) for p in waiting.values() if str(p) not in now_held)
    summary.seconds = time.monotonic() - started
    return summary


def _from(url: str, files_url: str | None) -> str:
    """A PDF's link, moved onto a mirror's files host when one is set."""
    if not files_url:
        return url
    parts = urlsplit(url)
    return files_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def _log_arrivals(folder: ReportFolder, now_held: set[str]) -> list[Arrival]:
    """Log each synced report now in the library that the log lacks (one a killed run stored included)."""
    logged = {a.source for a in arrivals(folder.root.parent)}
    added = []
    for row in folder.rows():
        source = str(folder.root / row["path"])
        if source in now_held and source not in logged:
            added.append(folder.arrived(row, source))
    return added
