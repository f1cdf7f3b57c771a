"""Slack under faults and hostile input, through the real Bolt app and the Slack stand-in.

Each case here failed before issue 14's fixes: the worker died, an answer was lost or held up, or a
surface let someone past the allowlists.
"""

import json
import threading
import urllib.parse

import pytest

import bot.slack.worker as slack_module
from bot.engine.answer import AnswerEngine
from tests.fixtures.library import engine_over
from tests.fixtures.slack import audit_lines, event_body, mention, post, serve_bot

QUESTION = "strategy discussions in Lancashire"


class GatedEngine:
    """The real engine, whose answers wait until the test opens the gate: a busy worker on demand."""

    def __init__(self, engine: AnswerEngine) -> None:
        self.engine = engine
        self.entered = threading.Event()
        self.gate = threading.Event()

    def ask(self, *args, **kwargs):
        self.entered.set()
        assert self.gate.wait(60)
        return self.engine.ask(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.engine, name)


def _texts(standin, method: str) -> list[str]:
    return [str(body.get("text", "")) for body in standin.named(method)]


def _action(action_id: str, value: str, *, channel: str, message_ts: str, user_team: str = "T1") -> str:
    action = {
        "type": "block_actions",
        "user": {"id": "U1", "team_id": user_team},
        "channel": {"id": channel},
        "team": {"id": "T1"},
        "container": {"message_ts": message_ts},
        "message": {"ts": message_ts},
        "trigger_id": "t",
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
    }
    return "payload=" + urllib.parse.quote(json.dumps(action))


def _command(command: str, text: str, channel: str) -> str:
    fields = {
        "command": command,
        "text": text,
        "channel_id": channel,
        "user_id": "U1",
        "team_id": "T1",
        "trigger_id": "t",
        "response_url": "http://127.0.0.1:9/unused",
    }
    return urllib.parse.urlencode(fields)


# --- the worker cannot die, and nothing non-essential costs an answer ------------------------------


def test_a_failed_audit_write_costs_neither_the_answer_nor_the_worker(slack):
    standin, bot, url, governance = slack
    governance.audit_path.mkdir()  # every append now fails, as on a full or read-only volume
    for i in range(2):
        post(url, mention(QUESTION, ts=f"7.{i}", event_id=f"EvAudit{i}"))
        assert standin.wait_for(lambda n=i + 1: len(standin.final_answers()) == n)
    assert not any("error id" in text for text in _texts(standin, "chat.update"))
    assert bot.metrics.counts["briefing_audit_errors_total"] == 2
    assert bot.health()["ok"] and bot.health()["worker"] in ("idle", "busy")


def test_the_worker_survives_an_error_outside_any_job(slack):
    standin, bot, url, _ = slack
    real_get, failed = bot.queue.get, threading.Event()

    def get_that_fails_once(timeout=None):
        if not failed.is_set():
            failed.set()
            raise RuntimeError("queue broke")
        return real_get(timeout)

    bot.queue.get = get_that_fails_once
    assert failed.wait(30)  # the idle worker polls, so it meets the fault without any question
    post(url, mention(QUESTION, event_id="EvSurvive"))
    assert standin.wait_for(lambda: standin.final_answers())
    assert bot.health()["ok"]


def test_health_says_so_when_the_worker_is_gone(slack):
    _, bot, _, _ = slack
    gone = threading.Thread(target=lambda: None)
    gone.start()
    gone.join()
    bot.worker.loop = gone
    health = bot.health()
    assert health == {**health, "ok": False, "worker": "dead", "queue": 0}


def test_rate_limited_drafts_are_skipped_and_the_answer_still_lands(slack):
    standin, bot, url, _ = slack
    standin.rate_limit_when = lambda method, body: method == "chat.update" and str(body.get("text", "")).endswith("…")
    post(url, mention(QUESTION, event_id="EvDraft429"))
    assert standin.wait_for(lambda: standin.final_answers())
    limited = [json.dumps(body, sort_keys=True) for name, body in standin.calls if name == "chat.update:429"]
    assert limited  # a draft was tried, answered 429 ...
    assert len(limited) == len(set(limited))  # ... and never retried inside the worker
    assert bot.metrics.counts["briefing_draft_updates_skipped_total"] == len(limited)
    assert not any("error id" in text for text in _texts(standin, "chat.update"))


