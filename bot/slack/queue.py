"""The work waiting for the one worker: a fair queue of jobs, one user's turn at a time."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

MAX_WAITING_PER_USER = 3  # a user's questions waiting at once; more are declined, not queued


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
