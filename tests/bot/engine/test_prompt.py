"""Cutting the evidence to the prompt's budget: what bears on the question is what stays."""

from bot.engine.prompt import bearing, build_prompt, fit_prompt
from tests.fixtures.fakes import FakeLLM
from tests.fixtures.passages import passage

QUESTION = "did senior management know beforehand?"
OVERSIGHT = "Furthermore, management oversight and challenge are not fully embedded across all service areas."
RECOGNISED = "Senior leaders had not recognised, until this inspection, the extent of improvement required."


def _closer_to_recognised(_query: str, sentences: list[str]) -> list[float]:
    """A stand-in for the embedder: the sentence about recognising is the closer in meaning."""
    return [0.6 if "recognised" in s else 0.2 for s in sentences]


def test_of_sentences_sharing_as_many_words_the_closer_in_meaning_ranks_first():
    rank = bearing("senior management know beforehand", _closer_to_recognised)
    oversight, recognised = rank([OVERSIGHT, RECOGNISED])
    assert recognised > oversight
    # Words shared still come first: closeness only orders sentences that share as many.
    (more_words,) = rank(["Senior management know the service well."])
    assert more_words > recognised


def test_a_tight_budget_drops_the_sentence_that_bears_least_not_the_last():
    llm = FakeLLM()
    extract = passage(f"{OVERSIGHT} {RECOGNISED}", id="p1", report_id="r1", local_authority="Cheshire East")
    budget = llm.count_tokens(build_prompt(QUESTION, [passage(RECOGNISED, id="p1")])) + 2
    rank = bearing("senior management know beforehand", _closer_to_recognised)
    (kept,), _, used = fit_prompt(QUESTION, [extract], budget, llm.count_tokens, rank)
    assert used <= budget and kept.text == RECOGNISED
    # Without a ranking, the last sentence goes first, as before.
    (last_out,), _, _ = fit_prompt(QUESTION, [extract], budget, llm.count_tokens)
    assert last_out.text == OVERSIGHT
