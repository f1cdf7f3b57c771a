"""Bolt's listeners: mentions, DMs, thread replies, slash commands, follows, buttons, the assistant surface.

Each listener only takes a request in: it checks what governance decided (`context["allowed"]`),
posts a placeholder and queues a `Job`. The worker does the answering.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from cachetools import LRUCache

from bot.engine.messages import question_problem
from bot.services import BRIEF_WHAT, brief_asked
from bot.slack import messages
from bot.slack.blocks import escape
from bot.slack.digests import FollowCommands
from bot.slack.governance import Gate
from bot.slack.payload import question_text
from bot.slack.queue import FairQueue, Job
from bot.slack.thread import REMEMBERED, ThreadRecord

log = logging.getLogger("briefing.slack")

_CHECK_REQUEST = re.compile(r"^check\s*:\s*(.+)$", re.I | re.S)  # "check: <claims>" in a message


class Intake:
    """Takes requests in from Slack: each answered once, by one replica, if its asker may ask."""

    def __init__(self, client, thread: ThreadRecord, gate: Gate, queue: FairQueue) -> None:
        self.client = client
        self.thread = thread
        self.gate = gate
        self.queue = queue
        self.stopping = False
        self._seen: LRUCache = LRUCache(REMEMBERED)
        self._seen_lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """Slack retries an event it thinks we missed; answer each event once."""
        with self._seen_lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            return True

    def accept(self, event: dict, body: dict, context: dict) -> bool:
        """Queue a question from a mention, DM or thread reply; True when it was queued."""
        key = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if not self.first_time(key):
            return False
        channel, thread_ts = event.get("channel", ""), event.get("thread_ts") or event.get("ts")
        if self.stopping:  # acked already, so Slack will not send it again: say so rather than drop it
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=messages.RESTARTED)
            return False
        if self.gate.refused(context):
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=messages.NOT_ENABLED)
            return False
        text = question_text(event)
        problem = question_problem(text)
        if problem:
            empty = text == "" or problem.startswith("the question is empty")
            reply = messages.HOW_TO_ASK if empty else f"Sorry, {problem}."
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=reply)
            return False
        if self.thread.taken(channel, thread_ts, key):
            self.gate.metrics.count("briefing_duplicate_events_total")
            return False  # another replica took this event (Slack retried it there): answered once
        kind = "ask"
        if asked_check := _CHECK_REQUEST.match(text):
            kind, text = "check", asked_check.group(1).strip()
        elif (words := brief_asked(text)) is not None:  # "brief me on X before Thursday": the brief itself
            if not words:
                self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=BRIEF_WHAT)
                return False
            kind, text = "brief", words
        placeholder = self.thread.placeholder(channel, thread_ts, key)
        self.thread.spoke_in(channel, thread_ts)
        who = context["asker"]
        job = Job(who.user, channel, thread_ts, text, kind, placeholder_ts=placeholder, team=who.team, event_id=key)
        ahead = self.queue.put(job)
        if ahead is None:
            self.thread.give_up(channel, placeholder, key, messages.TOO_MANY)
            return False
        if ahead > 0:
            self.client.chat_update(channel=channel, ts=placeholder, text=messages.queue_place(ahead))
        return True

    def command(self, ack: Callable[..., None], command: dict, context: dict, kind: str, accepted: str) -> None:
        """A slash command's work, queued like a question once the asker is allowed; acked either way."""
        if self.gate.refused(context):
            ack(messages.NOT_ENABLED)
            return
        if self.stopping:
            ack(messages.RESTARTED)
            return
        problem = question_problem(command.get("text") or "x") if kind != "compare" else None
        if problem:
            ack(f"Sorry, {problem}.")
            return
        who = context["asker"]
        job = Job(who.user, who.channel, "", command.get("text", ""), kind, team=who.team)
        ack(messages.TOO_MANY if self.queue.put(job) is None else accepted)

    def brief_me(self, body: dict, action: dict, context: dict) -> None:
        """A "Brief me" click under a digest: the council's brief, in the digest's thread, once."""
        if self.gate.refused(context):
            return
        who = context["asker"]
        message_ts = body.get("message", {}).get("ts") or body.get("container", {}).get("message_ts")
        key = f"brief_me:{who.channel}:{message_ts}:{who.user}"
        if not self.first_time(key):
            return
        job = Job(who.user, who.channel, message_ts or "", action.get("value", ""), "brief", team=who.team)
        if self.queue.put(job) is None:
            self.client.chat_postMessage(channel=who.channel, thread_ts=message_ts, text=messages.TOO_MANY)

    def choice(self, body: dict, action: dict, context: dict) -> None:
        """A click on one of the councils an ambiguous name could mean: the question again, with it."""
        if self.gate.refused(context):
            return
        who = context["asker"]
        message = body.get("message", {})
        thread_ts = message.get("thread_ts") or message.get("ts") or body.get("container", {}).get("message_ts")
        key = f"choice:{thread_ts}:{body.get('container', {}).get('message_ts')}"
        # A second click on the same question's choices, here or on another replica, is not a second question.
        if not self.first_time(key) or self.thread.taken(who.channel, thread_ts, key):
            return
        placeholder = self.thread.placeholder(who.channel, thread_ts, key)
        value = action.get("value", "")
        job = Job(who.user, who.channel, thread_ts, value, placeholder_ts=placeholder, team=who.team, event_id=key)
        if self.queue.put(job) is None:
            self.thread.give_up(who.channel, placeholder, key, messages.TOO_MANY)

    def feedback(self, body: dict, action: dict, context: dict) -> None:
        """A rating of an answer, audited with the question and sources the answer recorded."""
        if self.gate.refused(context):
            return  # a rating from someone who may not use the bot is not evidence of anything
        who = context["asker"]
        message = body.get("message", {})
        message_ts = message.get("ts") or body.get("container", {}).get("message_ts")
        asked = self.thread.answer_record(who.channel, message, message_ts)
        self.gate.audit(
            kind="feedback",
            user=body.get("user", {}).get("id"),
            channel=body.get("channel", {}).get("id"),
            message_ts=message_ts,
            rating=action.get("value"),
            question=asked.get("question"),
            sources=asked.get("sources"),
        )

    def in_thread(self, event: dict, context: dict) -> bool:
        """Whether a plain message is ours to answer: a DM, or a reply in a thread the bot speaks in."""
        if event.get("subtype") or event.get("bot_id"):
            return False
        in_dm = event.get("channel_type") == "im"
        if self.thread.bot_user and f"<@{self.thread.bot_user}>" in (event.get("text") or "") and not in_dm:
            return False  # the app_mention event brings it (Slack sends none for DMs)
        thread_ts, channel = event.get("thread_ts"), event.get("channel", "")
        # Chatter where the bot may not answer costs no call to Slack, and is not refused aloud.
        return in_dm or bool(thread_ts and context.get("allowed") and self.thread.answers_in(channel, thread_ts))


