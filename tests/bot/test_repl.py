"""The REPL driven as a person would, in a pseudo-terminal, with the real 0.5B model."""

import io
import os
import re
import sys

import pexpect
import pytest


def _spawn(data_dir, *args):
    env = {
        **os.environ,
        "BRIEFING_DATA_DIR": str(data_dir),
        "BRIEFING_MODEL": "small",
        "TERM": "xterm",
        "COLUMNS": "120",
        "LINES": "40",
    }
    return pexpect.spawn(
        sys.executable, ["-m", "bot.cli", "repl", *args], env=env, encoding="utf-8", timeout=240, dimensions=(40, 120)
    )


def _piped(data_dir, typed: str):
    """The REPL with its input piped (plain mode, no model), as a script or another program would run it."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "repl", "--no-llm"],
        env={**os.environ, "BRIEFING_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        input=typed,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out


@pytest.mark.slow
def test_question_follow_up_sources_open_interrupt_and_quit(small_library_dir, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    child = _spawn(data)
    transcript = io.StringIO()
    child.logfile_read = transcript
    child.expect("briefing")
    child.expect("›")
    start = len(transcript.getvalue())
    child.sendline("How were care leavers in St Helens judged in 2023?")
    child.expect(r"\[1\] St Helens|library has nothing")
    child.expect("›")
    first = transcript.getvalue()[start:]
    child.sendline("/sources")
    child.expect("Sources|library has nothing|no answer yet")
    child.expect("›")
    sources = child.before
    child.sendline("/open 1")
    child.expect(r"page \d+|no source \[1\]")
    child.expect("›")
    child.sendline("and what needs to improve there?")
    child.expect(r"\[1\] St Helens|library has nothing|\[1\] [A-Z]")
    child.expect("›")
    child.sendline("What did Ofsted say about strategy discussions in Lancashire?")
    child.expect("searching|loading|\r\n")  # the answer has started streaming
    child.sendintr()
    child.expect("stopped|›")
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    raw = transcript.getvalue()
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
    print(screen)  # captured for the closing note
    # Nothing unchecked is shown: there is no draft to dim and replace, only checked sentences.
    assert "checked against the reports" not in screen
    for answer_text in re.findall(r"\x1b\[2m([^\x1b]*)", raw):
        assert not re.search(r"[a-z]{3,}\.\s", answer_text) or answer_text.lstrip().startswith("[")
    assert "St Helens" in first
    if "Sources" in screen:  # the answer kept citations: /sources and /open show them
        assert "[1]" in sources and re.search(r"page \d+", screen)
    assert screen.count("›") >= 5  # the session survived every step, Ctrl-C included


def test_plain_mode_when_piped(small_library_dir, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    out = _piped(data, "strategy discussions in Lancashire\n/sources\n/open 1\n/brief St Helens\n/quit\n")
    assert "\x1b[" not in out.stdout  # no terminal codes when piped
    assert "Lancashire" in out.stdout and "[1]" in out.stdout and "page" in out.stdout
    assert "Briefing: St Helens" in out.stdout and "What Ofsted asked to improve" in out.stdout


def test_compare_and_library_coverage_in_the_repl(small_library_dir, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    out = _piped(data, "/authority St Helens\n/compare\n/compare Narnia\n/library\n/quit\n")
    assert "St Helens compared" in out.stdout and "Halton" in out.stdout and "Lancashire" in out.stdout
    assert "'Narnia' is not an English children's services authority" in out.stdout
    assert "150 of England's 153" in " ".join(out.stdout.split())


def test_empty_library_tells_the_user_how_to_ingest(tmp_path):
    import subprocess

    env = {**os.environ, "BRIEFING_DATA_DIR": str(tmp_path / "empty")}
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "repl", "--no-llm"],
        env=env,
        capture_output=True,
        text=True,
        input="anything about Kent?\n",
        timeout=120,
    )
    assert "briefing ingest" in out.stdout


def test_an_ambiguous_place_is_offered_as_numbered_choices(small_library, tmp_path):
    from tests.fixtures.library import add_two_sussexes

    add_two_sussexes(small_library, tmp_path / "drop")
    out = _piped(small_library.data_dir, "What did Ofsted say about fostering in Sussex?\n2\n/quit\n")
    assert "1. East Sussex" in out.stdout and "2. West Sussex" in out.stdout
    chosen = out.stdout.split("2. West Sussex", 1)[1]
    assert "What did Ofsted say about fostering in West Sussex?" in chosen
    assert "West Sussex (" in chosen and "East Sussex (" not in chosen


def test_an_overlong_question_and_an_unexpected_error_leave_the_session_running(
    small_library_dir, tmp_path, monkeypatch
):
    """One bad turn is one line; the next question is still answered (in process, input piped)."""
    import shutil

    import bot.repl as repl

    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    from bot.settings import Settings

    real_ask, calls = repl._ask, []

    def ask_that_breaks_once(question, *args):
        calls.append(question)
        if len(calls) == 1:
            raise KeyError("chunk")  # a bug we did not foresee, in the middle of an answer
        return real_ask(question, *args)

    monkeypatch.setattr(repl, "_ask", ask_that_breaks_once)
    out = io.StringIO()
    typed = "x" * 2500 + "\nstrategy discussions in Lancashire\nstrategy discussions in Lancashire\n/quit\n"
    repl.run(Settings(data_dir=data, _env_file=None), stdin=io.StringIO(typed), stdout=out, use_llm=False)
    shown = out.getvalue()
    assert "2,500 characters long" in shown and len(calls) == 2  # the long one never reached the engine
    assert "unexpected KeyError" in shown and "Traceback" not in shown
    assert "Lancashire" in shown.split("unexpected KeyError", 1)[1]  # the next question was answered


def test_a_brief_asked_for_in_the_repl_is_its_summary(small_library_dir, tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    out = _piped(data, "brief me on St Helens before Thursday's meeting\n/quit\n")
    assert "Briefing: St Helens" in out.stdout and "At a glance" in out.stdout
    assert "/brief St Helens" in out.stdout and "nothing on Thursday" not in out.stdout
