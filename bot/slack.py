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

from bot.answer import Answer, AnswerEngine, Turn, with_choice
from bot.check import CheckReport
from bot.judgements import Standing
from bot.operations import Metrics
from bot.settings import Settings

log = logging.getLogger("briefing.slack")

SUGGESTED_PROMPTS = [
    {"title": "Strategy discussions", "message": "What did Ofsted say about strategy discussions in Lancashire?"},
    {"title": "Latest judgements", "message": "How were St Helens care leavers judged in 2023?"},
    {"title": "What to improve", "message": "What does Ofsted want Birmingham to improve?"},
]
SECTION_LIMIT = 2900  # Slack allows 3,000 characters in a section block
UPDATE_INTERVAL = 1.0  # seconds between streamed chat.update calls (Slack's tier-3 limit is ~50/min)


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
    from bot.judgements import COLUMNS, short

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


class FairQueue:
    """Round-robin across users, so one user's many questions cannot starve the others."""

    def __init__(self) -> None:
        self._by_user: OrderedDict[str, deque[Job]] = OrderedDict()
        self._ready = threading.Condition()

    def put(self, job: Job) -> int:
        """Queue a job; returns how many jobs will be served before it."""
        with self._ready:
            self._by_user.setdefault(job.user, deque()).append(job)
            ahead = 0
            depth = len(self._by_user[job.user])
            for queue in self._by_user.values():
                ahead += min(len(queue), depth)
            self._ready.notify()
            return ahead - 1

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
        """Empty lists allow everyone."""
        return (
            (not self.teams or team in self.teams)
            and (not self.channels or channel in self.channels or channel.startswith("D"))
            and (not self.users or user in self.users)
        )

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
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
        self.client = client
        self.engine = engine
        self.governance = governance
        self.brief_builder = brief_builder
        self.debug = debug
        self.metrics = metrics or Metrics()
        self.queue = FairQueue()
        self.threads: dict[str, list[Turn]] = {}  # thread ts -> conversation so far
        self.answered: dict[str, dict] = {}  # answer message ts -> question and sources, for feedback
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._seen_lock = threading.Lock()
        self.app = App(
            client=client,
            signing_secret=signing_secret or "unused-in-socket-mode",
            request_verification_enabled=signing_secret is not None,
            token_verification_enabled=False,
        )
        self.bot_user = self._bot_user()
        self._register()
        threading.Thread(target=self._work, daemon=True, name="slack-worker").start()

    def _bot_user(self) -> str:
        try:
            return self.client.auth_test()["user_id"]
        except Exception:  # noqa: BLE001 - a bot that cannot call auth.test still answers DMs
            log.warning("auth.test failed; mentions will be matched by any user id")
            return ""

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
            in_our_thread = event.get("thread_ts") in self.threads
            mentioned = self.bot_user and f"<@{self.bot_user}>" in text
            if (in_dm or in_our_thread) and not mentioned:
                self._accept(event, body)

        self._register_assistant()

        @app.command("/brief")
        def on_brief(ack, command):
            ack(f"Preparing a brief on {escape(command.get('text') or '…')}")
            self._command(command, "brief")

        @app.command("/compare")
        def on_compare(ack, command):
            ack(f"Comparing {escape(command.get('text') or '…')} with its neighbours and region…")
            self._command(command, "compare")

        @app.command("/check")
        def on_check(ack, command):
            ack("Checking that against the reports…")
            self._command(command, "check")

        @app.action(re.compile("feedback_.*"))
        def on_feedback(ack, body, action):
            ack()
            message_ts = body.get("message", {}).get("ts") or body.get("container", {}).get("message_ts")
            asked = self.answered.get(message_ts, {})
            self.governance.record(
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
            user = body.get("user", {}).get("id", "")
            channel = body.get("channel", {}).get("id", "")
            message = body.get("message", {})
            thread_ts = message.get("thread_ts") or message.get("ts") or body.get("container", {}).get("message_ts")
            team = body.get("team", {}).get("id", "")
            if not self.governance.allows(team, channel, user):
                return
            if not self._first_time(f"choice:{thread_ts}:{body.get('container', {}).get('message_ts')}"):
                return  # a second click on the same question's choices is not a second question
            placeholder = self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text="Searching the reports…"
            )
            job = Job(user, channel, thread_ts, action.get("value", ""), placeholder_ts=placeholder["ts"], team=team)
            self.queue.put(job)

    def _command(self, command: dict, kind: str) -> None:
        """A slash command's work, queued like a question once the asker is allowed."""
        if not self.governance.allows(command.get("team_id", ""), command["channel_id"], command["user_id"]):
            self.client.chat_postEphemeral(
                channel=command["channel_id"],
                user=command["user_id"],
                text="Sorry, this assistant is not enabled here.",
            )
            return
        job = Job(
            command["user_id"],
            command["channel_id"],
            "",
            command.get("text", ""),
            kind,
            team=command.get("team_id", ""),
        )
        self.queue.put(job)

    def _register_assistant(self) -> None:
        """Slack's AI-assistant surface, where the workspace has it: prompts, status, titles."""
        from slack_bolt import Assistant

        assistant = Assistant()

        @assistant.thread_started
        def started(say, set_suggested_prompts):
            say("Ask me about any authority's Ofsted reports. Every answer cites the report, page and paragraph.")
            set_suggested_prompts(prompts=SUGGESTED_PROMPTS)

        @assistant.user_message
        def asked(payload, body, set_status, set_title):
            set_title((payload.get("text") or "Question")[:60])
            set_status("searching the reports…")
            self._accept(payload, body)

        self.app.use(assistant)

    def _accept(self, event: dict, body: dict) -> None:
        key = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
        if not self._first_time(key):
            return
        user, channel = event.get("user", ""), event.get("channel", "")
        team = body.get("team_id", "")
        thread_ts = event.get("thread_ts") or event.get("ts")
        if not self.governance.allows(team, channel, user):
            self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text="Sorry, this assistant is not enabled in this channel."
            )
            return
        text = re.sub(r"<@[A-Z0-9]+>", "", event.get("text") or "").strip()
        if not text:
            self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text="Ask me about an authority's Ofsted reports, e.g. “what did Ofsted say "
                "about strategy discussions in Lancashire?”",
            )
            return
        self.threads.setdefault(thread_ts, [])
        kind = "ask"
        asked_check = re.match(r"^check\s*:\s*(.+)$", text, re.I | re.S)
        if asked_check:
            kind, text = "check", asked_check.group(1).strip()
        placeholder = self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text="Searching the reports…")
        job = Job(user, channel, thread_ts, text, kind, placeholder_ts=placeholder["ts"], team=team)
        ahead = self.queue.put(job)
        if ahead > 0:
            self.client.chat_update(
                channel=channel,
                ts=placeholder["ts"],
                text=f"You're number {ahead + 1} in the queue; I'll answer here shortly.",
            )

    # --- the worker ---------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job = self.queue.get()
            if job is None:
                continue
            try:
                if job.kind == "brief":
                    self._brief(job)
                elif job.kind == "check":
                    self._check(job)
                elif job.kind == "compare":
                    self._compare(job)
                else:
                    self._answer(job)
            except Exception:  # every path ends in a reply: an apology the team can trace
                error_id = uuid.uuid4().hex[:8]
                log.exception("answer failed (error id %s)", error_id)
                self.metrics.count("briefing_errors_total")
                text = f"Sorry, something went wrong answering that (error id {error_id}). Please try again."
                try:
                    if job.placeholder_ts:
                        self.client.chat_update(channel=job.channel, ts=job.placeholder_ts, text=text, blocks=[])
                    else:
                        self.client.chat_postMessage(channel=job.channel, thread_ts=job.thread_ts or None, text=text)
                except Exception:  # noqa: BLE001 - Slack itself is unreachable; the log has the id
                    log.exception("could not post the apology (error id %s)", error_id)
                self.governance.record(
                    kind="error", user=job.user, channel=job.channel, error_id=error_id, question=job.text
                )

    def _answer(self, job: Job) -> None:
        checked: list[str] = []
        last_update = [0.0]

        def on_sentence(sentence: str) -> None:
            # Only sentences that passed the checks reach the placeholder; the draft never does.
            checked.append(sentence)
            now = time.monotonic()
            if now - last_update[0] >= UPDATE_INTERVAL:
                last_update[0] = now
                self.client.chat_update(
                    channel=job.channel, ts=job.placeholder_ts, text=escape(" ".join(noted + checked)) + " …"
                )

        noted: list[str] = []
        history = self.threads.get(job.thread_ts, [])
        answer = self.engine.ask(job.text, history=history, on_sentence=on_sentence, on_notes=noted.extend)
        if answer.status != "clarify":  # a question asked back is not part of the conversation
            history.append(Turn(answer.standalone_question or job.text, answer.text))
        self.metrics.record_answer(answer.status, answer.timings)
        sources = [f"{c.passage.source}#p{c.passage.page}" for c in answer.citations]
        # Known before the answer is shown, so a click on its feedback buttons always finds it.
        self.answered[job.placeholder_ts] = {"question": job.text, "sources": sources}
        self.client.chat_update(
            channel=job.channel, ts=job.placeholder_ts, text=escape(answer.text), blocks=answer_blocks(answer)
        )
        if self.debug:
            log.debug("answered %r", job.text)
        self.governance.record(
            kind="answer",
            user=job.user,
            channel=job.channel,
            team=job.team,
            question=job.text,
            status=answer.status,
            sources=sources,
        )

    def _check(self, job: Job) -> None:
        from bot.check import check_text

        report = check_text(job.text, self.engine.retriever)
        blocks = check_blocks(report)
        summary = escape("; ".join(f"{c.verdict.replace('_', ' ')}: {c.claim}" for c in report.claims) or "no claims")
        if job.placeholder_ts:
            self.client.chat_update(channel=job.channel, ts=job.placeholder_ts, text=summary, blocks=blocks)
        else:
            self.client.chat_postMessage(channel=job.channel, text=summary, blocks=blocks)
        self.governance.record(
            kind="check",
            user=job.user,
            channel=job.channel,
            question=job.text,
            verdicts=[c.verdict for c in report.claims],
        )

    def _compare(self, job: Job) -> None:
        from bot.judgements import comparison, council_named

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
        self.governance.record(kind="compare", user=job.user, channel=job.channel, question=name)

    def _brief(self, job: Job) -> None:
        if self.brief_builder is None:
            raise RuntimeError("briefs are not available")
        words = job.text.strip()
        markdown = self.brief_builder(words, None)
        chunks = [markdown[i : i + SECTION_LIMIT] for i in range(0, len(markdown), SECTION_LIMIT)]
        first = self.client.chat_postMessage(channel=job.channel, text=escape(chunks[0]))
        for chunk in chunks[1:]:
            self.client.chat_postMessage(channel=job.channel, thread_ts=first["ts"], text=escape(chunk))
        from bot.brief import brief_request
        from bot.judgements import comparison
        from index.authorities import lookup

        authority, _ = brief_request(words, self.engine.retriever.authorities())
        if authority and lookup(authority):
            # "How it compares" as Block Kit fields: one authority per field, grades marked by colour.
            rows = comparison(self.engine.retriever, authority)
            self.client.chat_postMessage(
                channel=job.channel, thread_ts=first["ts"], text="How it compares", blocks=compare_blocks(rows)
            )
        self.governance.record(kind="brief", user=job.user, channel=job.channel, question=words)


def create_bot(settings: Settings, engine: AnswerEngine, brief_builder=None) -> SlackBot:
    """The bot for these settings; a missing token is a one-line error."""
    from index.errors import BriefingError

    if settings.slack_bot_token is None:
        raise BriefingError("SLACK_BOT_TOKEN is not set (see the README's Slack section)")
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None

    def split(value: str) -> set[str]:
        return {v.strip() for v in value.split(",") if v.strip()}

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
