"""The real Bolt app over HTTP, against a local stand-in of Slack's Web API."""

import json
import threading

from bot.engine.answer import Answer
from bot.evidence.citations import Citation
from bot.slack.blocks import answer_blocks
from bot.slack.bot import SlackBot
from bot.slack.governance import Governance
from bot.slack.queue import FairQueue, Job
from index.chunk import Passage
from tests.fixtures.fakes import FakeLLM
from tests.fixtures.library import engine_over
from tests.fixtures.slack import (
    audit_lines,
    event_body,
    mention,
    post,
    reply,
    serve_bot,
    then_a_mention_is_answered,
)
from tests.fixtures.slack_standin import SlackStandIn


def test_mention_gets_placeholder_then_cited_answer_in_thread(slack):
    standin, bot, url, governance = slack
    response, seconds = post(url, mention("What did Ofsted say about strategy discussions in Lancashire?"))
    assert response.status_code == 200 and seconds < 3
    assert standin.wait_for(lambda: standin.final_answers())
    placeholder = standin.named("chat.postMessage")[0]
    assert placeholder["thread_ts"] == "1.1" and "Searching" in placeholder["text"]
    blocks = json.dumps(standin.final_answers()[0]["blocks"])
    assert "[1]" in blocks and "Lancashire" in blocks and "feedback_helpful" in blocks
    # The audit line is written after the answer is posted: wait for it rather than race it.
    assert standin.wait_for(lambda: audit_lines(governance) and audit_lines(governance)[-1]["kind"] == "answer")
    assert audit_lines(governance)[-1]["sources"]


def test_only_checked_sentences_ever_reach_slack(small_library, tmp_path):
    llm = FakeLLM()
    llm.enqueue(
        "St Helens care leavers were judged good in 2023 [1]. "
        "In 2023 the experiences and progress of care leavers in St Helens were judged outstanding [1]. "
        "The council also won a national award for its parks [2]."
    )
    engine = engine_over(small_library.retriever, lambda: llm)
    served = serve_bot(engine, tmp_path)
    standin, bot, url, _ = next(served)
    try:
        post(url, mention("How were care leavers in St Helens judged in 2023?"))
        assert standin.wait_for(lambda: standin.final_answers())
        shown = [call.get("text", "") for call in standin.named("chat.update") + standin.named("chat.postMessage")]
        print("\n".join(shown))  # the stand-in's transcript, for the closing note
        assert any("outstanding" in text for text in shown)
        assert not any("judged good" in text or "parks" in text for text in shown)  # never, not even as a draft
        final = json.dumps(standin.final_answers()[0]["blocks"])
        assert "The experiences and progress of care leavers Outstanding" in final  # the report's own words
    finally:
        next(served, None)


def test_direct_message_and_thread_follow_up_without_mention(slack):
    standin, bot, url, _ = slack
    dm = {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": "U1",
        "ts": "5.1",
        "text": "How were care leavers in St Helens judged in 2023?",
    }
    post(url, event_body(dm, "EvDM"))
    assert standin.wait_for(lambda: len(standin.final_answers()) == 1)
    post(url, mention("strategy discussions in Lancashire", ts="6.1", event_id="EvM"))
    assert standin.wait_for(lambda: len(standin.final_answers()) == 2)
    post(url, event_body(reply("and what about the MASH?", ts="6.5", thread_ts="6.1"), "EvF"))
    assert standin.wait_for(lambda: len(standin.final_answers()) == 3)
    post(url, event_body(reply("lunch?", ts="7.1", user="U2"), "EvU"))  # not in a thread, no mention
    then_a_mention_is_answered(standin, url, answers=4, ts="7.5")
    assert len(standin.named("chat.postMessage")) == 4  # the chatter got no placeholder


def test_retried_event_is_answered_once(slack):
    standin, bot, url, _ = slack
    payload = mention("private fostering in Lancashire", event_id="EvRetry")
    post(url, payload)
    post(url, payload, retry=1)
    post(url, payload, retry=2)
    assert standin.wait_for(lambda: standin.final_answers())
    then_a_mention_is_answered(standin, url, answers=2, ts="1.5")
    assert len(standin.named("chat.postMessage")) == 2  # one placeholder for the event and its retries


