"""The `briefing` command as a user runs it."""

import json
import os
import subprocess
import sys

from tests.fixtures.library import LETTER, OFSTED, briefing

BRIEFING = [sys.executable, "-m", "bot.cli"]


def run(*args, env=None, check=False):
    return subprocess.run([*BRIEFING, *args], capture_output=True, text=True, env=env, check=check)


def test_inspect_json_has_the_promised_fields():
    out = run(
        "inspect", str(OFSTED / "st-helens" / "2023-09-04-childrens-services-inspection.pdf"), "--json", check=True
    )
    record = json.loads(out.stdout)
    for field in [
        "source",
        "kind",
        "title",
        "local_authority",
        "inspection_start_date",
        "inspection_end_date",
        "lead_inspector",
        "judgements",
        "improvements",
        "sections",
        "paragraphs",
    ]:
        assert field in record
    assert record["inspection_start_date"] == "2023-07-10"
    assert record["judgements"]["care_leavers"] == "outstanding"
    assert {"number", "page", "text"} <= set(record["paragraphs"][5])


def test_inspect_readable_summary():
    out = run("inspect", str(LETTER), check=True)
    assert "monitoring visit" in out.stdout and "22 March 2018" in out.stdout


def test_inspect_unreadable_file_is_one_line_on_stderr_and_nonzero():
    out = run("inspect", str(OFSTED / "bromley" / "2012-08-17-childrens-services-inspection.pdf"))
    assert out.returncode != 0
    assert len(out.stderr.strip().splitlines()) == 1 and "bromley" in out.stderr and "Traceback" not in out.stderr


def test_config_masks_secrets(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("BRIEFING_CHROMA_URL", "http://chroma:8000")
    out = run("config", check=True)
    assert "xoxb-very-secret" not in out.stdout and "slack_bot_token" in out.stdout
    assert "http://chroma:8000" in out.stdout


def test_empty_question_is_one_clear_line(tmp_path):
    env = {**__import__("os").environ, "BRIEFING_DATA_DIR": str(tmp_path / "data")}
    for command in (["ask", "  ?? "], ["search", ""]):
        out = run(*command, env=env)
        assert out.returncode == 1 and "question is empty" in out.stderr and "Traceback" not in out.stderr


def test_library_lists_what_it_lacks_and_compares_an_authority(small_library_dir):
    env = {"BRIEFING_DATA_DIR": str(small_library_dir), "COLUMNS": "200"}
    listing = briefing("library", env=env)
    assert "Not in the library: 150 of England's 153 children's services authorities" in " ".join(listing.split())
    rows = json.loads(briefing("library", "--compare", "Sefton", "--json", env=env))
    assert rows[0] == {
        "authority": "Sefton", "relation": "itself", "report": None, "kind": None, "date": None,
        "judgements": dict.fromkeys(
            ["overall_effectiveness", "impact_of_leaders", "help_and_protection", "children_in_care", "care_leavers"]
        ),
    }  # fmt: skip
    st_helens = next(r for r in rows if r["authority"] == "St Helens")
    assert st_helens["relation"] == "statistical neighbour" and st_helens["judgements"]["care_leavers"] == "outstanding"
    grid = briefing("library", "--compare", "st helen's", env=env)
    assert "St Helens compared" in grid and "outstanding" in grid
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "library", "--compare", "Narnia"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0 and "Narnia" in bad.stderr


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "BRIEFING_DATA_DIR": str(tmp_path / "data"), "BRIEFING_PROMPT_BUDGET_TOKENS": "ten"}
    command = [sys.executable, "-m", "bot.cli", "ask", "care leavers"]
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: BRIEFING_PROMPT_BUDGET_TOKENS: Input should be a valid integer, unable to parse string as an integer "
        "(got 'ten'; see `briefing config` for every setting)"
    ]


