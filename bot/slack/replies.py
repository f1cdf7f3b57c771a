"""What each job posts: an answer streamed into its placeholder, a claim check, a comparison, a brief."""

from __future__ import annotations

import logging
import time

from bot.engine.answer import AnswerEngine, Turn
from bot.ops.metrics import Metrics
from bot.render import document
from bot.services import brief_comparison, brief_from_words, compare_request
from bot.slack.blocks import SECTION_LIMIT, answer_blocks, check_blocks, compare_blocks, escape
from bot.slack.governance import Gate
from bot.slack.queue import Job
from bot.slack.thread import ANSWER_EVENT, ASIDE_EVENT
from index.errors import BriefingError, TooSlow

log = logging.getLogger("briefing.slack")

UPDATE_INTERVAL = 3.0  # seconds between streamed drafts: ~20 chat.update a minute, under tier 3's ~50


class Replies:
    """Posts each kind of job's reply, and audits it."""

    def __init__(
        self,
        engine: AnswerEngine,
        client,
        drafts,
        gate: Gate,
        metrics: Metrics,
        *,
        debug: bool = False,
    ) -> None:
        self.engine = engine
        self.client = client
        self.drafts = drafts  # best effort: a 429 on a draft skips it rather than sleep in the only worker
        self.gate = gate
        self.metrics = metrics
        self.debug = debug

    def answer(self, job: Job, history: list[Turn], deadline: float) -> None:
        """The answer, streamed into the placeholder sentence by sentence as each passes the checks."""
        checked: list[str] = []
        noted: list[str] = []
        last_update = [0.0]

        def on_sentence(sentence: str) -> None:
            # Only sentences that passed the checks reach the placeholder; the draft never does.
            checked.append(sentence)
            now = time.monotonic()
            if now > deadline:
                raise TooSlow(job.text[:80])
            if now - last_update[0] >= UPDATE_INTERVAL:
                last_update[0] = now
                self._draft(job, escape(" ".join(noted + checked)) + " …")

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
            channel=job.channel, ts=job.placeholder_ts, text=escape(answer.text), blocks=answer_blocks(answer),
            metadata=record,
        )  # fmt: skip
        if self.debug:
            log.debug("answered %r", job.text)
        self.gate.audit(
            kind="answer", user=job.user, channel=job.channel, team=job.team, question=job.text,
            status=answer.status, sources=sources,
        )  # fmt: skip

    def _draft(self, job: Job, text: str) -> None:
        try:  # a draft is a courtesy: a failed one (a 429, a blip) never costs the answer
            self.drafts.chat_update(channel=job.channel, ts=job.placeholder_ts, text=text)
        except Exception as err:  # noqa: BLE001
            log.warning("draft update skipped: %s", type(err).__name__)
            self.metrics.count("briefing_draft_updates_skipped_total")

    def check(self, job: Job) -> None:
        """Each claim's verdict, with the report's own words."""
        report = self.engine.check(job.text)
        blocks = check_blocks(report)
        summary = escape("; ".join(f"{c.verdict.replace('_', ' ')}: {c.claim}" for c in report.claims) or "no claims")
        if job.placeholder_ts:
            self.client.chat_update(channel=job.channel, ts=job.placeholder_ts, text=summary, blocks=blocks)
        else:
            self.client.chat_postMessage(channel=job.channel, text=summary, blocks=blocks)
        verdicts = [c.verdict for c in report.claims]
        self.gate.audit(kind="check", user=job.user, channel=job.channel, question=job.text, verdicts=verdicts)

    def compare(self, job: Job) -> None:
        """The comparison grid, or why the name is not a council."""
        asked = compare_request(job.text, self.engine.retriever)
        if asked.problem:
            text = f"{escape(asked.problem)}. Try /compare Lancashire."
            self.client.chat_postMessage(channel=job.channel, text=text)
            return
        rows = asked.rows
        self.client.chat_postMessage(
            channel=job.channel, text=f"{rows[0].authority} compared with its neighbours", blocks=compare_blocks(rows)
        )
        self.gate.audit(kind="compare", user=job.user, channel=job.channel, question=job.text.strip())

    def brief(self, job: Job) -> None:
        """The brief as messages in a thread, with the comparison grid as Block Kit after it."""
        words = job.text.strip()
        try:
            briefing = brief_from_words(self.engine.retriever, words)
            chunks = _chunks(document.markdown(briefing))
        except BriefingError as err:  # a council the library does not hold: say so, not "something went wrong"
            briefing, chunks = None, [f"Sorry, {err}"]
        # A brief asked for in a mention replaces its placeholder; a "Brief me" under a digest answers in
        # the digest's thread; /brief starts a thread of its own.
        where = {"channel": job.channel, "thread_ts": job.thread_ts or None}
        job.replied = True  # its reply is going out: a shutdown must not overwrite it with "ask again"
        if job.placeholder_ts:
            self.client.chat_update(channel=job.channel, ts=job.placeholder_ts, text=escape(chunks[0]))
            thread_ts = job.thread_ts
        else:
            first = self.client.chat_postMessage(**where, text=escape(chunks[0]))
            thread_ts = job.thread_ts or first["ts"]
        for chunk in chunks[1:]:
            self.client.chat_postMessage(channel=job.channel, thread_ts=thread_ts, text=escape(chunk))
        if briefing is None:
            return
        rows = brief_comparison(briefing, self.engine.retriever)
        if rows:
            # "How it compares" as Block Kit fields: one authority per field, grades marked by colour.
            self.client.chat_postMessage(
                channel=job.channel, thread_ts=thread_ts, text="How it compares", blocks=compare_blocks(rows)
            )
        self.gate.audit(kind="brief", user=job.user, channel=job.channel, question=words)


def _chunks(text: str) -> list[str]:
    """Text cut to what one Slack message holds."""
    return [text[i : i + SECTION_LIMIT] for i in range(0, len(text), SECTION_LIMIT)]
