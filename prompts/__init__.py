"""Prompt templates, kept as text files so a reader can see exactly what the model is shown."""

from __future__ import annotations

import string
from functools import cache
from importlib import resources


class PromptError(KeyError):
    """A template is missing or was not given every value it needs."""


@cache
def template(name: str) -> str:
    """The raw text of prompts/<name>.txt."""
    try:
        return resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise PromptError(f"no prompt template named {name!r} in prompts/") from err


def render(name: str, **values: str) -> str:
    """Fill a template; a missing value is an error that names it, never a silent gap."""
    text = template(name)
    needed = {field for _, field, _, _ in string.Formatter().parse(text) if field}
    missing = needed - values.keys()
    if missing:
        raise PromptError(f"prompt {name!r} needs {', '.join(sorted(missing))}")
    return text.format(**{k: v for k, v in values.items() if k in needed})
