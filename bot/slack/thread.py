"""The thread protocol: the bot's own messages carry Slack metadata, so the thread is the conversation's record.

Every replica reads the same thread, so none needs sticky sessions or a store of its own: which
event a placeholder answers, what an answer answered and cited, who has a question (`claim`).
"""

from __future__ import annotations

import logging
import time

from cachetools import LRUCache, TTLCache

from bot.engine.answer import Turn
from bot.ops.metrics import Metrics
from bot.slack.messages import ANSWERED_ABOVE, SEARCHING
from bot.slack.payload import ts_order
from bot.slack.queue import Job

log = logging.getLogger("briefing.slack")

QUESTION_EVENT = "briefing_question"  # a placeholder: which event it answers
ANSWER_EVENT = "briefing_answer"  # an answer: the question it answered, and its sources
ASIDE_EVENT = "briefing_aside"  # a question asked back, or a refusal: ours, but not a turn
NOT_OURS_FOR = 60.0  # seconds a thread the bot has not spoken in is believed not to be ours
THREAD_PAGES = 5  # a thread read back is at most 1,000 messages
CLAIM_REREADS = (0.5, 1.0, 0.0)  # a read that misses our own new placeholder is stale: wait, read again
REMEMBERED = 5000  # threads (and events) remembered per process
TURNS_KEPT = 4  # earlier turns a follow-up is read with


class ThreadRecord:
    """Reads and writes the conversation's record in Slack itself, as this bot's messages."""

    def __init__(self, client, metrics: Metrics) -> None:
        self.client = client
        self.metrics = metrics
        self.bot_id = ""
        self.bot_user = self._whoami()
        self._our_threads: LRUCache = LRUCache(REMEMBERED)  # a cache of what Slack says
        self._not_ours: TTLCache = TTLCache(REMEMBERED, ttl=NOT_OURS_FOR, timer=time.monotonic)

    def _whoami(self) -> str:
        try:
            me = self.client.auth_test()
            self.bot_id = str(me.get("bot_id") or "")
            return me["user_id"]
        except Exception:  # noqa: BLE001 - a bot that cannot call auth.test still answers DMs
            log.warning("auth.test failed; mentions will be matched by any user id")
            return ""

    def read(self, channel: str, thread_ts: str) -> list[dict]:
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

    def ours(self, message: dict, kind: str | None = None) -> dict | None:
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

    def holds(self, message: dict, event_id: str) -> bool:
        """Whether this is our placeholder or reply for that event, not one given up."""
        payload = self.ours(message)
        return payload is not None and payload.get("event_id") == event_id and not payload.get("released")

    def taken(self, channel: str, thread_ts: str, event_id: str) -> bool:
        """Whether this thread already holds our placeholder or reply for that event (on any replica)."""
        return any(self.holds(m, event_id) for m in self.read(channel, thread_ts))

    def placeholder(self, channel: str, thread_ts: str, event_id: str) -> str:
        """Post the "Searching…" message that says which event it answers; returns its ts."""
        metadata = {"event_type": QUESTION_EVENT, "event_payload": {"event_id": event_id}}
        posted = self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=SEARCHING, metadata=metadata)
        return posted["ts"]

    def give_up(self, channel: str, ts: str, event_id: str, text: str) -> None:
        """Turn a placeholder into a refusal that lets the event go: another replica may take it."""
        released = {"event_type": ASIDE_EVENT, "event_payload": {"event_id": event_id, "released": True}}
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=[], metadata=released)

    def spoke_in(self, channel: str, thread_ts: str) -> None:
        """Remember that the bot has spoken in this thread."""
        self._our_threads[(channel, thread_ts)] = None
        self._not_ours.pop((channel, thread_ts), None)

    def answers_in(self, channel: str, thread_ts: str) -> bool:
        """Whether the bot has spoken in this thread, so replies there need no mention."""
        key = (channel, thread_ts)
        if key in self._our_threads:
            return True
        if key in self._not_ours:
            return False  # asked a moment ago: a busy thread costs one call a minute, not one a reply
        if not any(self.ours(m) is not None for m in self.read(channel, thread_ts)):
            self._not_ours[key] = None
            return False
        self._our_threads[key] = None
        return True

    def answer_record(self, channel: str, message: dict, message_ts: str | None) -> dict:
        """What an answer recorded about itself (question, sources), on whichever replica is asked.

        From the clicked message's metadata when the payload carries it, else read back from Slack.
        """
        found = self.ours(message, ANSWER_EVENT)
        if found is None and message_ts:
            thread = message.get("thread_ts") or message_ts
            found = next(
                (self.ours(m, ANSWER_EVENT) for m in self.read(channel, thread) if m.get("ts") == message_ts), None
            )
        return found or {}

    def claim(self, job: Job) -> list[dict] | None:
        """The job's thread, read once as its work starts; None when another replica has the question.

        The look-up when a question is accepted catches a retry that lands after the first
        placeholder is posted. Two replicas can still both look before either posts; then the
        earlier placeholder (Slack orders a channel's messages by ts, the same for everyone) keeps
        the question and the later one is deleted, so both replicas reach the same verdict and the
        asker sees one reply. A placeholder given up ("too many waiting", "restarted") keeps
        nothing. A read that does not yet show our own placeholder is stale and is tried again; one
        that fails altogether leaves the question answered here, so at worst twice, never not at all.
        """
        if not job.placeholder_ts:
            return []  # a slash command: Slack delivers it once, to one replica, and it has no thread
        for wait in CLAIM_REREADS:
            thread = self.read(job.channel, job.thread_ts)
            if any(m.get("ts") == job.placeholder_ts for m in thread):
                break
            time.sleep(wait)
        mine = ts_order(job.placeholder_ts)
        if not any(self.holds(m, job.event_id) and ts_order(m.get("ts") or "") < mine for m in thread):
            return thread
        job.replied = True  # the other replica's reply is the answer: nothing of ours to resolve
        self.metrics.count("briefing_duplicate_events_total")
        try:
            self.client.chat_delete(channel=job.channel, ts=job.placeholder_ts)
        except Exception as err:  # noqa: BLE001 - then it says so rather than "Searching…" for ever
            log.warning("could not delete a second placeholder: %s", type(err).__name__)
            try:
                self.give_up(job.channel, job.placeholder_ts, "", ANSWERED_ABOVE)
            except Exception as again:  # noqa: BLE001 - Slack is down; the answer above stands
                log.warning("could not mark a second placeholder: %s", type(again).__name__)
        return None

    def history(self, job: Job, thread: list[dict]) -> list[Turn]:
        """The conversation so far, read back from the thread: the same on every replica."""
        turns = []
        for message in thread:
            payload = self.ours(message, ANSWER_EVENT)
            if payload is not None and message.get("ts") != job.placeholder_ts:
                turns.append(Turn(str(payload.get("answered", "")), str(message.get("text", ""))))
        return turns[-TURNS_KEPT:]
