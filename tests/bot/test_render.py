"""Hostile document text is shown as text: no Rich markup, no terminal control sequences, no crash."""

import io

from rich.console import Console

from bot.answer import Answer
from bot.citations import Citation
from bot.render.terminal import SentencePrinter, search_results, sources
from index.chunk import Passage
from index.retrieve import Filters, Hit, QueryPlan, SearchResult

HOSTILE = "[/bold] [link=http://evil.example]click[/link] \x1b]8;;http://evil.example\x07x\x1b]8;;\x07 \x1b[31mred\x07"


def _console():
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=200), out


def _passage():
    return Passage(
        id="p", source="r.txt", report_id="r", text=HOSTILE, header="Kent", local_authority=HOSTILE, section=HOSTILE
    )


def test_search_results_show_hostile_text_literally():
    console, out = _console()
    plan = QueryPlan("q", "q", Filters(), [], False, False, [])
    search_results(console, SearchResult(plan, [Hit(_passage(), 1.0)]))
    shown = out.getvalue()
    assert "[/bold]" in shown and "[link=http://evil.example]" in shown  # printed as the characters they are
    assert "\x1b]8" not in shown and "\x1b[31mred" not in shown and "\x07" not in shown


def test_answers_and_sources_strip_control_sequences():
    console, out = _console()
    with SentencePrinter(console) as show:
        show(f"Checked sentence {HOSTILE} [1].")
    sources(console, Answer("q", "answered", "x", [Citation(1, _passage(), HOSTILE)]))
    shown = out.getvalue()
    assert "\x1b]8" not in shown and "\x1b[31mred" not in shown and "\x07" not in shown
    assert "[/bold]" in shown
