"""The Slack bot: managers ask in Slack and get cited answers and briefs in the thread.

Every event is acknowledged at once (Bolt acks before our handlers return); the work goes to a
fair queue served by one worker, because one model answers one question at a time. Each path
ends in an answer, a "nothing in the library" reply, or an apology with an error id.

The parts, each in its own module: `handlers` (Bolt's listeners, taking requests in),
`governance` (allowlists as middleware, the audit trail), `thread` (the conversation's record,
kept in Slack), `queue`, `worker`, `replies` (what each job posts), `blocks`, `messages`,
`payload` (Slack's fields), `http` (the HTTP front), `digests` (new reports, to the channels that
follow their council).
"""

from __future__ import annotations

import logging
from pathlib import Path

from bot.engine.answer import AnswerEngine
from bot.follows import FollowBook
from bot.ops.metrics import Metrics
from bot.settings import Settings
from bot.slack.digests import Announcer, FollowCommands
from bot.slack.governance import Gate, Governance
from bot.slack.handlers import Intake, register
from bot.slack.queue import FairQueue
from bot.slack.replies import Replies
from bot.slack.thread import ThreadRecord
from bot.slack.worker import Worker

log = logging.getLogger("briefing.slack")


class SlackBot:
    """Wires a Bolt app to the answer engine: the listeners take requests in, one worker answers."""

    def __init__(
        self,
        engine: AnswerEngine,
        *,
        token: str,
        signing_secret: str | None,
        api_url: str,
        governance: Governance,
        debug: bool = False,
        metrics: Metrics | None = None,
        follows: FollowBook | None = None,
        data_dir: Path | None = None,
        digest_every: float = 0.0,
    ) -> None:
        from slack_bolt import App
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        client = WebClient(token=token, base_url=api_url)
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
        # Drafts are best effort: a 429 on one skips it rather than sleep in the only worker.
        drafts = WebClient(token=token, base_url=api_url, retry_handlers=[])
        self.engine = engine
        self.metrics = metrics or Metrics()
        self.queue = FairQueue()
        self.gate = Gate(governance, self.metrics)
        self.thread = ThreadRecord(client, self.metrics)
        self.app = App(
            client=client,
            signing_secret=signing_secret or "unused-in-socket-mode",
            request_verification_enabled=signing_secret is not None,
            token_verification_enabled=False,
        )
        self.intake = Intake(client, self.thread, self.gate, self.queue)
        register(self.app, self.intake, FollowCommands(follows, self.gate))
        replies = Replies(engine, client, drafts, self.gate, self.metrics, debug=debug)
        self.worker = Worker(self.queue, self.thread, replies, self.gate, self.metrics)
        self.announcer = None
        if follows is not None and data_dir is not None:
            # Digests of new reports for the channels that follow a council (see `digests`).
            self.announcer = Announcer(client, follows, engine.retriever, data_dir, self.metrics, digest_every)
            self.announcer.start()

    def accept(self, event: dict, body: dict) -> bool:
        """Take one event in as Bolt hands it over, governance first (for benches that skip HTTP)."""
        context: dict = {}
        self.gate.middleware(context, {**body, "event": event}, lambda: None)
        return self.intake.accept(event, body, context)

    def health(self) -> dict:
        """For /healthz: is the worker alive and moving, and how much is waiting."""
        return self.worker.health()

    def shutdown(self) -> int:
        """Stop taking questions and tell everyone still waiting to ask again; returns how many were told."""
        self.intake.stopping = True
        if self.announcer is not None:
            self.announcer.stop()
        return self.worker.shutdown()


def create_bot(settings: Settings, engine: AnswerEngine) -> SlackBot:
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
        debug=settings.debug,
        follows=FollowBook(settings.data_dir),
        data_dir=settings.data_dir,
        digest_every=settings.digest_every,
    )
