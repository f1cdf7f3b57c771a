"""Who follows which council, and which digests have gone out: one small database in the data dir.

SQLite, because several bot replicas share the data dir and each must post a digest once, not once
each: a digest is claimed by inserting its (report, channel) row, which only one replica can do.
Follows survive restarts because they are rows, not memory.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

STALE_CLAIM = 600.0  # seconds after which an unposted claim is a replica that died mid-post

_SCHEMA = """
create table if not exists follows (
    channel text not null, council text not null, since text not null, by_user text not null default '',
    primary key (channel, council));
create table if not exists digests (
    source text not null, channel text not null, claimed text not null, posted_ts text,
    primary key (source, channel));
"""


class FollowBook:
    """Follows and sent digests, kept in `<data_dir>/follows.sqlite`."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "follows.sqlite"
        with closing(self._connect()) as db, db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)  # a replica writing waits for the other, briefly
        db.execute("pragma busy_timeout = 30000")
        return db

    def follow(self, channel: str, council: str, user: str = "") -> bool:
        """Follow a council in a channel; False when the channel follows it already."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")  # ordered exactly against arrivals
        with closing(self._connect()) as db, db:
            added = db.execute(
                "insert or ignore into follows (channel, council, since, by_user) values (?, ?, ?, ?)",
                (channel, council, now, user),
            )
            return added.rowcount == 1

    def unfollow(self, channel: str, council: str) -> bool:
        """Stop following; False when the channel did not follow it."""
        with closing(self._connect()) as db, db:
            return db.execute("delete from follows where channel = ? and council = ?", (channel, council)).rowcount == 1

    def following(self, channel: str | None = None) -> list[str]:
        """The councils a channel follows (every channel's, without one), sorted."""
        with closing(self._connect()) as db:
            if channel is None:
                rows = db.execute("select distinct council from follows order by council").fetchall()
            else:
                rows = db.execute("select council from follows where channel = ? order by council", (channel,))
            return [council for (council,) in rows]

    def followers(self, council: str) -> list[tuple[str, str]]:
        """(channel, since) for every channel that follows the council."""
        with closing(self._connect()) as db:
            return db.execute("select channel, since from follows where council = ?", (council,)).fetchall()

    def claim(self, source: str, channel: str, *, stale_after: float = STALE_CLAIM) -> bool:
        """Take the digest of a report for a channel; only one replica's claim succeeds.

        A claim never marked posted and older than `stale_after` seconds was a replica killed
        between claiming and posting: it may be taken again, so the digest is not lost.
        """
        now = datetime.now(UTC)
        stale = (now - timedelta(seconds=stale_after)).isoformat(timespec="seconds")
        stamp = now.isoformat(timespec="seconds")
        with closing(self._connect()) as db, db:
            claimed = db.execute(
                "insert or ignore into digests (source, channel, claimed) values (?, ?, ?)", (source, channel, stamp)
            )
            if claimed.rowcount == 1:
                return True
            taken_over = db.execute(
                "update digests set claimed = ? where source = ? and channel = ? and posted_ts is null and claimed < ?",
                (stamp, source, channel, stale),
            )
            return taken_over.rowcount == 1

    def settled(self, *, stale_after: float = STALE_CLAIM) -> set[tuple[str, str]]:
        """(source, channel) of every digest posted or being posted: a pass skips them without a write."""
        stale = (datetime.now(UTC) - timedelta(seconds=stale_after)).isoformat(timespec="seconds")
        with closing(self._connect()) as db:
            rows = db.execute(
                "select source, channel from digests where posted_ts is not null or claimed >= ?", (stale,)
            )
            return set(rows.fetchall())

    def posted(self, source: str, channel: str, ts: str) -> None:
        """Note where the digest went (for the thread a 'Brief me' click answers in)."""
        with closing(self._connect()) as db, db:
            db.execute("update digests set posted_ts = ? where source = ? and channel = ?", (ts, source, channel))

    def release(self, source: str, channel: str) -> None:
        """Give a claim back after a failed post, so the next look tries again."""
        with closing(self._connect()) as db, db:
            db.execute("delete from digests where source = ? and channel = ? and posted_ts is null", (source, channel))
