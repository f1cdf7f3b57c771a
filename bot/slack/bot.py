"""The Slack bot: managers ask in Slack and get cited answers and briefs in the thread.

Every event is acknowledged at once (Bolt acks before our handlers return); the work goes to a
fair queue served by one worker, because one model answers one question at a time. Each path
ends in an answer, a "nothing in the library" reply, or an apology with an error id.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.engine.answer import Answer, AnswerEngine, Turn, question_problem, with_choice
from bot.engine.check import CheckReport
from bot.ops.metrics import Metrics
from bot.records.grid import Standing
from bot.settings import Settings
from index.errors import TooSlow

log = logging.getLogger("briefing.slack")

SUGGESTED_PROMPTS = [
    {"title": "Strategy discussions", "message": "What did Ofsted say about strategy discussions in Lancashire?"},
    {"title": "Latest judgements", "message": "How were St Helens care leavers judged in 2023?"},
    {"title": "What to improve", "message": "What does Ofsted want Birmingham to improve?"},
]
SECTION_LIMIT = 2900  # Slack allows 3,000 characters in a section block
UPDATE_INTERVAL = 3.0  # seconds between streamed drafts: ~20 chat.update a minute, under tier 3's ~50
JOB_DEADLINE = 180.0  # seconds one job may take before its asker gets an apology instead
MAX_WAITING_PER_USER = 3  # a user's questions waiting at once; more are declined, not queued
NOT_OURS_FOR = 60.0  # seconds a thread the bot has not spoken in is believed not to be ours
THREAD_PAGES = 5  # a thread read back is at most 1,000 messages
CLAIM_REREADS = (0.5, 1.0, 0.0)  # a read that misses our own new placeholder is stale: wait, read again
HEARTBEAT = 5.0  # the idle worker beats this often, so /healthz can tell a dead worker from a quiet one


_TOO_MANY = f"You already have {MAX_WAITING_PER_USER} questions waiting; ask this again once they are answered."


def _user_id(body: dict) -> str:
    user = body.get("user")
    return user.get("id", "") if isinstance(user, dict) else user or ""


def _when(ts: str) -> tuple[int, int]:
    """A Slack ts in Slack's own order, read exactly: "seconds.micros" as two whole numbers."""
    seconds, _, micros = ts.partition(".")
    return (int(seconds), int(micros or 0)) if seconds.isdigit() and (micros or "0").isdigit() else (2**63, 0)


