"""`briefing inspect / ingest / remove / library / search`: what goes into the library and what it holds."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import app, console, date_option, errors, fail, question_or_exit, settings_or_exit
from index.errors import BriefingError


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="A report: PDF, HTML or text.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full Report record as JSON.")] = False,
) -> None:
    """Show what the reader makes of one document."""
    from bot.render.terminal import report_summary
    from index.understand import read_report

    try:
        report = read_report(file)
    except BriefingError as err:
        fail(str(err))
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        report_summary(console, report)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders, read recursively.")],
    prune: Annotated[bool, typer.Option(help="Also drop reports whose files are gone.")] = False,
) -> None:
    """Add documents to the library (unchanged files are skipped; an interrupted run resumes)."""
    from bot.app import create_library, ingest_into
    from bot.render.terminal import ingest_progress, ingest_summary
    from index.load import find_documents

    settings = settings_or_exit()
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such file or folder")
    library = create_library(settings, writer=True)
    try:
        total = sum(1 for _ in find_documents(paths))
        with ingest_progress(console, total) as on_file:
            summary = ingest_into(settings, library, on_file, prune=prune)(paths)
    except KeyboardInterrupt:
        errors.print("interrupted: everything stored so far is kept; run the same command to carry on.")
        raise typer.Exit(130) from None
    except BriefingError as err:
        fail(str(err))
    ingest_summary(console, summary)
    if summary.skipped:
        raise typer.Exit(2)


@app.command()
def remove(paths: Annotated[list[str], typer.Argument(help="Source paths as ingested.")]) -> None:
    """Drop reports (and their passages) from the library."""
    from bot.app import create_library

    library = create_library(settings_or_exit(), writer=True)
    known = library.store.file_hashes()
    for source in paths:
        if source not in known:
            fail(f"{source}: not in the library (see `briefing library`)")
        removed = library.store.remove_report(source)
        console.print(f"removed {source} ({removed} passages)")


@app.command()
def library(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    compare: Annotated[
        str | None,
        typer.Option("--compare", help="An authority: its latest judgements beside its neighbours' and region's."),
    ] = None,
) -> None:
    """List the authorities, reports, dates and judgements the library holds (and which it lacks)."""
    from bot.app import create_library
    from bot.render.terminal import comparison_table, library_holdings
    from bot.services import compare_request

    try:
        library_ = create_library(settings_or_exit())
        if compare is not None:
            asked = compare_request(compare, library_.retriever)
            if asked.problem:
                fail(f"--compare: {asked.problem}")
            if as_json:
                sys.stdout.write(json.dumps([r.as_json() for r in asked.rows], indent=2) + "\n")
            else:
                comparison_table(console, asked.rows)
            return
        reports = library_.store.reports()
    except BriefingError as err:
        fail(str(err))
    if as_json:
        sys.stdout.write(json.dumps(reports, indent=2) + "\n")
    else:
        library_holdings(console, reports)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="A question or keywords.")],
    authority: Annotated[list[str] | None, typer.Option("--authority", "-a", help="Only this authority.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. 'ILACS inspection'.")] = None,
    since: Annotated[str | None, typer.Option(help="Reports dated on or after (YYYY-MM-DD or YYYY).")] = None,
    until: Annotated[str | None, typer.Option(help="Reports dated on or before.")] = None,
    k: Annotated[int, typer.Option("-k", help="How many passages.")] = 8,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Find the passages that answer a question (hybrid lexical + semantic search)."""
    from bot.app import create_library
    from bot.render.terminal import search_results
    from index.plan import Filters

    filters = Filters(
        authorities=list(authority or []),
        kind=kind,
        since=date_option(since, "--since"),
        until=date_option(until, "--until"),
    )
    try:
        result = create_library(settings_or_exit()).retriever.search(question_or_exit(query), filters, k)
    except BriefingError as err:
        fail(str(err))
    if as_json:
        payload = {
            "query": result.plan.query,
            "filters": result.plan.filters.as_dict(),
            "plan": result.plan.as_dict(),
            "results": [
                {
                    "rank": rank,
                    "score": round(hit.score, 6),
                    "source": hit.passage.source,
                    "title": hit.passage.title,
                    "kind": hit.passage.kind,
                    "local_authority": hit.passage.local_authority,
                    "date": hit.passage.date,
                    "page": hit.passage.page,
                    "paragraph": hit.passage.paragraph,
                    "section": hit.passage.section,
                    "text": hit.passage.text,
                    "url": hit.passage.url,
                }
                for rank, hit in enumerate(result.hits, start=1)
            ],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        search_results(console, result)
