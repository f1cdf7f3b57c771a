"""`briefing`: the one command that reaches every capability.

Each module registers its commands on the one Typer app in `common`: `library` (what goes in and
what is held), `answers` (ask, check, eval, brief), `serve` (the REPL, Slack, the model, doctor),
`sync` (sync, changes: the library kept current).
"""

from __future__ import annotations

import os
import sys

from bot.cli import answers, library, serve, sync  # noqa: F401 - each registers its commands on `app`
from bot.cli.common import app, errors
from bot.render import safe
from index.errors import BriefingError


def main() -> None:
    """Console-script entry point: errors we expect become one line, not a traceback."""
    try:
        app()
    except BriefingError as err:
        errors.print(f"[red]error:[/red] {safe(err)}", highlight=False)
        sys.exit(1)
    except Exception as err:
        # From the environment, not Settings: the error may be that the settings themselves are broken.
        if os.environ.get("BRIEFING_DEBUG", "").lower() in ("1", "true", "yes"):
            raise
        errors.print(
            f"[red]error:[/red] unexpected {type(err).__name__}: {safe(err)} (BRIEFING_DEBUG=1 shows the traceback)",
            highlight=False,
        )
        sys.exit(1)
