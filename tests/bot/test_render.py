"""Hostile document text is shown as text: no Rich markup, no terminal control sequences, no crash."""

import io

from rich.console import Console

from bot.engine.answer import Answer
from bot.evidence.citations import Citation
from bot.render.terminal import SentencePrinter, search_results, sources
from index.plan import Filters, QueryPlan
from index.retrieve import Hit, SearchResult
from tests.fixtures.passages import passage

HOSTILE = "[/bold] [link=http://evil.example]click[/link] \x1b]8;;http://evil.example\x07x\x1b]8;;\x07 \x1b[31mred\x07"


def _console():
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=200), out


def _passage():
    return passage(HOSTILE, source="r.txt", header="Kent", local_authority=HOSTILE, section=HOSTILE)


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


def test_sentences_run_on_in_a_paragraph_and_a_new_part_starts_a_line():
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)  # no status line: the text alone
    with SentencePrinter(console) as show:
        show("The grade was good [1].")
        show("Leaders know their services [1].")
        show("\nCare leavers are well supported [2].")
    assert out.getvalue().splitlines() == [
        "The grade was good [1]. Leaders know their services [1].",
        "Care leavers are well supported [2].",
    ]


def test_a_hostile_document_reaches_the_terminal_as_text_through_cat_v(tmp_path):
    """The CLI end to end, its output made visible as `cat -v` shows it: no escape, no bell, no crash."""
    import os
    import subprocess
    import sys

    from tests.fixtures.library import LETTER

    folder = tmp_path / "drop"
    folder.mkdir()
    # A real letter with hostile lines spliced into its findings: markup, an OSC 8 link, colour, bells.
    letter = LETTER.read_text().replace(
        "The locality teams hold timely strategy discussions",
        f"{HOSTILE} The locality teams hold timely strategy discussions",
    )
    (folder / "hostile.txt").write_text(letter)
    env = {**os.environ, "BRIEFING_DATA_DIR": str(tmp_path / "data"), "BRIEFING_INGEST_WORKERS": "0"}

    def through_cat_v(*args: str) -> str:
        cli = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        shown = subprocess.run(["cat", "-v"], stdin=cli.stdout, capture_output=True, text=True, timeout=300).stdout
        assert cli.wait(timeout=300) == 0, cli.stderr.read().decode()
        return shown

    through_cat_v("ingest", str(folder))
    found = through_cat_v("search", "strategy discussions in Lancashire")
    assert "strategy discussions" in found and "[/bold]" in found  # the passage, its markup as characters
    for shown in (found, through_cat_v("inspect", str(folder / "hostile.txt"))):
        assert "^[" not in shown and "^G" not in shown  # no escape sequence and no bell reached the terminal
        assert "Traceback" not in shown


def test_the_sentence_printer_waits_for_what_must_end_first_before_its_first_line():
    import io

    from rich.console import Console

    from bot.render.terminal import SentencePrinter

    out = io.StringIO()
    order: list[str] = []
    console = Console(file=out, width=200)
    with SentencePrinter(console, before=lambda: order.append(f"waited with {out.getvalue()!r} printed")) as printer:
        printer.notes(["A note."])
        printer("A checked sentence [1].")
    assert order == ["waited with '' printed"]  # once, before anything at all was printed
    assert "A note." in out.getvalue() and "A checked sentence [1]." in out.getvalue()
