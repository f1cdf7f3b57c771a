"""The judge of meaning: a model's Yes or No, read as a veto after the rules, never as a new source of truth."""

from __future__ import annotations

import re

import prompts
from bot.evidence.entailment import CONFIDENT, ModelEntailment, needs_judging, source_of
from bot.llm import reply_word
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
    # An even belief is not a Yes: a sentence the rules passed still needs the judge fairly sure of it.
    assert ModelEntailment(Believer(CONFIDENT)).entails("claim words here", "extract", "source")
    assert not ModelEntailment(Believer(0.56)).entails("claim words here", "extract", "source")
    assert ModelEntailment(Believer(0.5), confidence=0.5).entails("claim words here", "extract", "source")
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
    for name in ("entailment_system", "entailment_user", "consistency_system", "consistency_user"):
        words = prompts.template(name)
        assert not re.search(r"\d", words), name
        assert not find_authorities(words), name


class TwoMinds:
    """A stand-in model with one belief for the entailment question and another for the consistency one."""

    name = "two minds"

    def __init__(self, states: float, consistent: float) -> None:
        self.states, self.consistent = states, consistent
        self.asked: list[str] = []

    def weigh(self, messages, choices):
        question = "consistent" if "consistent" in messages[-1]["content"] else "states"
        self.asked.append(question)
        yes = self.consistent if question == "consistent" else self.states
        return {"Yes": yes, "No": 1 - yes}


def test_a_firm_yes_needs_both_questions_answered_firmly():
    assert ModelEntailment(TwoMinds(0.7, 0.8)).states_firmly("a claim of words", "window", "source")
    assert not ModelEntailment(TwoMinds(0.6, 0.99)).states_firmly("a claim of words", "window", "source")
    assert not ModelEntailment(TwoMinds(0.99, 0.7)).states_firmly("a claim of words", "window", "source")
    # An ordinary veto's Yes (one question) is not firm enough where no rule found the claim's words.
    loose = TwoMinds(0.7, 0.7)
    judge = ModelEntailment(loose)
    assert judge.entails("a claim of words", "window", "source")
    assert not judge.states_firmly("a claim of words", "window", "source")


def test_the_second_question_is_not_asked_when_the_first_is_no_and_answers_are_remembered():
    model = TwoMinds(0.2, 0.9)
    judge = ModelEntailment(model)
    for _ in range(3):
        assert not judge.states_firmly("a claim of words", "window", "source")
    assert model.asked == ["states"]


def test_grades_read_off_a_judgement_table_are_left_to_the_table():
    assert not needs_judging("Lancashire care leavers were judged good.", COVER)
    assert not needs_judging("In 2023 Ofsted rated Lancashire good overall, with care leavers good too.", COVER)
    assert not needs_judging("Lancashire was rated good across the board in 2023.", COVER)
    assert needs_judging("Lancashire care leavers were judged good.", FINDING)
    assert needs_judging("Strategy discussions are prompt.", COVER)
    # A grade with a finding beside it: the table cannot speak for the finding.
    assert needs_judging("Lancashire was judged good, and inspectors found care leavers are badly let down.", COVER)


def test_a_reply_is_read_by_its_first_word():
    assert reply_word(" Yes, it does.") == "yes" and reply_word("No.") == "no" and reply_word("") == ""


def test_belief_is_yes_against_no_and_a_model_that_answers_neither_stands_down():
    class Weights(Believer):
        def __init__(self, yes, no):
            super().__init__(yes)
            self.no = no

        def weigh(self, messages, choices):
            self.prompts.append(messages)
            return {"Yes": self.yes, "No": self.no}

    assert ModelEntailment(Weights(0.3, 0.1)).entails("a claim", "a window", "a source")  # 0.75 of its belief
    assert not ModelEntailment(Weights(0.1, 0.3)).entails("a claim", "a window", "a source")
    chatty = ModelEntailment(Weights(0.02, 0.01))  # it wanted to say something else: not a Yes
    assert chatty.entails("a claim", "a window", "a source")  # the rules' verdict stands ...
    assert "does not answer Yes or No" in chatty.failure  # ... and the notes say why
    chatty.entails("another claim", "a window", "a source")
    assert chatty.calls == 1  # stood down: not asked again


def test_a_judge_that_fails_stands_down_and_says_so():
    from index.errors import ModelUnavailable

    class Gone(Believer):
        def weigh(self, messages, choices):
            self.prompts.append(messages)
            raise ModelUnavailable("the model server at http://judge is unreachable (ConnectError)")

    class TooLong(Believer):
        def weigh(self, messages, choices):
            raise ValueError("the prompt is longer than the context")

    judge = ModelEntailment(Gone(0.9))
    assert judge.entails("a claim", "a window", "a source") and not judge.failure  # one failure: that sentence only
    for n in range(2):
        judge.entails(f"claim {n}", "a window", "a source")
    assert "unreachable" in judge.failure  # three in a row: it stands down
    overflow = ModelEntailment(TooLong(0.9))
    assert not overflow.entails("a claim", "a window", "a source") and not overflow.failure  # that one only


def test_what_the_judge_is_shown_fits_its_small_context():
    from bot.evidence.entailment import CLAIM_WORDS, WINDOW_WORDS

    model = Believer(0.9)
    judge = ModelEntailment(model)
    assert not judge.entails("caseloads " * (CLAIM_WORDS + 1), "an extract", "a source")  # refused, not asked in part
    assert model.prompts == []
    assert judge.entails("caseloads are manageable", "word " * (WINDOW_WORDS * 3), "a source")
    (messages,) = model.prompts
    assert messages[1]["content"].count("word") == WINDOW_WORDS