def _user_team(payload: dict, body: dict) -> str:
    """The asker's own workspace, not the envelope's.

    In a Slack Connect channel the envelope's team is the host's: checking it lets any guest in.
    """
    for key in ("user_team", "team_id", "team"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return body.get("team_id") or (body.get("team") or {}).get("id", "")


# The bot's messages carry Slack message metadata: the thread itself is the conversation's record,
# shared by every replica and kept across restarts (no sticky sessions, no store of our own).
QUESTION_EVENT = "briefing_question"  # a placeholder: which event it answers
ANSWER_EVENT = "briefing_answer"  # an answer: the question it answered, and its sources
ASIDE_EVENT = "briefing_aside"  # a question asked back, or a refusal: ours, but not a turn


_RESTARTED = "The assistant restarted before it could answer this. Please ask again in a minute."


def escape(text: str) -> str:
    """Make document or model text inert in mrkdwn: no pings, no forged links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    if not re.fullmatch(r"https?://[^\s|<>]+", url or ""):
        return escape(label)
    return f"<{url}|{escape(label)}>"


def answer_blocks(answer: Answer) -> list[dict]:
    """Block Kit for an answer: the text, a compact sources list, feedback buttons."""
    blocks: list[dict] = []
    if answer.notes:
        notes = escape("\n".join(answer.notes))[:SECTION_LIMIT]
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notes}]})
    body = escape(answer.text)
    for start in range(0, len(body), SECTION_LIMIT):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[start : start + SECTION_LIMIT]}})
    if answer.citations:
        lines = []
        for c in answer.citations:
            p = c.passage
            where = f"p.{p.page}" + (f" ¶{p.paragraph}" if p.paragraph else "")
            head = f"*[{c.n}]* {escape(p.local_authority or '—')} · {escape(p.kind)} · {p.date or 'undated'} · {where}"
            quote = escape(c.quote if len(c.quote) < 280 else c.quote[:277] + "…")
            link = _link(f"{p.url}#page={p.page}" if p.url else "", "open report") if p.url else escape(p.source)
            said = f"{quote} (Ofsted's published metadata, not a quotation)" if c.from_metadata else f">_{quote}_"
            lines.append(f"{head}\n{said}\n{link}")
        text = "\n".join(lines)
        for start in range(0, len(text), SECTION_LIMIT):
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": text[start : start + SECTION_LIMIT]}]}
            )
    if answer.status == "clarify":
        # One button per council the name could mean; a click asks the question again with that council.
        blocks.append(
            {
                "type": "actions",
                "block_id": "choose_place",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"choose_place_{i}",
                        "text": {"type": "plain_text", "text": choice[:75]},
                        "value": with_choice(answer, choice)[:2000],
                    }
                    for i, choice in enumerate(answer.choices)
                ],
            }
        )
    blocks.append(
        {
            "type": "actions",
            "block_id": "feedback",
            "elements": [
                {
                    "type": "button",
                    "action_id": "feedback_helpful",
                    "text": {"type": "plain_text", "text": "Helpful"},
                    "value": "helpful",
                },
                {
                    "type": "button",
                    "action_id": "feedback_not_helpful",
                    "text": {"type": "plain_text", "text": "Not helpful"},
                    "value": "not_helpful",
                },
            ],
        }
    )
    return blocks


_VERDICT_MARK = {"supported": "✅ supported", "contradicted": "❌ contradicted", "not_found": "❔ not found"}


_GRADE_MARKS = {
    "outstanding": ":large_green_circle:",
    "good": ":large_blue_circle:",
    "requires improvement": ":large_yellow_circle:",
    "inadequate": ":red_circle:",
}
_SHORT_AREAS = {"Overall": "Overall", "Leaders": "Leaders", "Help and protection": "Help & protection",
                "Children in care": "Children in care", "Care leavers": "Care leavers"}  # fmt: skip


def compare_blocks(rows: list[Standing]) -> list[dict]:
    """Block Kit for `/compare`: one field per authority, its latest grades marked by colour, ten to a section."""
    from bot.records.grid import COLUMNS
    from bot.records.lookup import short

    if not rows:
        return []
    subject = rows[0]
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{subject.authority} compared"[:150]}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Latest graded inspection of each authority in the library: the authority, its "
                    "statistical neighbours, then its region. — means no such grade (the 2026 framework has no "
                    "overall grade); joint: children in care and care leavers judged together; LMG: leadership, "
                    "management and governance. Each link opens the report whose cover states the grades.",
                }
            ],
        },
    ]
    fields = []
    for row in rows:
        relation = "" if row is subject else f" · {row.relation}"
        if row.record is None:
            fields.append(
                {"type": "mrkdwn", "text": f"*{escape(row.authority)}*{escape(relation)}\n_none in the library_"}
            )
            continue
        grades = " · ".join(
            f"{_SHORT_AREAS[label]} {_GRADE_MARKS.get(row.grade(area) or '', '')} {row.cell(area)}"
            for area, label in COLUMNS
        )
        source = _link(row.record.get("url") or "", short(row.record))
        fields.append({"type": "mrkdwn", "text": f"*{escape(row.authority)}*{escape(relation)}\n{source}\n{grades}"})
    for start in range(0, len(fields), 10):
        blocks.append({"type": "section", "fields": fields[start : start + 10]})
    return blocks[:50]


def check_blocks(report: CheckReport) -> list[dict]:
    """Block Kit for `check`: each claim with its verdict, the reason and the report's own words."""
    if not report.claims:
        return [{"type": "section", "text": {"type": "mrkdwn", "text": "No claims to check."}}]
    blocks: list[dict] = []
    for item in report.claims:
        lines = [f"*{_VERDICT_MARK[item.verdict]}* — {escape(item.claim)}", escape(item.explanation)]
        for c in item.citations:
            p = c.passage
            link = _link(f"{p.url}#page={p.page}", "open report") if p.url else escape(p.source)
            where = f"{escape(p.local_authority or '—')} · {escape(p.kind)} · {p.date or 'undated'} · p.{p.page}"
            lines.append(f"[{c.n}] {where} · {link}")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:SECTION_LIMIT]}})
    return blocks


@dataclass
class Job:
    """One piece of work for the worker: a question or a brief, and where to reply."""

    user: str
    channel: str
    thread_ts: str
    text: str
    kind: str = "ask"  # ask | brief | check
    placeholder_ts: str | None = None
    team: str = ""
    event_id: str = ""  # the Slack event it answers: kept on the reply, so no replica answers it twice
    replied: bool = False  # its final reply is going out: shutdown must not overwrite it


