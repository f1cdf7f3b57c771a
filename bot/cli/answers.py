"""`briefing ask / check / eval / brief`: answers, claim checks, measurements and briefs from the library."""

from __future__ import annotations

import json
import sys
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import app, console, date_option, errors, fail, model_loads, question_or_exit, settings_or_exit
from bot.services import INGEST_HINT, held_reports
from index.errors import BriefingError
from index.text import printable


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
    from bot.services import brief_asked
    from index.plan import Filters

    settings = settings_or_exit()
    asked = question_or_exit(question)
    filters = Filters(authorities=list(authority or []), since=date_option(since, "--since"))
    engine = create_engine(settings, create_library(settings))
    if (words := brief_asked(asked)) is not None:  # "brief me on X before Thursday": the brief, not a sentence
        _brief_reply(engine.retriever, words, as_json)
        return
    # A cold run's two slow steps at once: the model loads (C code, GIL released) while the library
    # opens and warms. A question the records answer does not use it, but waits for the load to end
    # rather than exit with llama.cpp half-way through loading.
    loading = engine.preload() if not no_llm else None
    try:
        result = _answer(engine, asked, filters, no_llm=no_llm, as_json=as_json, loading=loading)
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
    if result.status == "no_evidence" and not engine.retriever.authorities():
        errors.print(INGEST_HINT, highlight=False)


def _brief_reply(retriever, words: str, as_json: bool) -> None:
    """A brief asked for in a question: on screen its summary, the whole brief one command away."""
    from bot.render import document
    from bot.services import BRIEF_WHAT, brief_from_words, brief_summary

    if not words:
        fail(BRIEF_WHAT)
    try:
        briefing = brief_from_words(retriever, words)
    except BriefingError as err:
        fail(str(err))
    if as_json:
        sys.stdout.write(json.dumps({"status": "brief", "brief": briefing.as_json()}, indent=2) + "\n")
        return
    sys.stdout.write(document.text(brief_summary(briefing)))
    topic = f' --topic "{briefing.topic}"' if briefing.topic else ""
    topic += f" --year {briefing.year}" if briefing.year else ""
    subject = f'"{briefing.authority}"' if briefing.authority else ""
    console.print(f"[dim]The whole brief (how it compares, questions to ask): briefing brief {subject}{topic}[/dim]")


def _answer(engine, asked: str, filters, *, no_llm: bool, as_json: bool, loading: threading.Thread | None = None):
    """Ask, streaming checked sentences to the terminal; the model is used only if the question needs it.

    While llama.cpp loads it points the process's stdout and stderr at /dev/null (llama-cpp-python's
    quiet mode), so a line printed then is lost: an answer from the records, ready at once, waits for
    the load to end before it is printed.
    """
    from bot.render.terminal import SentencePrinter

    use_llm = not no_llm and engine.needs_model(asked, filters)
    if use_llm:
        engine.retriever.warm()
    use_llm = use_llm and model_loads(engine, "answering from the evidence only")
    try:
        with (
            nullcontext() if as_json else SentencePrinter(console, before=loading.join if loading else None) as printer
        ):
            return engine.ask(
                asked,
                filters=filters,
                use_llm=use_llm,
                on_sentence=printer,
                on_notes=printer.notes if printer else None,
            )
    except BriefingError as err:
        fail(str(err))
        raise  # fail always exits; this line only tells type checkers so


@app.command()
def check(
    claim: Annotated[str, typer.Argument(help="A sentence or paragraph to check, e.g. from a board paper.")],
    authority: Annotated[list[str] | None, typer.Option("--authority", "-a", help="Only this authority.")] = None,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="The rules alone: no judge model reads the supported claims.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check claims against the reports: supported, contradicted (with what the report says) or not found."""
    from bot.app import create_engine, create_library
    from bot.render.terminal import claim_checks
    from index.plan import Filters

    settings = settings_or_exit()
    claim = question_or_exit(claim, 'briefing check "Lancashire was judged good in 2023."')
    try:
        report = create_engine(settings, create_library(settings)).check(
            claim, Filters(authorities=list(authority or [])), use_judge=not no_llm
        )
    except BriefingError as err:
        fail(str(err))
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), indent=2) + "\n")
    else:
        claim_checks(console, report)


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
    from bot.services import answer_as_seen

    settings = settings_or_exit()
    items: list[dict] = []
    for path in questions:
        try:
            items += load_questions(path)
        except OSError as err:
            fail(f"{path}: {err.strerror}")
    engine = create_engine(settings, create_library(settings))
    outcomes, summary = run(lambda question: answer_as_seen(engine, question, use_llm=not no_llm), items)
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
    year: Annotated[int | None, typer.Option(help="Brief on that year's report rather than the latest.")] = None,
) -> None:
    """A one-page, cited pre-meeting brief on an authority (or a theme across authorities)."""
    from bot.app import create_engine, create_library
    from bot.engine.brief import build_brief
    from bot.engine.brief_compare import neighbours_brief
    from bot.render import document

    if fmt not in {"md", "json", "docx", "text"}:
        fail(f"--format: {fmt!r} is not one of md, json, docx, text")
    if fmt == "docx" and out is None:
        fail("--format docx needs --out FILE.docx")
    settings = settings_or_exit()
    library = create_library(settings)
    engine = None if no_llm or neighbours else create_engine(settings, library)
    if engine is not None and not model_loads(engine, "the brief quotes the reports instead"):
        engine = None
    try:
        with console.status("building the brief…") as status:
            if neighbours:
                briefing = neighbours_brief(library.retriever, neighbours, topic)
            else:
                briefing = build_brief(
                    library.retriever,
                    held_reports(library.retriever),
                    authority,
                    topic,
                    engine=engine,
                    on_section=lambda title: status.update(f"building the brief… {title} done"),
                    years={year} if year else None,
                )
    except BriefingError as err:
        fail(str(err))
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