def test_forged_signature_is_rejected(slack):
    standin, bot, url, _ = slack
    response, _ = post(url, mention("anything"), secret="wrong-secret")
    assert response.status_code == 401  # refused before any listener runs: nothing can follow
    assert standin.named("chat.postMessage") == []


def test_disallowed_channel_is_politely_refused(slack):
    standin, bot, url, _ = slack
    post(url, mention("strategy discussions in Lancashire", channel="CBAD"))
    assert standin.wait_for(lambda: standin.named("chat.postMessage"))
    assert "not enabled" in standin.named("chat.postMessage")[0]["text"]
    assert standin.final_answers() == []


def test_brief_command(slack):
    standin, bot, url, _ = slack
    form = "command=%2Fbrief&text=Lancashire&user_id=U1&channel_id=CGOOD&team_id=T1&trigger_id=x&response_url=x"
    response, seconds = post(url, form, form=True)
    assert response.status_code == 200 and "Lancashire" in response.text and seconds < 3
    assert standin.wait_for(lambda: standin.named("chat.postMessage"))
    assert "Briefing: Lancashire" in standin.named("chat.postMessage")[0]["text"]


def test_compare_command_posts_grades_as_block_kit_fields(slack):
    standin, bot, url, governance = slack
    form = "command=%2Fcompare&text=st+helens&user_id=U1&channel_id=CGOOD&team_id=T1&trigger_id=x&response_url=x"
    response, seconds = post(url, form, form=True)
    assert response.status_code == 200 and seconds < 3
    assert standin.wait_for(lambda: standin.named("chat.postMessage"))
    blocks = standin.named("chat.postMessage")[0]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert blocks[0]["text"]["text"] == "St Helens compared"
    fields = [f["text"] for b in blocks if b["type"] == "section" for f in b["fields"]]
    assert len(fields) == 30 and all(len(b["fields"]) <= 10 for b in blocks if b["type"] == "section")
    assert fields[0].startswith("*St Helens*") and ":large_green_circle: outstanding" in fields[0]
    assert any(f.startswith("*Halton* · statistical neighbour") and "none in the library" in f for f in fields)
    assert standin.wait_for(lambda: any(entry.get("kind") == "compare" for entry in audit_lines(governance)))
    form = form.replace("st+helens", "Narnia")
    post(url, form, form=True)
    assert standin.wait_for(lambda: len(standin.named("chat.postMessage")) == 2)
    assert "not an English children's services authority" in standin.named("chat.postMessage")[1]["text"]


def test_rate_limited_call_is_retried(slack):
    standin, bot, url, _ = slack
    standin.rate_limit_once.add("chat.postMessage")
    post(url, mention("strategy discussions in Lancashire", event_id="EvRL"))
    assert standin.wait_for(lambda: standin.final_answers(), timeout=30)
    names = [name for name, _ in standin.calls]
    assert "chat.postMessage:429" in names and "chat.postMessage" in names


def test_three_concurrent_questions_are_queued_and_all_answered(slack):
    standin, bot, url, _ = slack
    for i, question in enumerate(
        ["strategy discussions in Lancashire", "care leavers in St Helens", "front door in North East Lincolnshire"]
    ):
        threading.Thread(
            target=post, args=(url, mention(question, ts=f"9.{i}", user=f"U{i}", event_id=f"EvQ{i}"))
        ).start()
    assert standin.wait_for(lambda: len(standin.final_answers()) == 3, timeout=60)


def test_documents_cannot_ping_or_forge_links():
    passage = Passage(
        id="x",
        source="evil.txt",
        report_id="r",
        header="h",
        local_authority="<!channel>",
        kind="news article",
        text="Hello <!channel> and <@U123> see <http://evil.example|Ofsted>",
        url="javascript:alert(1)",
    )
    answer = Answer(
        "q", "answered", "Read this <!here> <http://evil.example|the report> [1].", [Citation(1, passage, passage.text)]
    )
    text = json.dumps(answer_blocks(answer))
    assert "<!channel>" not in text and "<!here>" not in text and "<@U123>" not in text
    assert "<http://evil.example|" not in text and "javascript:" not in text.replace("&lt;", "")
    assert "&lt;!channel&gt;" in text


