"""Slack responsiveness with the real engine and model, against the local stand-in of Slack.

Prints the time from an event reaching the bot to the placeholder, to the first streamed answer
text, and to the final verified answer. `python bench/slack_bench.py [DATA_DIR]`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import create_engine, create_library  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack.bot import SlackBot  # noqa: E402
from bot.slack.governance import Governance  # noqa: E402
from tests.fixtures.slack_standin import SlackStandIn  # noqa: E402

QUESTIONS = [
    "What did Ofsted say about strategy discussions in Lancashire?",
    "How were St Helens care leavers judged in 2023?",
    "What does Ofsted want Birmingham to improve about domestic abuse?",
]


def main() -> None:
    settings = Settings(data_dir=Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/briefing-bench"))
    engine = create_engine(settings, create_library(settings))
    _ = engine.llm
    standin = SlackStandIn()
    bot = SlackBot(engine, token="x", signing_secret=None, api_url=standin.url, governance=Governance())
    placeholder, first_text, final = [], [], []
    for i, question in enumerate(QUESTIONS):
        standin.calls.clear()
        started = time.perf_counter()
        bot.accept(
            {"type": "app_mention", "user": "U1", "channel": "C1", "ts": f"{i}.1", "text": question},
            {"event_id": f"E{i}"},
        )
        standin.wait_for(lambda: standin.named("chat.postMessage"))
        placeholder.append(time.perf_counter() - started)
        standin.wait_for(
            lambda: any(b.get("text", "").endswith("…") or b.get("blocks") for b in standin.named("chat.update")),
            timeout=120,
        )
        first_text.append(time.perf_counter() - started)
        standin.wait_for(lambda: standin.final_answers(), timeout=120)
        final.append(time.perf_counter() - started)
    standin.close()
    for name, values in (("placeholder", placeholder), ("first answer text", first_text), ("final answer", final)):
        print(f"{name}: median {statistics.median(values):.2f}s, max {max(values):.2f}s")


if __name__ == "__main__":
    main()
