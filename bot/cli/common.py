"""What every `briefing` command shares: the Typer app, the consoles, settings and one-line errors."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console

from bot.render import safe
from bot.settings import Settings
from index.errors import BriefingError

app = typer.Typer(
    help="A private, cited briefing assistant over Ofsted children's services reports.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True, soft_wrap=True)


def settings_or_exit() -> Settings:
    """The settings, or one line naming the variable that is wrong (never a validation traceback)."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as err:
        first = err.errors()[0]
        name = "BRIEFING_" + "_".join(str(part) for part in first["loc"]).upper()
        fail(f"{name}: {first['msg']} (got {first.get('input')!r}; see `briefing config` for every setting)")
        raise  # fail always exits


def fail(message: str, code: int = 1) -> None:
    """One red line on stderr, then exit: how every command reports what it cannot do."""
    errors.print(f"[red]error:[/red] {safe(message)}", highlight=False)
    raise typer.Exit(code)


def question_or_exit(text: str, example: str = 'briefing ask "strategy discussions in Lancashire"') -> str:
    """A question must have words in it; anything else is one clear line, not a search for nothing.

    `example` is how the command at hand is used: `check` shows a claim, not a question.
    """
    from bot.engine.messages import question_problem

    problem = question_problem(text)
    if problem and problem.startswith("the question is empty"):
        fail(f"{problem}, e.g. {example}")
    if problem:
        fail(problem)
    return text.strip()


def model_loads(engine, fallback: str) -> bool:
    """Load the model now; if it cannot be had, say so in one line and carry on without it."""
    try:
        _ = engine.llm
    except BriefingError as err:
        errors.print(f"[yellow]no model ({safe(err)}); {fallback}[/yellow]", highlight=False)
        return False
    return True


def date_option(value: str | None, option: str) -> date | None:
    """A --since/--until value as a date; a bad one is one line naming the option."""
    from bot.services import parse_date

    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError as err:
        fail(f"{option}: {err}")
    return None