class FairQueue:
    """Round-robin across users, so one user's many questions cannot starve the others."""

    def __init__(self, max_per_user: int = MAX_WAITING_PER_USER) -> None:
        self._by_user: OrderedDict[str, deque[Job]] = OrderedDict()
        self._ready = threading.Condition()
        self._max_per_user = max_per_user

    def put(self, job: Job) -> int | None:
        """Queue a job; returns how many jobs will be served before it.

        None when the user has `max_per_user` waiting already: one user must not fill the queue.
        """
        with self._ready:
            if len(self._by_user.get(job.user, ())) >= self._max_per_user:
                return None
            self._by_user.setdefault(job.user, deque()).append(job)
            ahead = 0
            depth = len(self._by_user[job.user])
            for queue in self._by_user.values():
                ahead += min(len(queue), depth)
            self._ready.notify()
            return ahead - 1

    def drain(self) -> list[Job]:
        """Take every waiting job out, oldest first per user."""
        with self._ready:
            jobs = [job for queue in self._by_user.values() for job in queue]
            self._by_user.clear()
            return jobs

    def pending(self) -> int:
        """Jobs waiting."""
        with self._ready:
            return sum(len(q) for q in self._by_user.values())

    def get(self, timeout: float | None = None) -> Job | None:
        """The next job, taking one user at a time in turn."""
        with self._ready:
            if not self._ready.wait_for(lambda: self._by_user, timeout=timeout):
                return None
            user, queue = next(iter(self._by_user.items()))
            job = queue.popleft()
            del self._by_user[user]
            if queue:
                self._by_user[user] = queue  # to the back of the line
            return job


@dataclass
class Governance:
    """Who may use the bot, and the audit trail of what it said."""

    teams: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    audit_path: Path | None = None

    def allows(self, team: str, channel: str, user: str) -> bool:
        """Empty lists allow everyone.

        With a channel list, direct messages (ids starting D) are allowed only when the list holds
        `dm`: restricting channels must not leave a side door.
        """
        direct = channel.startswith("D")
        channel_ok = not self.channels or channel in self.channels or (direct and "dm" in self.channels)
        return (not self.teams or team in self.teams) and channel_ok and (not self.users or user in self.users)

    def record(self, **entry) -> None:
        """Append one JSON line to the audit log."""
        if self.audit_path is None:
            return
        self.audit_path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
        with self.audit_path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


