"""`briefing sync / changes`: the library kept current from Ofsted's site, and what is new in it."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import app, console, date_option, errors, fail, settings_or_exit
from bot.render import safe
from index.errors import BriefingError, StoreUnavailable


def _councils(settings, names: list[str], followed: bool) -> list[str] | None:
    """The councils asked for, each checked against the reference list; None for all."""
    from bot.follows import FollowBook
    from index.authorities import lookup

    asked = list(names)
    if followed:
        asked += FollowBook(settings.data_dir).following()
        if not asked:
            fail("--followed: no channel follows a council yet (use /follow in Slack)")
    for name in names:
        if lookup(name) is None:
            fail(f"--authority: {name!r} is not an English children's services authority")
    return asked or None


def _open_for_sync(settings, dry_run: bool):
    """The library as its writer; while another process has it open, as a reader (download only)."""
    from bot.app import create_library

    library = create_library(settings, writer=not dry_run)
    try:
        return library, library.store.reports(), not dry_run
    except StoreUnavailable as err:
        if dry_run:
            fail(str(err))
        busy = str(err)
    library = create_library(settings)
    try:
        reports = library.store.reports()
    except StoreUnavailable as err:
        fail(str(err))
    errors.print(
        f"[yellow]{safe(busy)}.[/yellow] New reports are downloaded now and added by the next sync that has the "
        "library to itself (or run a Chroma server, BRIEFING_CHROMA_URL, so a sync can write while the bot answers).",
        highlight=False,
    )
    return library, reports, False


def _run_once(settings, councils: list[str] | None, dry_run: bool, as_json: bool):
    from bot.app import create_fetcher, ingest_into
    from bot.render.sync import sync_progress, sync_summary
    from bot.render.terminal import ingest_progress
    from index.sync import ReportFolder, sync

    folder = ReportFolder(settings.data_dir)
    folder.lock()
    fetcher = create_fetcher(settings)
    library, held, can_write = _open_for_sync(settings, dry_run)
    shown = errors if as_json else console

    def ingest(paths: list[Path]):
        with ingest_progress(shown, len(paths)) as on_file:
            return ingest_into(settings, library, on_file)(paths)

    kinds = tuple(k.strip() for k in settings.sync_kinds.split(",") if k.strip())
    try:
        with sync_progress(shown) as on_progress:
            summary = sync(
                fetcher,
                folder,
                settings.sync_site_url,
                held,
                ingest if can_write else None,
                councils=councils,
                kinds=kinds,
                files_url=settings.sync_files_url,
                dry_run=dry_run,
                on_progress=on_progress,
            )
    finally:
        fetcher.close()
        library.close()
        folder.unlock()
    if as_json:
        sys.stdout.write(json.dumps(summary.as_json(), indent=2) + "\n")
    else:
        sync_summary(console, summary)
    return summary


@app.command("sync")
def sync_command(
    authority: Annotated[list[str] | None, typer.Option("--authority", "-a", help="Only this council.")] = None,
    followed: Annotated[bool, typer.Option("--followed", help="Only the councils Slack channels follow.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be fetched; fetch nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run's summary as JSON.")] = False,
    every: Annotated[
        float | None, typer.Option("--every", help="Keep running: sync again every this many hours.")
    ] = None,
) -> None:
    """Fetch the reports Ofsted has published that the library lacks, and ingest them (resumable)."""
    settings = settings_or_exit()
    councils = _councils(settings, authority or [], followed)
    while True:
        try:
            summary = _run_once(settings, councils, dry_run, as_json)
        except KeyboardInterrupt:
            errors.print("interrupted: every report fetched so far is kept; run the same command to carry on.")
            raise typer.Exit(130) from None
        except BriefingError as err:
            if every is None:
                fail(str(err))
            errors.print(f"[red]error:[/red] {safe(err)}; trying again in {every:g} h", highlight=False)
            summary = None
        except Exception as err:  # noqa: BLE001 - a service that crashes is restarted at once: it would hammer the site
            if every is None:
                raise
            errors.print(f"[red]error:[/red] unexpected {type(err).__name__}: {safe(err)}; trying again in {every:g} h")
            summary = None
        if every is None:
            if summary.waiting:  # downloaded, not added: the library was busy (exit 3, so a timer shows it)
                raise typer.Exit(3)
            if summary.skipped:
                raise typer.Exit(2)
            return
        time.sleep(every * 3600)


@app.command()
def changes(
    since: Annotated[str | None, typer.Option(help="New since this date (YYYY-MM-DD); default: 7 days ago.")] = None,
    authority: Annotated[str | None, typer.Option("--authority", "-a", help="Only this council.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What changed: each new report's judgements before and after, its list, its headline findings."""
    from bot.app import create_library
    from bot.changes import digest, new_reports
    from bot.render import document
    from index.authorities import lookup
    from index.sync import arrivals

    settings = settings_or_exit()
    start = date_option(since, "--since") or date.today() - timedelta(days=7)
    if authority and lookup(authority) is None:
        fail(f"--authority: {authority!r} is not an English children's services authority")
    library = create_library(settings)
    try:
        found = new_reports(library.retriever, start, arrivals(settings.data_dir), authority)
        digests = [digest(library.retriever, new) for new in found]
    except BriefingError as err:
        fail(str(err))
    if as_json:
        payload = [{**new.as_json(), "digest": d.as_json()} for new, d in zip(found, digests, strict=True)]
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    if not found:
        where = f" on {lookup(authority).name}" if authority else ""
        console.print(f"No new reports{where} since {start.isoformat()}.")
        return
    for brief in digests:
        sys.stdout.write(document.text(brief) + "\n")
