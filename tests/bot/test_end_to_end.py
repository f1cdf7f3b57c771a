"""The real 0.5B model, end to end: ingest shared reports, ask, get cited JSON."""

import json

import pytest

from tests.fixtures.library import OFSTED, SEEDS, briefing


@pytest.mark.slow
def test_ingest_then_ask_with_the_real_small_model(tmp_path):
    env = {"BRIEFING_DATA_DIR": str(tmp_path / "data"), "BRIEFING_MODEL": "small"}
    briefing("ingest", str(SEEDS), str(OFSTED / "st-helens"), env=env)
    question = "What did Ofsted say about support for care leavers in St Helens in 2023?"
    answer = json.loads(briefing("ask", "--json", question, env=env))
    assert answer["model"].startswith("qwen2.5-coder-0.5b")
    assert answer["status"] in {"answered", "no_evidence"}
    assert answer["timings"]["total_ms"] > 0
    if answer["status"] == "answered":
        assert answer["citations"]
        for citation in answer["citations"]:
            assert citation["local_authority"] == "St Helens"
            assert citation["quote"] and f"[{citation['n']}]" in answer["answer"]
    # A judgement is looked up in the records, not written by the model, and says which report it is from.
    graded = json.loads(briefing("ask", "--json", "How were care leavers in St Helens judged in 2023?", env=env))
    assert graded["model"] == "none (report records)" and graded["status"] == "answered"
    assert "care leavers outstanding [1]" in graded["answer"] and "published 4 September 2023" in graded["answer"]
    # On the terminal too: the records' answer is ready while the model still loads, and is printed, not lost
    # to llama.cpp's quiet mode pointing stdout at /dev/null for the load.
    shown = briefing("ask", "How were care leavers in St Helens judged in 2023?", env={**env, "COLUMNS": "300"})
    assert "care leavers outstanding [1]" in shown and "Sources" in shown