def test_fair_queue_serves_users_in_turn():
    queue = FairQueue()
    for i in range(3):
        queue.put(Job("greedy", "C", "", f"g{i}"))
    assert queue.put(Job("patient", "C", "", "p0")) == 1
    order = [queue.get(timeout=1).text for _ in range(4)]
    assert order == ["g0", "p0", "g1", "g2"]


def test_failure_posts_an_apology_with_an_error_id_and_bot_keeps_running(small_library, tmp_path):
    standin = SlackStandIn()

    class CrashesOnce(FakeLLM):
        def stream(self, messages, max_tokens):
            if not self.history:
                self.history.append(messages)
                raise RuntimeError("model crashed")
            yield from super().stream(messages, max_tokens)

    llm = CrashesOnce()
    llm.enqueue("Strategy discussions are held promptly in most cases [1].")
    engine = engine_over(small_library.retriever, lambda: llm)
    bot = SlackBot(engine, token="x", signing_secret=None, api_url=standin.url, governance=Governance())
    question = "<@UBOT> strategy discussions in Lancashire"
    bot.accept(
        {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.1", "text": question}, {"event_id": "E1"}
    )
    assert standin.wait_for(lambda: any("error id" in b.get("text", "") for b in standin.named("chat.update")))
    bot.accept(
        {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "2.1", "text": question}, {"event_id": "E2"}
    )
    assert standin.wait_for(lambda: standin.final_answers())
    standin.close()


def test_socket_mode_mention_is_acknowledged_and_answered(small_library):
    """Socket Mode against a local websocket stand-in: the envelope is acked, the answer posted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from websockets.sync.server import serve

    standin = SlackStandIn()
    acks: list[dict] = []
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": mention("strategy discussions in Lancashire", channel="C1", event_id="EvSock"),
    }

    def session(ws):
        ws.send(json.dumps({"type": "hello", "num_connections": 1}))
        ws.send(json.dumps(envelope))
        for message in ws:
            acks.append(json.loads(message))

    server = serve(session, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    standin.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/"
    bot = SlackBot(
        engine_over(small_library.retriever, None),
        token="xoxb-test",
        signing_secret=None,
        api_url=standin.url,
        governance=Governance(),
    )
    handler = SocketModeHandler(bot.app, app_token="xapp-test")
    handler.connect()
    try:
        assert standin.wait_for(lambda: any(a.get("envelope_id") == "env-1" for a in acks), timeout=20)
        assert standin.wait_for(lambda: standin.final_answers(), timeout=60)
        assert "Lancashire" in json.dumps(standin.final_answers()[0]["blocks"])
    finally:
        handler.close()
        server.shutdown()
        standin.close()


def test_feedback_is_recorded_with_question_and_sources(slack):
    standin, bot, url, governance = slack
    post(url, mention("strategy discussions in Lancashire", event_id="EvFB"))
    assert standin.wait_for(lambda: standin.final_answers())
    answer_ts = standin.final_answers()[0]["ts"]
    action = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "channel": {"id": "CGOOD"},
        "team": {"id": "T1"},
        "container": {"message_ts": answer_ts},
        "message": {"ts": answer_ts},
        "trigger_id": "t",
        "actions": [{"action_id": "feedback_helpful", "block_id": "feedback", "value": "helpful", "type": "button"}],
    }
    response, _ = post(url, "payload=" + __import__("urllib.parse").parse.quote(json.dumps(action)), form=True)
    assert response.status_code == 200
    assert standin.wait_for(lambda: any(e.get("kind") == "feedback" for e in audit_lines(governance)), timeout=10)
    feedback = [e for e in audit_lines(governance) if e.get("kind") == "feedback"][-1]
    assert feedback["rating"] == "helpful" and "strategy discussions" in feedback["question"] and feedback["sources"]


def test_assistant_thread_gets_prompts_status_title_and_answer(slack):
    standin, bot, url, _ = slack
    started = {
        "type": "assistant_thread_started",
        "event_ts": "1.0",
        "assistant_thread": {"user_id": "U1", "channel_id": "D9", "thread_ts": "1.1", "context": {}},
    }
    post(url, event_body(started, "EvA1"))
    assert standin.wait_for(lambda: standin.named("assistant.threads.setSuggestedPrompts"))
    question = {
        "type": "message",
        "user": "U1",
        "channel": "D9",
        "channel_type": "im",
        "ts": "1.2",
        "thread_ts": "1.1",
        "event_ts": "1.2",
        "text": "strategy discussions in Lancashire",
    }
    post(url, event_body(question, "EvA2"))
    assert standin.wait_for(lambda: standin.final_answers())
    assert standin.named("assistant.threads.setStatus") and standin.named("assistant.threads.setTitle")
    then_a_mention_is_answered(standin, url, answers=2, ts="1.5")  # the question was answered once


def test_check_in_a_mention_and_as_a_slash_command(slack):
    standin, bot, url, governance = slack
    post(url, mention("check: St Helens care leavers were judged good in 2023.", ts="9.1", event_id="EvC"))

    def verdict_posted(word):
        calls = standin.named("chat.update") + standin.named("chat.postMessage")
        return any(word in json.dumps(call.get("blocks") or "") for call in calls)

    assert standin.wait_for(lambda: verdict_posted("contradicted"))
    assert standin.wait_for(lambda: verdict_posted("Outstanding"))  # what the report actually says
    form = (
        "command=%2Fcheck&text=St+Helens+care+leavers+were+judged+outstanding+in+2023."
        "&user_id=U1&channel_id=CGOOD&team_id=T1&trigger_id=x&response_url=x"
    )
    response, seconds = post(url, form, form=True)
    assert response.status_code == 200 and seconds < 3
    assert standin.wait_for(lambda: verdict_posted("supported"))
    assert standin.wait_for(lambda: any(entry.get("kind") == "check" for entry in audit_lines(governance)))


def test_an_ambiguous_place_offers_buttons_and_a_click_answers_for_that_council(small_library, tmp_path):
    from urllib.parse import quote

    from tests.fixtures.library import add_two_sussexes, engine_over

    add_two_sussexes(small_library, tmp_path / "drop")
    served = serve_bot(engine_over(small_library.retriever, None), tmp_path)
    standin, bot, url, governance = next(served)
    post(url, mention("What did Ofsted say about fostering in Sussex?", ts="5.1", event_id="EvSx"))
    assert standin.wait_for(lambda: standin.final_answers())
    asked = standin.final_answers()[0]
    blocks = json.loads(asked["blocks"]) if isinstance(asked["blocks"], str) else asked["blocks"]
    (choices,) = [b for b in blocks if b.get("block_id") == "choose_place"]
    buttons = {e["text"]["text"]: e for e in choices["elements"]}
    assert set(buttons) == {"East Sussex", "West Sussex"}
    west = buttons["West Sussex"]
    action = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "channel": {"id": "CGOOD"},
        "team": {"id": "T1"},
        "container": {"message_ts": asked["ts"]},
        "message": {"ts": asked["ts"], "thread_ts": "5.1"},
        "trigger_id": "t",
        "actions": [{**west, "block_id": "choose_place", "type": "button"}],
    }
    response, _ = post(url, "payload=" + quote(json.dumps(action)), form=True)
    assert response.status_code == 200
    assert standin.wait_for(lambda: len(standin.final_answers()) == 2)
    answer = standin.final_answers()[1]
    assert "West Sussex" in answer["text"] and "East Sussex" not in answer["text"]
    next(served, None)


def test_a_brief_asked_for_in_a_mention_is_the_brief_in_its_thread(slack):
    standin, bot, url, _ = slack
    post(url, mention("brief me on Lancashire before Thursday's meeting", ts="77.1", event_id="EvBriefMe"))

    def briefed() -> bool:
        return any("Briefing: Lancashire" in (m.get("text") or "") for m in standin.thread("CGOOD", "77.1"))

    assert standin.wait_for(briefed)
    said = " ".join(m.get("text") or "" for m in standin.thread("CGOOD", "77.1"))
    assert "Thursday" not in said.split("Briefing: Lancashire")[0]  # no "the library has nothing on Thursday"
    post(url, mention("brief me", ts="78.1", event_id="EvBriefWhat"))
    assert standin.wait_for(
        lambda: any("which council" in (m.get("text") or "") for m in standin.named("chat.postMessage"))
    )
