"""Following a council from Slack: the /follow commands, and the digests posted when its new report arrives.

Every replica looks (each `every` seconds) at the arrivals sync has logged; for each arrival and
each channel that followed the council before it arrived, the replica that claims the (report,
channel) row in the follow book posts the digest; the others see the claim and post nothing. A
failed post gives its claim back, so a later look tries again; a replica killed between claim and
post leaves a claim that goes stale and is taken again. Only news is posted: a report published
within `NEWS_DAYS` of reaching the library. Nothing here waits on a clock in
tests: `look()` is one pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.changes import digest, news_of
from bot.follows import FollowBook
from bot.ops.metrics import Metrics
from bot.records.lookup import cover_of
from bot.slack import messages
from bot.slack.blocks import digest_blocks, escape
from bot.slack.governance import Gate
from index.authorities import lookup
from index.chunk import report_id
from index.retrieve import Retriever
from index.sync import Arrival, arrivals

log = logging.getLogger("briefing.slack")

#: A report is news when Ofsted published it at most this long before it reached the library: a first
#: sync of a council's back catalogue, or a widened list of kinds, posts nothing.
NEWS_DAYS = 60


def is_news(arrival: Arrival) -> bool:
    """Whether an arrival is a newly published report rather than an old one added late."""
    try:
        published = date.fromisoformat(arrival.published)
        arrived = datetime.fromisoformat(arrival.arrived).date()
    except ValueError:
        return False
    return arrived - published <= timedelta(days=NEWS_DAYS)


class Announcer:
    """Posts each new report's digest once to every channel following its council."""

    def __init__(
        self, client, follows: FollowBook, retriever: Retriever, data_dir: Path, metrics: Metrics, every: float
    ) -> None:
        self.client, self.follows, self.retriever = client, follows, retriever
        self.data_dir, self.metrics, self.every = data_dir, metrics, every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def look(self) -> int:
        """One pass over the arrivals; returns how many digests this replica posted."""
        posted = 0
        records = self.retriever.records()
        settled = self.follows.settled()
        for arrival in arrivals(self.data_dir):
            followers = self.follows.followers(arrival.local_authority)
            record = records.get(report_id(arrival.source))
            if not followers or not is_news(arrival) or record is None or cover_of(self.retriever, record) is None:
                continue  # not followed, old, or not yet visible to this replica's library (a later look)
            for channel, since in followers:
                if arrival.arrived < since or (arrival.source, channel) in settled:
                    continue  # arrived before the follow, or posted (or being posted) already
                if not self.follows.claim(arrival.source, channel):
                    continue  # another replica has it
                posted += self._post(channel, arrival.source, record)
        return posted

    def _post(self, channel: str, source: str, record: dict) -> int:
        """Post one digest; a failed post gives its claim back so that a later look tries again."""
        briefing = digest(self.retriever, news_of(self.retriever, record))
        try:
            sent = self.client.chat_postMessage(
                channel=channel, text=escape(briefing.title), blocks=digest_blocks(briefing)
            )
        except Exception as err:  # noqa: BLE001 - Slack down, a channel archived: try again later
            self.follows.release(source, channel)
            self.metrics.count("briefing_digest_failures_total")
            log.warning("digest for %s to %s not posted: %s", source, channel, type(err).__name__)
            return 0
        try:  # posted: from here on, nothing may give the claim back (that would post it twice)
            self.follows.posted(source, channel, sent.get("ts") or "")
        except Exception as err:  # noqa: BLE001
            log.warning("digest for %s to %s posted but not noted: %s", source, channel, type(err).__name__)
        self.metrics.count("briefing_digests_posted_total")
        return 1

    def start(self) -> None:
        """Look every `every` seconds in a thread, for the life of the bot (0: never)."""
        if self.every <= 0 or self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(self.every):
                try:
                    self.look()
                except Exception:  # noqa: BLE001 - a bad pass must not end the digests for good
                    log.exception("looking for new reports failed")

        self._thread = threading.Thread(target=loop, name="digests", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the looking thread."""
        self._stop.set()


class FollowCommands:
    """/follow, /unfollow and /following: a channel's follows, changed and told at once (no queue)."""

    def __init__(self, follows: FollowBook | None, gate: Gate) -> None:
        self.follows, self.gate = follows, gate

    def answer(self, ack: Callable[..., None], command: dict, context: dict, verb: str) -> None:
        """Do what the command says and acknowledge it with the outcome."""
        if self.gate.refused(context):
            ack(messages.NOT_ENABLED)
            return
        if self.follows is None:
            ack(messages.NO_FOLLOWS)
            return
        channel = context["asker"].channel
        if verb == "following":
            ack(messages.following(self.follows.following(channel)))
            return
        words = (command.get("text") or "").strip()
        council = lookup(words) if words else None
        if council is None or not council.current:
            ack(messages.not_a_council(words, verb))
            return
        if verb == "follow":
            fresh = self.follows.follow(channel, council.name, context["asker"].user)
            ack(messages.followed(council.name, fresh))
        else:
            ack(messages.unfollowed(council.name, self.follows.unfollow(channel, council.name)))
        self.gate.audit(kind=verb, user=context["asker"].user, channel=channel, question=council.name)