def test_a_job_past_its_deadline_gets_an_apology_and_the_next_one_an_answer(slack, monkeypatch):
    standin, bot, url, _ = slack
    monkeypatch.setattr(slack_module, "JOB_DEADLINE", -1.0)  # every job is already late at its first sentence
    post(url, mention(QUESTION, ts="6.1", event_id="EvSlow"))
    assert standin.wait_for(lambda: any("took too long" in text for text in _texts(standin, "chat.update")))
    monkeypatch.setattr(slack_module, "JOB_DEADLINE", 180.0)
    post(url, mention(QUESTION, ts="6.2", event_id="EvOnTime"))
    assert standin.wait_for(lambda: standin.final_answers())


def test_assistant_title_and_status_without_their_scope_still_get_an_answer(slack):
    standin, _, url, _ = slack
    standin.errors.update(
        {"assistant.threads.setTitle": "missing_scope", "assistant.threads.setStatus": "missing_scope"}
    )
    reply = {
        "type": "message",
        "user": "U1",
        "channel": "D9",
        "channel_type": "im",
        "ts": "3.2",
        "thread_ts": "3.1",
        "event_ts": "3.2",
        "text": QUESTION,
    }
    post(url, event_body(reply, "EvScope"))
    assert standin.wait_for(lambda: standin.final_answers(), timeout=30)


# --- no one user, and no one question, can crowd the others out -------------------------------


def test_one_user_cannot_fill_the_queue(small_library, tmp_path):
    engine = GatedEngine(engine_over(small_library.retriever, None))
    served = serve_bot(engine, tmp_path)
    standin, bot, url, _ = next(served)
    try:
        post(url, mention(QUESTION, ts="8.0", event_id="EvCap0"))
        assert engine.entered.wait(30)  # the worker is busy with the first question
        for i in range(1, 6):
            post(url, mention(f"care leavers in St Helens {i}", ts=f"8.{i}", event_id=f"EvCap{i}"))
        too_many = lambda: [t for t in _texts(standin, "chat.update") if "already have" in t]  # noqa: E731
        assert standin.wait_for(lambda: bot.queue.pending() == 3 and len(too_many()) == 2)
        assert bot.health()["queue"] == 3 and bot.health()["worker"] == "busy"
        engine.gate.set()
        assert standin.wait_for(lambda: len(standin.final_answers()) == 4)
    finally:
        engine.gate.set()
        next(served, None)


def test_an_overlong_question_gets_one_clear_line_and_no_search(slack):
    standin, bot, url, _ = slack
    post(url, mention("care leavers " * 200, event_id="EvLong"))
    assert standin.wait_for(lambda: any("characters long" in t for t in _texts(standin, "chat.postMessage")))
    assert bot.queue.pending() == 0 and not standin.named("chat.update")


def test_an_overlong_slash_command_is_refused_in_its_ack(slack):
    standin, bot, url, _ = slack
    response, _ = post(url, _command("/check", "St Helens " * 300, "CGOOD"), form=True)
    assert "characters long" in response.text
    assert bot.queue.pending() == 0


# --- the allowlists hold on every surface ---------------------------------------------------


def test_a_channel_list_without_dm_refuses_direct_messages(slack):
    standin, bot, url, governance = slack
    governance.channels = {"CGOOD"}
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "ts": "5.1", "text": QUESTION}
    post(url, event_body(dm, "EvDM"))
    assert standin.wait_for(lambda: any("not enabled" in t for t in _texts(standin, "chat.postMessage")))
    assert not standin.final_answers() and bot.metrics.counts["briefing_refused_total"] == 1


def test_a_guest_workspace_in_a_shared_channel_is_refused(slack):
    standin, bot, url, governance = slack
    governance.teams = {"T1"}  # the envelope says T1, the host; the asker's own workspace is TGUEST
    guest = json.loads(json.dumps(mention(QUESTION, ts="4.1", event_id="EvGuest")))
    guest["event"]["user_team"] = "TGUEST"
    post(url, guest)
    assert standin.wait_for(lambda: any("not enabled" in t for t in _texts(standin, "chat.postMessage")))
    member = mention(QUESTION, ts="4.2", event_id="EvMember")
    member["event"]["user_team"] = "T1"
    post(url, member)
    assert standin.wait_for(lambda: standin.final_answers())
    assert len(standin.final_answers()) == 1


