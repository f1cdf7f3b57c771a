"""The one worker: serves the queue for the life of the process, each job ending in its reply or an apology."""

from __future__ import annotations

import logging
import threading
import time
import uuid

from bot.ops.metrics import Metrics
from bot.slack import messages
from bot.slack.governance import Gate
from bot.slack.queue import FairQueue, Job
from bot.slack.replies import Replies
from bot.slack.thread import ThreadRecord
from index.errors import TooSlow

log = logging.getLogger("briefing.slack")

JOB_DEADLINE = 180.0  # seconds one job may take before its asker gets an apology instead
HEARTBEAT = 5.0  # the idle worker beats this often, so /healthz can tell a dead worker from a quiet one


class Worker:
    """Takes jobs one at a time (one model answers one question at a time) and says how it is doing."""

    def __init__(self, queue: FairQueue, thread: ThreadRecord, replies: Replies, gate: Gate, metrics: Metrics) -> None:
        self.queue = queue
        self.thread = thread
        self.replies = replies
        self.gate = gate
        self.metrics = metrics
        self.client = thread.client
        self.stopping = False
        self._beat = time.monotonic()  # the worker's last sign of life
        self._busy_since: float | None = None
        self._current: Job | None = None
        self.loop = threading.Thread(target=self._work, daemon=True, name="slack-worker")
        self.loop.start()

    def health(self) -> dict:
        """For /healthz: is the worker alive and moving, and how much is waiting."""
        now = time.monotonic()
        busy = now - self._busy_since if self._busy_since is not None else 0.0
        alive = self.loop.is_alive()
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

        Stops taking more, and tells each asker still waiting, and the one being answered, to ask
        again. Returns how many were told.
        """
        self.stopping = True
        unfinished = [job for job in [self._current, *self.queue.drain()] if job is not None and not job.replied]
        for job in unfinished:
            try:
                if job.placeholder_ts:
                    self.thread.give_up(job.channel, job.placeholder_ts, job.event_id, messages.RESTARTED)
                else:
                    self.client.chat_postMessage(
                        channel=job.channel, thread_ts=job.thread_ts or None, text=messages.RESTARTED
                    )
            except Exception as err:  # noqa: BLE001 - going down anyway; the log says who was not told
                log.warning("could not tell %s the bot is restarting: %s", job.user, type(err).__name__)
        return len(unfinished)

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
            thread = self.thread.claim(job)
            if thread is None:
                return
            other = {"brief": self.replies.brief, "check": self.replies.check, "compare": self.replies.compare}
            if job.kind in other:
                other[job.kind](job)
            else:
                self.replies.answer(job, self.thread.history(job, thread), time.monotonic() + JOB_DEADLINE)
        except Exception as err:  # every path ends in a reply: an apology the team can trace
            error_id = uuid.uuid4().hex[:8]
            log.exception("answer failed (error id %s)", error_id)
            self.metrics.count("briefing_errors_total")
            self._apologise(job, messages.apology(error_id, too_slow=isinstance(err, TooSlow)), error_id)
            self.gate.audit(kind="error", user=job.user, channel=job.channel, error_id=error_id, question=job.text)

    def _apologise(self, job: Job, text: str, error_id: str) -> None:
        try:
            if job.placeholder_ts:
                self.client.chat_update(channel=job.channel, ts=job.placeholder_ts, text=text, blocks=[])
            else:
                self.client.chat_postMessage(channel=job.channel, thread_ts=job.thread_ts or None, text=text)
        except Exception:  # noqa: BLE001 - Slack itself is unreachable; the log has the id
            log.exception("could not post the apology (error id %s)", error_id)
