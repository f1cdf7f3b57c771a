"""Answer quality and latency on the dev questions, with the default model and with no model.

Run by hand after bench/library_bench.py has built its library:
`python bench/answer_bench.py [CORPUS] [DATA_DIR]`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.app import create_engine, create_library
from bot.engine.evaluate import load_questions, run
from bot.services import answer_as_seen
from bot.settings import Settings


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
    data_dir = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/briefing-bench")
    settings = Settings(data_dir=data_dir)
    engine = create_engine(settings, create_library(settings))
    questions = load_questions(corpus.parent / "eval/dev_questions.jsonl")
    engine.ask("warm up: strategy discussions in Lancashire", use_llm=False)
    _, evidence_only = run(lambda q: answer_as_seen(engine, q, use_llm=False), questions)
    print("evidence only:", json.dumps(evidence_only))
    _ = engine.llm  # load the model before timing
    outcomes, with_model = run(lambda q: answer_as_seen(engine, q, use_llm=True), questions)
    for o in outcomes:
        print(
            f"  {o.id} {o.status:11s} gold={o.gold_cited!s:5s} facts={o.facts_present!s:5s} "
            f"first={o.first_sentence_ms:6.0f} total={o.total_ms:6.0f} stray={o.stray_facts}  {o.answer[:150]}"
        )
    print("with model:", json.dumps(with_model))


if __name__ == "__main__":
    main()
