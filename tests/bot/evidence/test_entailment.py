"""The judge of meaning: a model's Yes or No, read as a veto after the rules, never as a new source of truth."""

from __future__ import annotations

import re

import pytest

import prompts
from bot.evidence.entailment import ModelEntailment, needs_judging, source_of
from bot.llm import reply_word, shares
from index.authorities import find_authorities
from tests.fixtures.passages import passage

FINDING = passage(
    "Strategy discussions are held promptly and are well attended by partners.",
    local_authority="Lancashire", kind="ILACS inspection", date="2023-01-26", section="Findings",
)  # fmt: skip
COVER = passage(
    "The experiences and progress of care leavers Good\nOverall effectiveness Good",
    local_authority="Lancashire", kind="ILACS inspection", date="2023-01-26", section="Judgements",
)  # fmt: skip


class Believer:
    """A stand-in model that believes Yes by a set amount and records every prompt it is shown."""

    name = "believer"

    def __init__(self, yes: float) -> None:
        self.yes = yes
        self.prompts: list[list[dict]] = []

    def weigh(self, messages, choices):
        self.prompts.append(messages)
        return {"Yes": self.yes, "No": 1 - self.yes}


def test_yes_needs_the_models_belief_at_or_above_the_confidence():
    assert ModelEntailment(Believer(0.5)).entails("claim words here", "extract", "source")
    assert not ModelEntailment(Believer(0.49)).entails("claim words here", "extract", "source")
    assert not ModelEntailment(Believer(0.8), confidence=0.9).entails("claim words here", "extract", "source")


def test_the_model_is_shown_the_claim_the_window_and_whose_words_they_are():
    model = Believer(0.9)
    judge = ModelEntailment(model)
    judge.entails("Strategy discussions in Lancashire happen quickly.", FINDING.text, source_of(FINDING))
    (messages,) = model.prompts
    system, user = messages[0]["content"], messages[1]["content"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert FINDING.text in user and "happen quickly" in user
    assert "Lancashire" in user and "January 2023" in user and "ILACS" in user
    assert "Lancashire" not in system  # the fixed part is the same for every claim (its state is cached)


def test_the_same_question_is_put_to_the_model_once():
    model = Believer(0.9)
    judge = ModelEntailment(model)
    for _ in range(3):
        judge.entails("a claim", "a window", "a source")
    judge.entails("another claim", "a window", "a source")
    assert len(model.prompts) == judge.calls == 2


def test_the_judges_prompts_hold_no_facts_a_small_model_could_copy():
    for name in ("entailment_system", "entailment_user"):
        words = prompts.template(name)
        assert not re.search(r"\d", words), name
        assert not find_authorities(words), name


def test_grades_read_off_a_judgement_table_are_left_to_the_table():
    assert not needs_judging("Lancashire care leavers were judged good.", COVER)
    assert needs_judging("Lancashire care leavers were judged good.", FINDING)
    assert needs_judging("Strategy discussions are prompt.", COVER)


def test_a_reply_is_read_by_its_first_word_and_weights_become_shares():
    assert reply_word(" Yes, it does.") == "yes" and reply_word("No.") == "no" and reply_word("") == ""
    assert shares({"Yes": 0.3, "No": 0.1}) == pytest.approx({"Yes": 0.75, "No": 0.25})
    assert shares({"Yes": 0.0, "No": 0.0}) == {"Yes": 0.0, "No": 0.0}
