"""Digests for the channels that follow a council, posted when its new report reaches the library.

Every replica looks (each `every` seconds) at the arrivals sync has logged; for each arrival and
each channel that followed the council before it arrived, the replica that claims the (report,
channel) row in the follow book posts the digest; the others see the claim and post nothing. A
failed post gives its claim back, so a later look tries again. Nothing here waits on a clock in
tests: `look()` is one pass.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bot.changes import digest, news_of
from bot.follows import FollowBook
from bot.ops.metrics import Metrics
from bot.records.lookup import cover_of
from bot.slack.blocks import digest_blocks, escape
from index.chunk import report_id
from index.retrieve import Retriever
from index.sync import arrivals

log = logging.getLogger("briefing.slack")


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
        for arrival in arrivals(self.data_dir):
            followers = self.follows.followers(arrival.local_authority)
            record = records.get(report_id(arrival.source))
            if not followers or record is None or cover_of(self.retriever, record) is None:
                continue  # not followed, or not yet visible to this replica's library: a later look
            for channel, since in followers:
                if arrival.arrived < since or not self.follows.claim(arrival.source, channel):
                    continue  # arrived before the follow, or another replica has it
                try:
                    self._post(channel, arrival.source, record)
                except Exception as err:  # noqa: BLE001 - Slack down, a channel archived: try again later
                    self.follows.release(arrival.source, channel)
                    self.metrics.count("briefing_digest_failures_total")
                    log.warning("digest for %s to %s not posted: %s", arrival.source, channel, type(err).__name__)
                    continue
                posted += 1
        return posted

    def _post(self, channel: str, source: str, record: dict) -> None:
        briefing = digest(self.retriever, news_of(self.retriever, record))
        blocks = digest_blocks(briefing)
        sent = self.client.chat_postMessage(channel=channel, text=escape(briefing.title), blocks=blocks)
        self.follows.posted(source, channel, sent.get("ts") or "")
        self.metrics.count("briefing_digests_posted_total")

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
