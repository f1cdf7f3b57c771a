"""Stage 8, render for the terminal: what a manager reads in a shell, with rich."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.engine.answer import Answer
from bot.engine.check import CheckReport
from bot.evidence.citations import source_parts
from bot.records.grid import COLUMNS, Standing
from bot.render import safe
from bot.services import EMPTY_LIBRARY, INGEST_HINT, holdings
from index import text as text_rules
from index.ingest import IngestSummary
from index.report import Report
from index.retrieve import SearchResult


def _grade_style(grade: str) -> str:
    return {
        "outstanding": "bold green",
        "good": "green",
        "requires improvement": "yellow",
        "inadequate": "bold red",
    }.get(grade, "")


def report_summary(console: Console, report: Report) -> None:
    """A readable account of what the reader understood of one document."""
    console.print(f"[bold]{safe(report.title)}[/bold]")
    console.print(f"[dim]{safe(report.source)}[/dim]")
    facts = Table.grid(padding=(0, 2))
    facts.add_row("Kind", report.kind.value)
    facts.add_row("Local authority", safe(report.local_authority or "—"))
    if report.inspection_start_date:
        facts.add_row("Inspection", f"{report.inspection_start_date:%d %B %Y} to {report.inspection_end_date:%d %B %Y}")
    if report.publication_date:
        facts.add_row("Dated", f"{report.publication_date:%d %B %Y}")
    facts.add_row("Lead inspector", safe(report.lead_inspector or "—"))
    if report.inspectors:
        facts.add_row("Inspectors", safe(", ".join(report.inspectors)))
    facts.add_row("Pages / paragraphs", f"{report.pages} / {len(report.paragraphs)}")
    console.print(facts)
    if report.judgements:
        table = Table(title="Judgements", show_header=False)
        for name, grade in report.judgements.items():
            table.add_row(name.replace("_", " ").capitalize(), f"[{_grade_style(grade)}]{grade.value}[/]")
        console.print(table)
    if report.improvements:
        console.print("[bold]What needs to improve[/bold]")
        for item in report.improvements:
            console.print(f" • {safe(item)}")
    if report.sections:
        console.print(f"[bold]Sections[/bold] ({len(report.sections)})")
        for section in report.sections[:12]:
            numbers = f" ¶{section.paragraphs[0]}–{section.paragraphs[-1]}" if section.paragraphs else ""
            console.print(f"  p.{section.page} {safe(section.title)}{numbers}")


@contextmanager
def ingest_progress(console: Console, total: int) -> Iterator[Callable[[str, str, int], None]]:
    """A progress bar over the files of an ingest: yields the callback the ingest calls per file."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    stored = {"passages": 0}
    columns = [
        TextColumn("[bold]ingest[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[passages]} passages · {task.fields[rate]}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("[dim]{task.fields[current]}[/dim]"),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("files", total=total, passages=0, rate="0", current="")

        def on_file(source: str, outcome: str, count: int) -> None:
            stored["passages"] += count
            elapsed = progress.tasks[0].elapsed or 1e-9
            rate = f"{stored['passages'] / elapsed:.0f}"
            progress.update(task, advance=1, passages=stored["passages"], rate=rate, current=Path(source).name[:40])

        yield on_file


def ingest_summary(console: Console, summary: IngestSummary) -> None:
    """The end-of-run account: counts, then every skipped file with its reason."""
    console.print(
        f"[bold]{len(summary.new)} new[/bold], {len(summary.unchanged)} unchanged, "
        f"{len(summary.replaced)} replaced, {len(summary.skipped)} skipped, {len(summary.removed)} removed; "
        f"{summary.passages} passages from {summary.pages} pages stored."
    )
    for source, reason in summary.skipped:
        console.print(f"[yellow]skipped[/yellow] {safe(source)}: {safe(reason)}")
    for source, twin in summary.duplicates:
        console.print(f"[dim]the same file as {safe(twin)}, held once: {safe(source)}[/dim]")
    for source in summary.removed:
        console.print(f"[dim]removed[/dim] {safe(source)}")


def library_table(console: Console, reports: list[dict]) -> None:
    """Authorities, reports, dates and judgements."""
    table = Table(title=f"The library: {len(reports)} documents")
    for column in ("Authority", "Date", "Kind", "Overall", "Judgements", "Passages"):
        table.add_column(column)
    for r in sorted(reports, key=lambda r: (r.get("local_authority") or "", r.get("date") or "")):
        judgements = r.get("judgements") or {}
        overall = judgements.get("overall_effectiveness", "")
        others = ", ".join(f"{k.split('_')[0]}: {v}" for k, v in judgements.items() if k != "overall_effectiveness")
        table.add_row(
            safe(r.get("local_authority") or "—"),
            safe(r.get("date") or "—"),
            safe(r.get("kind") or ""),
            f"[{_grade_style(overall)}]{overall}[/]" if overall else "—",
            safe(others),
            str(r.get("passages", "")),
        )
    console.print(table)


def library_coverage(console: Console, missing: list[str], total: int) -> None:
    """Which of England's children's services authorities the library has no report on."""
    if not missing:
        console.print(f"The library holds reports on all {total} of England's children's services authorities.")
        return
    console.print(
        f"[bold]Not in the library:[/bold] {len(missing)} of England's {total} children's services authorities "
        f"have no report here: {safe(text_rules.listed(missing))}."
    )


def library_holdings(console: Console, reports: list[dict]) -> None:
    """What the library holds, and which councils it lacks; how to fill it when it is empty."""
    if not reports:
        console.print(f"{EMPTY_LIBRARY} {INGEST_HINT}")
        return
    held = holdings(reports)
    library_table(console, held.reports)
    library_coverage(console, held.missing, held.councils)


def comparison_table(console: Console, rows: list[Standing]) -> None:
    """The authority beside its statistical neighbours and region: judgements coloured by grade, latest first."""
    if not rows:
        return
    subject = rows[0]
    table = Table(title=f"{safe(subject.authority)} compared: latest graded inspection of each authority")
    table.add_column("Authority")
    table.add_column("Compared as")
    table.add_column("Inspection")
    for _, label in COLUMNS:
        table.add_column(label)
    for row in rows:
        record = row.record or {}
        when = (
            f"{record.get('kind')}, {record.get('date') or 'undated'}"
            if row.record
            else "[dim]none in the library[/dim]"
        )
        cells = []
        for area, _ in COLUMNS:
            grade, shown = row.grade(area), row.cell(area)
            cells.append(f"[{_grade_style(grade)}]{shown}[/]" if grade else "[dim]—[/dim]")
        name = f"[bold]{safe(row.authority)}[/bold]" if row is subject else safe(row.authority)
        relation = "—" if row is subject else safe(row.relation)
        table.add_row(name, relation, safe(when) if row.record else when, *cells, end_section=row is subject)
    console.print(table)
    console.print(
        "[dim]— : no such grade (the 2026 framework has no overall grade). joint: children in care and care "
        "leavers judged together (ILACS reports to 2022). LMG: leadership, management and governance "
        "(single inspections, before 2018).[/dim]"
    )


def search_results(console: Console, result: SearchResult) -> None:
    """Ranked passages with where they come from."""
    plan = result.plan
    if plan.filters.authorities:
        console.print(f"[dim]authority: {safe(', '.join(plan.filters.authorities))}[/dim]")
    if plan.period:
        console.print(f"[dim]period: {safe(plan.period.said)}[/dim]")
    for line in [*plan.read_as, *plan.missing] + [f"not in the library: {p}" for p in plan.unknown_places]:
        console.print(f"[dim]{safe(line)}[/dim]")
    if not result.hits:
        console.print("Nothing in the library matches that.")
    for rank, hit in enumerate(result.hits, start=1):
        p = hit.passage
        head = safe(" · ".join(source_parts(p)))
        console.print(f"[bold]{rank}.[/bold] {head}")
        if p.section:
            console.print(f"   [dim]{safe(p.section)}[/dim]")
        text = p.text if len(p.text) < 500 else p.text[:500] + "…"
        console.print(f"   {safe(text)}", highlight=False)
        if p.url:
            console.print(f"   {safe(p.url)}", style="dim", highlight=False)


class SentencePrinter:
    """Prints checked sentences as they pass, one after another in one paragraph.

    This is the only way answer text reaches the terminal while it is being written: the model's
    draft itself is never printed. Until the first sentence passes, a transient status says why
    the screen is still. Use as a context manager around `engine.ask(..., on_sentence=printer)`.
    """

    def __init__(self, console: Console, before: Callable[[], None] | None = None) -> None:
        self._console = console
        self._before = before  # waited on before the first line is printed (a model still loading)
        self._shown = 0
        self._status = console.status("searching the reports and checking the answer…") if console.is_terminal else None

    def __enter__(self) -> SentencePrinter:
        if self._status is not None:
            self._status.start()
        return self

    def _ready(self) -> None:
        if self._before is not None:
            self._before()
            self._before = None

    def notes(self, notes: list[str]) -> None:
        """What the library holds or lacks, and how names were read: before the answer, one per line."""
        self._ready()
        if self._status is not None:
            self._status.stop()
        for note in notes:
            self._console.print(text_rules.printable(note), style="dim", highlight=False, markup=False)
        if self._status is not None:
            self._status.start()

    def __call__(self, sentence: str) -> None:
        """Show one sentence that has passed the checks."""
        self._ready()
        if self._status is not None and not self._shown:
            self._status.stop()
        shown = text_rules.printable(sentence)
        # A sentence that opens a part of its own (the next ask's answer) starts a new line.
        space = "" if not self._shown or sentence.startswith("\n") else " "
        self._console.print(space + shown, end="", highlight=False, markup=False)
        self._shown += 1

    def __exit__(self, *_: object) -> None:
        if self._status is not None:
            self._status.stop()
        if self._shown:
            self._console.print()


def answer(console: Console, result: Answer) -> None:
    """The checked answer, then its sources."""
    style = "" if result.status == "answered" else "yellow"
    for note in result.notes:
        console.print(text_rules.printable(note), style="dim", highlight=False, markup=False)
    console.print(text_rules.printable(result.text), style=style, highlight=False, markup=False)
    sources(console, result)


def sources(console: Console, result: Answer) -> None:
    """Each citation: authority, kind, date, page/paragraph, the report's own words, and a link."""
    if result.citations:
        console.print()
        console.print("[bold]Sources[/bold]")
    for c in result.citations:
        p = c.passage
        console.print(
            text_rules.printable(f"[{c.n}] " + " · ".join(source_parts(p))),
            style="bold",
            highlight=False,
            markup=False,
        )
        if c.from_metadata:
            said = text_rules.printable(c.quote)
            console.print(f"    {said} (Ofsted's published metadata, not a quotation)", style="dim", markup=False)
        else:
            console.print(f"    “{text_rules.printable(c.quote)}”", style="italic", highlight=False, markup=False)
        console.print(f"    {text_rules.printable(p.url or p.source)}", style="dim", highlight=False, markup=False)


_VERDICT_STYLE = {"supported": "bold green", "contradicted": "bold red", "not_found": "bold yellow"}


def claim_checks(console: Console, report: CheckReport) -> None:
    """Each claim, its verdict, why, and the report's own words."""
    if not report.claims:
        console.print("No claims to check: write a sentence that says something about an authority.")
    for number, item in enumerate(report.claims, start=1):
        console.print(f"{number}. {text_rules.printable(item.claim)}", markup=False, highlight=False)
        console.print(f"   {item.verdict.replace('_', ' ')}", style=_VERDICT_STYLE[item.verdict], end="")
        console.print(f" — {text_rules.printable(item.explanation)}", markup=False, highlight=False)
        for c in item.citations:
            p = c.passage
            console.print(
                text_rules.printable(f"   [{c.n}] " + " · ".join([*source_parts(p), p.url or p.source])),
                style="dim",
                markup=False,
                highlight=False,
            )
    for note in report.notes:
        console.print(text_rules.printable(note), style="yellow", markup=False, highlight=False)
    if report.claims:
        judged = "the rules alone" if report.judged_by == "rules" else f"the rules, then {report.judged_by}"
        console.print(f"Checked by {judged}.", style="dim", markup=False, highlight=False)
