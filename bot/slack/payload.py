"""Slack's payload fields, read in one place: who is asking, from which workspace and channel.

Events, slash commands, button clicks and the assistant surface each put these fields somewhere
else; every handler and the governance middleware read them through `asker`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Asker:
    """Who sent a request, and where from."""

    team: str
    channel: str
    user: str


def user_team(payload: dict, body: dict) -> str:
    """The asker's own workspace, not the envelope's.

    In a Slack Connect channel the envelope's team is the host's: checking it lets any guest in.
    """
    for key in ("user_team", "team_id", "team"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return value
    return body.get("team_id") or (body.get("team") or {}).get("id", "")


def user_id(body: dict) -> str:
    """The clicking user of a block action."""
    user = body.get("user")
    return user.get("id", "") if isinstance(user, dict) else user or ""


def asker(body: dict) -> Asker:
    """Who sent this request, for every kind Bolt dispatches."""
    if "command" in body:  # a slash command: the body is the command
        return Asker(user_team(body, body), body.get("channel_id", ""), body.get("user_id", ""))
    if body.get("type") == "block_actions":
        return Asker(user_team(body.get("user") or {}, body), (body.get("channel") or {}).get("id", ""), user_id(body))
    event = body.get("event") or {}
    if str(event.get("type", "")).startswith("assistant_thread_"):  # the assistant surface's thread events
        thread = event.get("assistant_thread") or {}
        return Asker(user_team(event, body), thread.get("channel_id", ""), thread.get("user_id", ""))
    return Asker(user_team(event, body), event.get("channel", ""), event.get("user", ""))


def ts_order(ts: str) -> tuple[int, int]:
    """A Slack ts in Slack's own order, read exactly: "seconds.micros" as two whole numbers."""
    seconds, _, micros = ts.partition(".")
    return (int(seconds), int(micros or 0)) if seconds.isdigit() and (micros or "0").isdigit() else (2**63, 0)


def question_text(event: dict) -> str:
    """What was asked, without the mentions that addressed it."""
    return re.sub(r"<@[A-Z0-9]+>", "", event.get("text") or "").strip()
