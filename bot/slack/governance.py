"""Who may use the bot, checked once per request as Bolt middleware, and the audit trail of what it said."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.ops.metrics import Metrics
from bot.slack.payload import Asker, asker

log = logging.getLogger("briefing.slack")


@dataclass
class Governance:
    """Who may use the bot, and the audit trail of what it said."""

    teams: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    audit_path: Path | None = None

    def allows(self, team: str, channel: str, user: str) -> bool:
        """Empty lists allow everyone.

        With a channel list, direct messages (ids starting D) are allowed only when the list holds
        `dm`: restricting channels must not leave a side door.
        """
        direct = channel.startswith("D")
        channel_ok = not self.channels or channel in self.channels or (direct and "dm" in self.channels)
        return (not self.teams or team in self.teams) and channel_ok and (not self.users or user in self.users)

    def record(self, **entry) -> None:
        """Append one JSON line to the audit log."""
        if self.audit_path is None:
            return
        self.audit_path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
        with self.audit_path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


class Gate:
    """The allowlists and the audit trail as every handler uses them: refusals and failures counted."""

    def __init__(self, governance: Governance, metrics: Metrics) -> None:
        self.governance = governance
        self.metrics = metrics

    def middleware(self, context: dict, body: dict, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
        """Bolt middleware: reads the asker once and says, in `context["allowed"]`, whether they may ask."""
        who = asker(body)
        context["asker"] = who
        context["allowed"] = self.governance.allows(who.team, who.channel, who.user)
        next()

    def refused(self, context: dict) -> bool:
        """Whether this request is refused; each refusal is counted for operators."""
        if context.get("allowed", False):
            return False
        self.metrics.count("briefing_refused_total")
        return True

    def audit(self, **entry) -> None:
        """The audit trail must never cost an answer: a failed write is logged and counted."""
        try:
            self.governance.record(**entry)
        except Exception:  # noqa: BLE001 - disk full, read-only volume, permissions
            log.exception("could not write the audit line (%s)", entry.get("kind"))
            self.metrics.count("briefing_audit_errors_total")


__all__ = ["Asker", "Gate", "Governance"]