def test_a_reader_memory_cap_too_small_for_a_report_is_refused(tmp_path):
    import pydantic
    import pytest

    from bot.settings import Settings

    with pytest.raises(pydantic.ValidationError, match="ingest_file_memory_mb"):
        Settings(data_dir=tmp_path, ingest_file_memory_mb=50, _env_file=None)  # every PDF would be skipped
    assert Settings(data_dir=tmp_path, ingest_file_memory_mb=0, _env_file=None).ingest_file_memory_mb == 0
    assert Settings(data_dir=tmp_path, _env_file=None).ingest_file_memory_mb == 1024


def test_an_unexpected_error_is_one_line_and_the_debug_setting_shows_the_traceback(monkeypatch, capsys):
    """A bug we did not foresee still ends in one line; BRIEFING_DEBUG=1 brings the traceback back."""
    import pytest

    import bot.cli as cli

    def broken() -> None:
        raise KeyError("passages")

    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.delenv("BRIEFING_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    err = capsys.readouterr().err
    assert exited.value.code == 1 and "unexpected KeyError" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "BRIEFING_DEBUG=1" in err
    monkeypatch.setenv("BRIEFING_DEBUG", "1")
    with pytest.raises(KeyError):
        cli.main()


def test_the_slack_token_only_travels_over_tls_and_passwords_in_urls_are_never_printed(tmp_path):
    env = {**os.environ, "BRIEFING_DATA_DIR": str(tmp_path), "BRIEFING_SLACK_API_URL": "http://slack.example/api/"}
    out = run("config", env=env)
    assert out.returncode == 1 and "BRIEFING_SLACK_API_URL" in out.stderr and "https://" in out.stderr
    assert "Traceback" not in out.stderr
    env["BRIEFING_SLACK_API_URL"] = "http://127.0.0.1:9999/api/"  # a stand-in on this machine is fine
    env["BRIEFING_LLM_URL"] = "http://bot:hunter2@models.internal:8080/v1"
    env["BRIEFING_CHROMA_URL"] = "https://svc:s3cret@chroma.internal"
    out = run("config", env=env)
    assert out.returncode == 0, out.stderr
    assert "hunter2" not in out.stdout and "s3cret" not in out.stdout
    assert "http://bot:****@models.internal:8080/v1" in out.stdout and "https://svc:****@chroma.internal" in out.stdout


def test_one_writer_or_many_readers_per_library(tmp_path):
    """The library lock as a user meets it: an ingest beside a reader, a search beside an ingest, one line each."""
    from index.store import LibraryLock

    data = tmp_path / "data"
    env = {**os.environ, "BRIEFING_DATA_DIR": str(data)}
    briefing = [sys.executable, "-m", "bot.cli"]
    readers = [LibraryLock(data / "chroma", writer=False) for _ in range(2)]  # readers share
    out = subprocess.run([*briefing, "ingest", str(LETTER)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1 and "in use by another process" in out.stderr and "Traceback" not in out.stderr
    for reader in readers:
        reader.release()
    writer = LibraryLock(data / "chroma", writer=True)
    out = subprocess.run([*briefing, "search", "strategy"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1 and "an ingest is writing the library" in out.stderr and "Traceback" not in out.stderr
    writer.release()
    out = subprocess.run([*briefing, "ingest", str(LETTER)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr


def test_a_brief_asked_for_in_a_question_is_the_brief_summary_with_the_whole_one_command_away(small_library_dir):
    env = {"BRIEFING_DATA_DIR": str(small_library_dir), "COLUMNS": "200"}
    out = briefing("ask", "--no-llm", "Brief me on St Helens before Thursday's meeting", env=env)
    assert "Briefing: St Helens" in out and "At a glance" in out and "Concerns" in out
    assert "nothing on Thursday" not in out and 'briefing brief "St Helens"' in out
    topic = briefing("ask", "--no-llm", "give me a quick brief on st helens's care leavers", env=env)
    assert "Briefing: St Helens — care leavers" in topic and '--topic "care leavers"' in topic
