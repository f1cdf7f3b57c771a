"""Stage 8, render: what a manager sees, in the terminal, in Slack, or as a document."""

from __future__ import annotations

from rich.markup import escape

from index.text import printable


def safe(value: object) -> str:
    """Document, model or user text made safe inside Rich markup: no markup, no control codes."""
    return escape(printable(str(value)))