def test_a_slash_command_from_a_channel_not_allowed_is_refused_in_its_ack(slack):
    standin, bot, url, _ = slack
    response, _ = post(url, _command("/brief", "Tameside", "CBAD"), form=True)
    assert response.status_code == 200 and "not enabled" in response.text and "Preparing" not in response.text
    assert bot.queue.pending() == 0 and bot.metrics.counts["briefing_refused_total"] == 1


def test_feedback_from_a_channel_not_allowed_is_not_recorded(slack):
    standin, bot, url, governance = slack
    post(url, mention(QUESTION, event_id="EvFB2"))
    assert standin.wait_for(lambda: standin.final_answers())
    answer_ts = standin.final_answers()[0]["ts"]
    assert standin.wait_for(lambda: audit_lines(governance))  # the answer's own line
    post(url, _action("feedback_unhelpful", "unhelpful", channel="CBAD", message_ts=answer_ts), form=True)
    assert standin.wait_for(lambda: bot.metrics.counts.get("briefing_refused_total") == 1)
    assert not [e for e in audit_lines(governance) if e.get("kind") == "feedback"]


def test_an_assistant_thread_where_the_bot_is_not_allowed_gets_no_prompts(slack):
    standin, bot, url, governance = slack
    governance.channels = {"CGOOD"}
    started = {
        "type": "assistant_thread_started",
        "event_ts": "1.0",
        "assistant_thread": {"user_id": "U1", "channel_id": "D9", "thread_ts": "1.1", "context": {}},
    }
    post(url, event_body(started, "EvA9"))
    assert standin.wait_for(lambda: any("not enabled" in t for t in _texts(standin, "chat.postMessage")), timeout=30)
    assert not standin.named("assistant.threads.setSuggestedPrompts")


@pytest.fixture
def slack(small_library, tmp_path):
    engine = engine_over(small_library.retriever, None)  # evidence-only answers: fast and exact
    yield from serve_bot(engine, tmp_path)


# --- going down -----------------------------------------------------------------------------


def test_shutdown_tells_everyone_waiting_to_ask_again(small_library, tmp_path):
    engine = GatedEngine(engine_over(small_library.retriever, None))
    served = serve_bot(engine, tmp_path)
    standin, bot, url, _ = next(served)
    try:
        post(url, mention(QUESTION, ts="9.0", user="U1", event_id="EvDown0"))
        assert engine.entered.wait(30)  # one question being answered ...
        for i in (1, 2):  # ... and two waiting
            post(url, mention(f"care leavers in St Helens {i}", ts=f"9.{i}", user=f"U{i + 1}", event_id=f"EvDown{i}"))
        assert standin.wait_for(lambda: bot.queue.pending() == 2)
        assert bot.shutdown() == 3
        restarted = {b["ts"] for b in standin.named("chat.update") if "restarted" in str(b.get("text", ""))}
        assert len(restarted) == 3  # each placeholder, the one being answered and the two waiting
        assert bot.queue.pending() == 0
    finally:
        engine.gate.set()
        next(served, None)


def test_sigterm_stops_the_http_bot_cleanly(small_library_dir, small_model, tmp_path):
    import os
    import shutil
    import socket
    import subprocess
    import sys

    import httpx

    from tests.fixtures.slack_standin import SlackStandIn

    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    standin = SlackStandIn()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "BRIEFING_DATA_DIR": str(data),
        "BRIEFING_MODEL_PATH": str(small_model),  # the bot runs its model once before taking questions
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "BRIEFING_SLACK_API_URL": standin.url,
    }
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "slack", "--http", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json()["ok"]
            except (httpx.HTTPError, ValueError, KeyError):
                return False

        assert standin.wait_for(healthy, timeout=120)
        bot.terminate()  # SIGTERM, as docker stop and systemd send
        _, err = bot.communicate(timeout=60)
        assert bot.returncode == 0 and "stopped; 0 unanswered" in err and "Traceback" not in err
    finally:
        if bot.poll() is None:
            bot.kill()
        standin.close()
