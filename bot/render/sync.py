"""What `briefing sync` and `briefing changes` show in a terminal: progress, the run's account, digests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

from bot.render import safe
from index.sync import SyncSummary


@contextmanager
def sync_progress(console: Console) -> Iterator[Callable[[str, int, int, str], None]]:
    """Bars for reading the site's pages and fetching the PDFs: yields the callback sync calls."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = [
        TextColumn("[bold]{task.description}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[current]}[/dim]"),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def on_progress(stage: str, done: int, total: int, what: str) -> None:
            if stage not in tasks:
                label = "reading the site" if stage == "listing" else "fetching reports"
                tasks[stage] = progress.add_task(label, total=total or None, current="")
            progress.update(tasks[stage], completed=done, total=total or None, current=safe(what)[:48])

        yield on_progress


def sync_summary(console: Console, summary: SyncSummary) -> None:
    """The run's account: what the site lists, what was new, what was fetched and added, and why not."""
    counts = summary.fetch
    console.print(
        f"[bold]{summary.councils} councils[/bold] listed with {summary.listed} reports; "
        f"{summary.held} already held, {len(summary.to_fetch)} new."
    )
    if summary.dry_run:
        for council, publication in summary.to_fetch:
            console.print(f"  would fetch {safe(council)}: {safe(publication.kind)} ({publication.published})")
    for arrival in summary.added:
        what = f"{arrival.local_authority}: {arrival.kind} ({arrival.published})"
        console.print(f"[green]added[/green] {safe(what)}")
    for what, why in summary.skipped:
        console.print(f"[yellow]skipped[/yellow] {safe(what)}: {safe(why)}")
    if summary.refused:
        console.print(
            f"[dim]{len(summary.refused)} reports the site served as something other than a PDF this week "
            "are asked for again in a few days[/dim]"
        )
    for name in summary.unknown:
        console.print(f"[yellow]not a council the reference list knows[/yellow]: {safe(name)}; its reports are skipped")
    for name in summary.not_listed:
        console.print(f"[yellow]not listed on the site[/yellow]: {safe(name)}")
    console.print(
        f"[dim]{counts.requests} requests ({counts.not_modified} unchanged pages), {counts.downloads} PDFs "
        f"({counts.bytes / 1e6:.1f} MB), {counts.retries} retries, {summary.seconds:.1f} s[/dim]"
    )