class SlackBot:
    """Wires a Bolt app to the answer engine and the briefing core."""

    def __init__(
        self,
        engine: AnswerEngine,
        *,
        token: str,
        signing_secret: str | None,
        api_url: str,
        governance: Governance,
        brief_builder: Callable[[str, str | None], str] | None = None,
        debug: bool = False,
        metrics: Metrics | None = None,
    ) -> None:
        from slack_bolt import App
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        client = WebClient(token=token, base_url=api_url)
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        self.client = client
        # Drafts are best effort: a 429 on one skips it rather than sleep in the only worker.
        self.drafts = WebClient(token=token, base_url=api_url, retry_handlers=[])
        self.engine = engine
        self.governance = governance
        self.brief_builder = brief_builder
        self.debug = debug
        self.metrics = metrics or Metrics()
        self.queue = FairQueue()
        self._our_threads: OrderedDict[tuple[str, str], None] = OrderedDict()  # a cache of what Slack says
        self._not_ours: dict[tuple[str, str], float] = {}  # thread -> until when "not ours" is believed
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_lock = threading.Lock()
        self.app = App(
            client=client,
            signing_secret=signing_secret or "unused-in-socket-mode",
            request_verification_enabled=signing_secret is not None,
            token_verification_enabled=False,
        )
        self.bot_id = ""
        self.bot_user = self._bot_user()
        self._register()
        self._beat = time.monotonic()  # the worker's last sign of life
        self._busy_since: float | None = None
        self._current: Job | None = None
        self.stopping = False
        self._worker = threading.Thread(target=self._work, daemon=True, name="slack-worker")
        self._worker.start()

    def health(self) -> dict:
        """For /healthz: is the worker alive and moving, and how much is waiting."""
        now = time.monotonic()
        busy = now - self._busy_since if self._busy_since is not None else 0.0
        alive = self._worker.is_alive()
        stuck = busy > 2 * JOB_DEADLINE or (self._busy_since is None and now - self._beat > 6 * HEARTBEAT)
        return {
            "ok": alive and not stuck,
            "worker": "dead" if not alive else "stuck" if stuck else "busy" if self._busy_since else "idle",
            "worker_beat_s": round(now - self._beat, 1),
            "busy_s": round(busy, 1),
            "queue": self.queue.pending(),
        }

    def shutdown(self) -> int:
        """Before the process ends: no placeholder is left saying "Searching…" for ever.

        Stops the worker taking more, and tells each asker still waiting, and the one being answered,
        to ask again. Returns how many were told.
        """
        self.stopping = True
        unfinished = [job for job in [self._current, *self.queue.drain()] if job is not None and not job.replied]
        for job in unfinished:
            try:
                if job.placeholder_ts:
                    self._give_up(job.channel, job.placeholder_ts, job.event_id, _RESTARTED)
                else:
                    self.client.chat_postMessage(channel=job.channel, thread_ts=job.thread_ts or None, text=_RESTARTED)
            except Exception as err:  # noqa: BLE001 - going down anyway; the log says who was not told
                log.warning("could not tell %s the bot is restarting: %s", job.user, type(err).__name__)
        return len(unfinished)

    def _thread(self, channel: str, thread_ts: str) -> list[dict]:
        """The thread's messages as Slack keeps them, metadata included; [] when Slack cannot say."""
        messages: list[dict] = []
        cursor = None
        try:
            for _ in range(THREAD_PAGES):
                got = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, include_all_metadata=True, limit=200, cursor=cursor
                )
                messages += got.get("messages") or []
                cursor = (got.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
            return messages
        except Exception as err:  # noqa: BLE001 - without the thread, a question is answered on its own
            log.warning("could not read thread %s: %s", thread_ts, type(err).__name__)
            self.metrics.count("briefing_thread_reads_failed_total")
            return []

    def _holds(self, message: dict, event_id: str) -> bool:
        """Whether this is our placeholder or reply for that event, not one given up."""
        payload = self._ours(message)
        return payload is not None and payload.get("event_id") == event_id and not payload.get("released")

    def _give_up(self, channel: str, ts: str, event_id: str, text: str) -> None:
        """Turn a placeholder into a refusal that lets the event go: another replica may take it."""
        released = {"event_type": ASIDE_EVENT, "event_payload": {"event_id": event_id, "released": True}}
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=[], metadata=released)

    def _answers_in(self, channel: str, thread_ts: str) -> bool:
        """Whether the bot has spoken in this thread, so replies there need no mention."""
        key = (channel, thread_ts)
        if key in self._our_threads:
            return True
        if self._not_ours.get(key, 0.0) > time.monotonic():
            return False  # asked a moment ago: a busy thread costs one call a minute, not one a reply
        if not any(self._ours(m) is not None for m in self._thread(channel, thread_ts)):
            self._not_ours[key] = time.monotonic() + NOT_OURS_FOR
            if len(self._not_ours) > 5000:
                now = time.monotonic()
                self._not_ours = {k: t for k, t in self._not_ours.items() if t > now}
            return False
        self._our_threads[key] = None
        while len(self._our_threads) > 5000:
            self._our_threads.popitem(last=False)
        return True

    def _answer_record(self, channel: str, message: dict, message_ts: str | None) -> dict:
        """What an answer recorded about itself (question, sources), on whichever replica is asked.

        From the clicked message's metadata when the payload carries it, else read back from Slack.
        """
        found = self._ours(message, ANSWER_EVENT)
        if found is None and message_ts:
            thread = message.get("thread_ts") or message_ts
            found = next(
                (self._ours(m, ANSWER_EVENT) for m in self._thread(channel, thread) if m.get("ts") == message_ts), None
            )
        return found or {}

    def _claim(self, job: Job) -> list[dict] | None:
        """The job's thread, read once as its work starts; None when another replica has the question.

        The look-up in `_accept` catches a retry that lands after the first placeholder is posted.
        Two replicas can still both look before either posts; then the earlier placeholder (Slack
        orders a channel's messages by ts, the same for everyone) keeps the question and the later
        one is deleted, so both replicas reach the same verdict and the asker sees one reply. A
        placeholder given up ("too many waiting", "restarted") keeps nothing. A read that does not
        yet show our own placeholder is stale and is tried again; one that fails altogether leaves
        the question answered here, so at worst twice, never not at all.
        """
        if not job.placeholder_ts:
            return []  # a slash command: Slack delivers it once, to one replica, and it has no thread
        for wait in CLAIM_REREADS:
            thread = self._thread(job.channel, job.thread_ts)
            if any(m.get("ts") == job.placeholder_ts for m in thread):
                break
            time.sleep(wait)
        mine = _when(job.placeholder_ts)
        if not any(self._holds(m, job.event_id) and _when(m.get("ts") or "") < mine for m in thread):
            return thread
        job.replied = True  # the other replica's reply is the answer: nothing of ours to resolve
        self.metrics.count("briefing_duplicate_events_total")
        try:
            self.client.chat_delete(channel=job.channel, ts=job.placeholder_ts)
        except Exception as err:  # noqa: BLE001 - then it says so rather than "Searching…" for ever
            log.warning("could not delete a second placeholder: %s", type(err).__name__)
            try:
                self._give_up(job.channel, job.placeholder_ts, "", "(answered above)")
            except Exception as again:  # noqa: BLE001 - Slack is down; the answer above stands
                log.warning("could not mark a second placeholder: %s", type(again).__name__)
        return None

    def _history(self, job: Job, thread: list[dict]) -> list[Turn]:
        """The conversation so far, read back from the thread: the same on every replica."""
        turns = []
        for message in thread:
            payload = self._ours(message, ANSWER_EVENT)
            if payload is not None and message.get("ts") != job.placeholder_ts:
                turns.append(Turn(str(payload.get("answered", "")), str(message.get("text", ""))))
        return turns[-4:]

    def _allowed(self, team: str, channel: str, user: str) -> bool:
        """The allowlists, on every surface; refusals are counted for operators."""
        if self.governance.allows(team, channel, user):
            return True
        self.metrics.count("briefing_refused_total")
        return False

    def _audit(self, **entry) -> None:
        """The audit trail must never cost an answer: a failed write is logged and counted."""
        try:
            self.governance.record(**entry)
        except Exception:  # noqa: BLE001 - disk full, read-only volume, permissions
            log.exception("could not write the audit line (%s)", entry.get("kind"))
            self.metrics.count("briefing_audit_errors_total")

    def _bot_user(self) -> str:
        try:
            me = self.client.auth_test()
            self.bot_id = str(me.get("bot_id") or "")
            return me["user_id"]
        except Exception:  # noqa: BLE001 - a bot that cannot call auth.test still answers DMs
            log.warning("auth.test failed; mentions will be matched by any user id")
            return ""

    def _ours(self, message: dict, kind: str | None = None) -> dict | None:
        """The metadata of a message this bot posted (of `kind`, if given), else None.

        Any app can post into a thread with metadata of any type: only our own messages are the
        conversation's record. Without our ids (auth.test failed) nothing is trusted.
        """
        metadata = message.get("metadata") or {}
        event_type = metadata.get("event_type")
        mine = bool(self.bot_user) and (
            message.get("user") == self.bot_user or (bool(self.bot_id) and message.get("bot_id") == self.bot_id)
        )
        if not mine or event_type not in (QUESTION_EVENT, ANSWER_EVENT, ASIDE_EVENT):
            return None
        if kind is not None and event_type != kind:
            return None
        return metadata.get("event_payload") or {}

    # --- events -------------------------------------------------------------------------------

    def _first_time(self, key: str) -> bool:
        """Slack retries an event it thinks we missed; answer each event once."""
        with self._seen_lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > 5000:
                self._seen.popitem(last=False)
            return True

    def _register(self) -> None:
        app = self.app

        @app.event("app_mention")
        def on_mention(event, body):
            self._accept(event, body)

        @app.event("message")
        def on_message(event, body):
            if event.get("subtype") or event.get("bot_id"):
                return
            text = event.get("text") or ""
            in_dm = event.get("channel_type") == "im"
            if self.bot_user and f"<@{self.bot_user}>" in text and not in_dm:
                return  # the app_mention event brings it (Slack sends none for DMs)
            thread_ts, channel = event.get("thread_ts"), event.get("channel", "")
            if in_dm or (
                thread_ts
                # Chatter where the bot may not answer costs no call to Slack, and is not refused aloud.
                and self.governance.allows(_user_team(event, body), channel, event.get("user", ""))
                and self._answers_in(channel, thread_ts)
            ):
                self._accept(event, body)

        self._register_assistant()

        @app.command("/brief")
        def on_brief(ack, command):
            self._command(ack, command, "brief", f"Preparing a brief on {escape(command.get('text') or '…')}")

        @app.command("/compare")
        def on_compare(ack, command):
            words = escape(command.get("text") or "…")
            self._command(ack, command, "compare", f"Comparing {words} with its neighbours and region…")

        @app.command("/check")
        def on_check(ack, command):
            self._command(ack, command, "check", "Checking that against the reports…")

        @app.action(re.compile("feedback_.*"))
        def on_feedback(ack, body, action):
            ack()
            channel = body.get("channel", {}).get("id", "")
            if not self._allowed(_user_team(body.get("user", {}), body), channel, _user_id(body)):
                return  # a rating from someone who may not use the bot is not evidence of anything
            message = body.get("message", {})
            message_ts = message.get("ts") or body.get("container", {}).get("message_ts")
            asked = self._answer_record(channel, message, message_ts)
            self._audit(
                kind="feedback",
                user=body.get("user", {}).get("id"),
                channel=body.get("channel", {}).get("id"),
                message_ts=message_ts,
                rating=action.get("value"),
                question=asked.get("question"),
                sources=asked.get("sources"),
            )

        @app.action(re.compile("choose_place_.*"))
        def on_choice(ack, body, action):
            ack()
            user = _user_id(body)
            channel = body.get("channel", {}).get("id", "")
            message = body.get("message", {})
            thread_ts = message.get("thread_ts") or message.get("ts") or body.get("container", {}).get("message_ts")
            team = _user_team(body.get("user", {}), body)
            if not self._allowed(team, channel, user):
                return
            key = f"choice:{thread_ts}:{body.get('container', {}).get('message_ts')}"
            # A second click on the same question's choices, here or on another replica, is not a
            # second question.
            if not self._first_time(key) or any(self._holds(m, key) for m in self._thread(channel, thread_ts)):
                return
            placeholder = self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text="Searching the reports…",
                metadata={"event_type": QUESTION_EVENT, "event_payload": {"event_id": key}},
            )
            value = action.get("value", "")
            job = Job(user, channel, thread_ts, value, placeholder_ts=placeholder["ts"], team=team, event_id=key)
            if self.queue.put(job) is None:
                self._give_up(channel, placeholder["ts"], key, _TOO_MANY)

    def _command(self, ack: Callable[..., None], command: dict, kind: str, accepted: str) -> None:
        """A slash command's work, queued like a question once the asker is allowed; acked either way."""
        team = _user_team(command, command)
        if not self._allowed(team, command.get("channel_id", ""), command.get("user_id", "")):
            ack("Sorry, this assistant is not enabled here.")
            return
        if self.stopping:
            ack(_RESTARTED)
            return
        problem = question_problem(command.get("text") or "x") if kind != "compare" else None
        if problem:
            ack(f"Sorry, {problem}.")
            return
        job = Job(
            command["user_id"],
            command["channel_id"],
            "",
            command.get("text", ""),
            kind,
            team=team,
        )
        ack(_TOO_MANY if self.queue.put(job) is None else accepted)

    def _register_assistant(self) -> None:
        """Slack's AI-assistant surface, where the workspace has it: prompts, status, titles."""
        from slack_bolt import Assistant

        assistant = Assistant()

        @assistant.thread_started
        def started(payload, body, say, set_suggested_prompts):
            thread = payload.get("assistant_thread", {})
            user, channel = thread.get("user_id", ""), thread.get("channel_id", "")
            if not self._allowed(_user_team(payload, body), channel, user):
                say("Sorry, this assistant is not enabled here.")
                return
            say("Ask me about any authority's Ofsted reports. Every answer cites the report, page and paragraph.")
            set_suggested_prompts(prompts=SUGGESTED_PROMPTS)

        @assistant.user_message
        def asked(payload, body, set_status, set_title):
            # Title and status first: Slack clears the status when the bot replies (the placeholder).
            for show in (
                lambda: set_title((payload.get("text") or "Question")[:60]),
                lambda: set_status("searching the reports…"),
            ):
                try:  # the assistant surface is a nicety: without its scope the answer still comes
                    show()
                except Exception as err:  # noqa: BLE001
                    log.warning("assistant title/status skipped: %s", type(err).__name__)
            self._accept(payload, body)

        self.app.use(assistant)

    def _accept(self, event: dict, body: dict) -> bool:
        """Queue a question from a mention, DM or thread reply; True when it was queued."""
        key = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if not self._first_time(key):
            return False
        if self.stopping:  # acked already, so Slack will not send it again: say so rather than drop it
            thread = event.get("thread_ts") or event.get("ts")
            self.client.chat_postMessage(channel=event.get("channel", ""), thread_ts=thread, text=_RESTARTED)
            return False
        user, channel = event.get("user", ""), event.get("channel", "")
        team = _user_team(event, body)
        thread_ts = event.get("thread_ts") or event.get("ts")
        if not self._allowed(team, channel, user):
            self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text="Sorry, this assistant is not enabled in this channel."
            )
            return False
        text = re.sub(r"<@[A-Z0-9]+>", "", event.get("text") or "").strip()
        problem = question_problem(text)
        if problem:
            reply = (
                "Ask me about an authority's Ofsted reports, e.g. “what did Ofsted say "
                "about strategy discussions in Lancashire?”"
                if text == "" or problem.startswith("the question is empty")
                else f"Sorry, {problem}."
            )
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=reply)
            return False
        if any(self._holds(m, key) for m in self._thread(channel, thread_ts)):
            self.metrics.count("briefing_duplicate_events_total")
            return False  # another replica took this event (Slack retried it there): answered once
        kind = "ask"
        asked_check = re.match(r"^check\s*:\s*(.+)$", text, re.I | re.S)
        if asked_check:
            kind, text = "check", asked_check.group(1).strip()
        placeholder = self.client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text="Searching the reports…",
            metadata={"event_type": QUESTION_EVENT, "event_payload": {"event_id": key}},
        )
        self._our_threads[(channel, thread_ts)] = None
        self._not_ours.pop((channel, thread_ts), None)
        job = Job(user, channel, thread_ts, text, kind, placeholder_ts=placeholder["ts"], team=team, event_id=key)
        ahead = self.queue.put(job)
        if ahead is None:
            self._give_up(channel, placeholder["ts"], key, _TOO_MANY)
            return False
        if ahead > 0:
            self.client.chat_update(
                channel=channel,
                ts=placeholder["ts"],
                text=f"You're number {ahead + 1} in the queue; I'll answer here shortly.",
            )
        return True

    # --- the worker ---------------------------------------------------------------------------

    def _work(self) -> None:
        """Serve jobs for the life of the process: nothing a job does may end this loop."""
        while True:
            self._beat = time.monotonic()
            try:
                job = None if self.stopping else self.queue.get(timeout=HEARTBEAT)
                if job is not None:
                    self._busy_since, self._current = time.monotonic(), job
                    self._serve(job)
            except Exception:  # noqa: BLE001 - last line of defence: log it and keep serving
                log.exception("the worker caught an error outside any job")
            finally:
                self._busy_since, self._current = None, None
            if self.stopping:
                return

    def _serve(self, job: Job) -> None:
        """One job, ending in its reply or in an apology with an error id."""
        try:
            thread = self._claim(job)
            if thread is None:
                return
            if job.kind == "brief":
                self._brief(job)
            elif job.kind == "check":
                self._check(job)
            elif job.kind == "compare":
                self._compare(job)
            else:
                self._answer(job, thread)
        except Exception as err:  # every path ends in a reply: an apology the team can trace
            error_id = uuid.uuid4().hex[:8]
            log.exception("answer failed (error id %s)", error_id)
            self.metrics.count("briefing_errors_total")
            if isinstance(err, TooSlow):
                text = f"Sorry, that took too long to answer (error id {error_id}). Please try a narrower question."
            else:
                text = f"Sorry, something went wrong answering that (error id {error_id}). Please try again."
            try:
                if job.placeholder_ts:
                    self.client.chat_update(channel=job.channel, ts=job.placeholder_ts, text=text, blocks=[])
                else:
                    self.client.chat_postMessage(channel=job.channel, thread_ts=job.thread_ts or None, text=text)
            except Exception:  # noqa: BLE001 - Slack itself is unreachable; the log has the id
                log.exception("could not post the apology (error id %s)", error_id)
            self._audit(kind="error", user=job.user, channel=job.channel, error_id=error_id, question=job.text)

    def _answer(self, job: Job, thread: list[dict]) -> None:
        checked: list[str] = []
        last_update = [0.0]
        deadline = time.monotonic() + JOB_DEADLINE

        def on_sentence(sentence: str) -> None:
            # Only sentences that passed the checks reach the placeholder; the draft never does.
            checked.append(sentence)
            now = time.monotonic()
            if now > deadline:
                raise TooSlow(job.text[:80])
            if now - last_update[0] >= UPDATE_INTERVAL:
                last_update[0] = now
                try:  # a draft is a courtesy: a failed one (a 429, a blip) never costs the answer
                    self.drafts.chat_update(
                        channel=job.channel, ts=job.placeholder_ts, text=escape(" ".join(noted + checked)) + " …"
                    )
                except Exception as err:  # noqa: BLE001
                    log.warning("draft update skipped: %s", type(err).__name__)
                    self.metrics.count("briefing_draft_updates_skipped_total")

        noted: list[str] = []
        history = self._history(job, thread)
        answer = self.engine.ask(
            job.text, history=history, on_sentence=on_sentence, on_notes=noted.extend, deadline=deadline
        )
        self.metrics.record_answer(answer.status, answer.timings)
        sources = [f"{c.passage.source}#p{c.passage.page}" for c in answer.citations]
        # The answer carries what feedback and follow-ups need, for whichever replica meets them.
        # A question asked back is not part of the conversation.
        record = {
            "event_type": ASIDE_EVENT if answer.status == "clarify" else ANSWER_EVENT,
            "event_payload": {
                "event_id": job.event_id,
                "question": job.text[:500],
                "answered": (answer.standalone_question or job.text)[:500],
                "sources": sources[:10],
            },
        }
        job.replied = True
        self.client.chat_update(
            channel=job.channel,
            ts=job.placeholder_ts,
            text=escape(answer.text),
            blocks=answer_blocks(answer),
            metadata=record,
        )
        if self.debug:
            log.debug("answered %r", job.text)
        self._audit(
            kind="answer",
            user=job.user,
            channel=job.channel,
            team=job.team,
            question=job.text,
            status=answer.status,
            sources=sources,
        )

    def _check(self, job: Job) -> None:
        from bot.engine.check import check_text

        report = check_text(job.text, self.engine.retriever)
        blocks = check_blocks(report)
        summary = escape("; ".join(f"{c.verdict.replace('_', ' ')}: {c.claim}" for c in report.claims) or "no claims")
        if job.placeholder_ts:
            self.client.chat_update(channel=job.channel, ts=job.placeholder_ts, text=summary, blocks=blocks)
        else:
            self.client.chat_postMessage(channel=job.channel, text=summary, blocks=blocks)
        self._audit(
            kind="check",
            user=job.user,
            channel=job.channel,
            question=job.text,
            verdicts=[c.verdict for c in report.claims],
        )

    def _compare(self, job: Job) -> None:
        from bot.records.grid import comparison, council_named

        name = job.text.strip()
        council = council_named(name, self.engine.retriever) if name else None
        if council is None:
            text = f"“{escape(name)}” is not an English children's services authority. Try /compare Lancashire."
            self.client.chat_postMessage(channel=job.channel, text=text)
            return
        rows = comparison(self.engine.retriever, council)
        self.client.chat_postMessage(
            channel=job.channel, text=f"{rows[0].authority} compared with its neighbours", blocks=compare_blocks(rows)
        )
        self._audit(kind="compare", user=job.user, channel=job.channel, question=name)

    def _brief(self, job: Job) -> None:
        if self.brief_builder is None:
            raise RuntimeError("briefs are not available")
        words = job.text.strip()
        markdown = self.brief_builder(words, None)
        chunks = [markdown[i : i + SECTION_LIMIT] for i in range(0, len(markdown), SECTION_LIMIT)]
        first = self.client.chat_postMessage(channel=job.channel, text=escape(chunks[0]))
        for chunk in chunks[1:]:
            self.client.chat_postMessage(channel=job.channel, thread_ts=first["ts"], text=escape(chunk))
        from bot.engine.brief import brief_request
        from bot.records.grid import comparison
        from index.authorities import lookup

        authority, _ = brief_request(words, self.engine.retriever.authorities())
        if authority and lookup(authority):
            # "How it compares" as Block Kit fields: one authority per field, grades marked by colour.
            rows = comparison(self.engine.retriever, authority)
            self.client.chat_postMessage(
                channel=job.channel, thread_ts=first["ts"], text="How it compares", blocks=compare_blocks(rows)
            )
        self._audit(kind="brief", user=job.user, channel=job.channel, question=words)


def create_bot(settings: Settings, engine: AnswerEngine, brief_builder=None) -> SlackBot:
    """The bot for these settings; a missing token is a one-line error."""
    from index.errors import BriefingError

    if settings.slack_bot_token is None:
        raise BriefingError("SLACK_BOT_TOKEN is not set (see the README's Slack section)")
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None

    def split(value: str) -> set[str]:
        return {v.strip() if v.strip().lower() != "dm" else "dm" for v in value.split(",") if v.strip()}

    governance = Governance(
        teams=split(settings.slack_allowed_teams),
        channels=split(settings.slack_allowed_channels),
        users=split(settings.slack_allowed_users),
        audit_path=settings.data_dir / "audit.jsonl",
    )
    return SlackBot(
        engine,
        token=settings.slack_bot_token.get_secret_value(),
        signing_secret=secret,
        api_url=settings.slack_api_url,
        governance=governance,
        brief_builder=brief_builder,
        debug=settings.debug,
    )
