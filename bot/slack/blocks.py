"""Block Kit for what the bot posts: answers with their sources, the comparison grid, claim checks, digests."""

from __future__ import annotations

import re

from bot.engine.answer import Answer
from bot.engine.brief_parts import Briefing
from bot.engine.check import CheckReport
from bot.evidence.citations import Citation, source_parts
from bot.records.grid import COLUMNS, Standing
from bot.records.lookup import short

SECTION_LIMIT = 2900  # Slack allows 3,000 characters in a section block


def escape(text: str) -> str:
    """Make document or model text inert in mrkdwn: no pings, no forged links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    if not re.fullmatch(r"https?://[^\s|<>]+", url or ""):
        return escape(label)
    return f"<{url}|{escape(label)}>"


def answer_blocks(answer: Answer) -> list[dict]:
    """Block Kit for an answer: the notes, the text, a compact sources list, choices, feedback buttons."""
    blocks: list[dict] = []
    if answer.notes:
        notes = escape("\n".join(answer.notes))[:SECTION_LIMIT]
        blocks.append(_context(notes))
    body = escape(answer.text)
    for start in range(0, len(body), SECTION_LIMIT):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[start : start + SECTION_LIMIT]}})
    if answer.citations:
        text = "\n".join(_source(c) for c in answer.citations)
        blocks += [_context(text[start : start + SECTION_LIMIT]) for start in range(0, len(text), SECTION_LIMIT)]
    if answer.status == "clarify":
        # One button per council the name could mean; a click asks the question again with that council.
        buttons = [
            _button(f"choose_place_{i}", choice[:75], answer.with_choice(choice)[:2000])
            for i, choice in enumerate(answer.choices)
        ]
        blocks.append({"type": "actions", "block_id": "choose_place", "elements": buttons})
    feedback = [
        _button("feedback_helpful", "Helpful", "helpful"),
        _button("feedback_not_helpful", "Not helpful", "not_helpful"),
    ]
    blocks.append({"type": "actions", "block_id": "feedback", "elements": feedback})
    return blocks


def _source(c: Citation) -> str:
    """One source as the answer lists it: where, the quote (or a note that it is metadata), the link."""
    p = c.passage
    head = f"*[{c.n}]* " + " · ".join(escape(part) for part in source_parts(p))
    quote = escape(c.quote if len(c.quote) < 280 else c.quote[:277] + "…")
    link = _link(f"{p.url}#page={p.page}" if p.url else "", "open report") if p.url else escape(p.source)
    said = f"{quote} (Ofsted's published metadata, not a quotation)" if c.from_metadata else f">_{quote}_"
    return f"{head}\n{said}\n{link}"


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(action_id: str, label: str, value: str) -> dict:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label}, "value": value}


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
            where = " · ".join(escape(part) for part in source_parts(p))
            lines.append(f"[{c.n}] {where} · {link}")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:SECTION_LIMIT]}})
    judged = "the rules alone" if report.judged_by == "rules" else f"the rules, then {report.judged_by}"
    blocks.append(_context(escape("\n".join([*report.notes, f"Checked by {judged}."]))[:SECTION_LIMIT]))
    return blocks


def digest_blocks(digest: Briefing) -> list[dict]:
    """Block Kit for a new report's digest: each section's cited lines, the sources, a "Brief me" button."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": digest.title[:150]}}]
    if digest.notes:
        blocks.append(_context(escape("\n".join(digest.notes))[:SECTION_LIMIT]))
    cited: dict[int, Citation] = {}
    for section in digest.sections:
        lines = [f"*{escape(section.title)}*"]
        for bullet in section.bullets:
            marks = "".join(f"[{c.n}]" for c in bullet.citations)
            note = f" _({escape(bullet.note)})_" if bullet.note else ""
            lines.append(f"• {escape(bullet.text)} {marks}{note}".rstrip())
            cited.update((c.n, c) for c in bullet.citations)
        if not section.bullets:
            lines.append("_Nothing in the report for this section._")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:SECTION_LIMIT]}})
    sources = "\n".join(_source(c) for _, c in sorted(cited.items()))
    blocks += [_context(sources[start : start + SECTION_LIMIT]) for start in range(0, len(sources), SECTION_LIMIT)]
    blocks.append(
        {"type": "actions", "block_id": "digest", "elements": [_button("brief_me", "Brief me", digest.authority or "")]}
    )
    return blocks[:50]