def register(app, intake: Intake, follows: FollowCommands) -> None:
    """Every listener the bot has, on one Bolt app, behind the governance middleware."""
    app.use(intake.gate.middleware)
    _register_events(app, intake)
    _register_commands(app, intake, follows)
    _register_assistant(app, intake)


def _register_events(app, intake: Intake) -> None:
    @app.event("app_mention")
    def on_mention(event, body, context):
        intake.accept(event, body, context)

    @app.event("message")
    def on_message(event, body, context):
        if intake.in_thread(event, context):
            intake.accept(event, body, context)

    @app.action(re.compile("feedback_.*"))
    def on_feedback(ack, body, action, context):
        ack()
        intake.feedback(body, action, context)

    @app.action(re.compile("choose_place_.*"))
    def on_choice(ack, body, action, context):
        ack()
        intake.choice(body, action, context)

    @app.action("brief_me")
    def on_brief_me(ack, body, action, context):
        ack()
        intake.brief_me(body, action, context)


def _register_commands(app, intake: Intake, follows: FollowCommands) -> None:
    @app.command("/brief")
    def on_brief(ack, command, context):
        intake.command(ack, command, context, "brief", f"Preparing a brief on {escape(command.get('text') or '…')}")

    @app.command("/compare")
    def on_compare(ack, command, context):
        words = escape(command.get("text") or "…")
        intake.command(ack, command, context, "compare", f"Comparing {words} with its neighbours and region…")

    @app.command("/check")
    def on_check(ack, command, context):
        intake.command(ack, command, context, "check", "Checking that against the reports…")

    def follow(verb: str):  # Bolt passes listeners their arguments by name: the verb is closed over
        def on_follow(ack, command, context):
            follows.answer(ack, command, context, verb)

        return on_follow

    for verb in ("follow", "unfollow", "following"):
        app.command(f"/{verb}")(follow(verb))


def _register_assistant(app, intake: Intake) -> None:
    """Slack's AI-assistant surface, where the workspace has it: prompts, status, titles."""
    from slack_bolt import Assistant

    assistant = Assistant()

    @assistant.thread_started
    def started(say, set_suggested_prompts, context):
        if intake.gate.refused(context):
            say(messages.NOT_ENABLED)
            return
        say(messages.WELCOME)
        set_suggested_prompts(prompts=messages.SUGGESTED_PROMPTS)

    @assistant.user_message
    def asked(payload, body, set_status, set_title, context):
        # Title and status first: Slack clears the status when the bot replies (the placeholder).
        for show in (
            lambda: set_title((payload.get("text") or "Question")[:60]),
            lambda: set_status("searching the reports…"),
        ):
            try:  # the assistant surface is a nicety: without its scope the answer still comes
                show()
            except Exception as err:  # noqa: BLE001
                log.warning("assistant title/status skipped: %s", type(err).__name__)
        intake.accept(payload, body, context)

    app.use(assistant)
