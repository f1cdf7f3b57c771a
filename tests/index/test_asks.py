import pytest

from index.asks import separate_asks


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        (
            "What overall grade did Tameside get in 2022, and what did inspectors say about its front door?",
            [
                "What overall grade did Tameside get in 2022?",
                "what did inspectors say about its front door (Tameside in 2022)?",
            ],
        ),
        (
            "How was Lancashire rated in 2018? And what needed to improve?",
            ["How was Lancashire rated in 2018?", "what needed to improve (Lancashire in 2018)?"],
        ),
        (
            "which judgement did Wigan get for care leavers and how many care leavers were in touch",
            ["which judgement did Wigan get for care leavers?", "how many care leavers were in touch (Wigan)?"],
        ),
        (
            "What was Harrow's overall grade in 2025, and how many directors has it had since 2020?",
            ["What was Harrow's overall grade in 2025?", "how many directors has it had since 2020 (Harrow)?"],
        ),
        (  # as typed in a chat: a plus joins two asks, and a two-digit year is carried written out
            "oldham 24 ofsted grade? + any probs w return home interviews",
            ["oldham 2024 ofsted grade?", "any problems with return home interviews (Oldham in 2024)?"],
        ),
        (  # the council said at the end is the first ask's too
            "What is working well and what needs to improve in Knowsley?",
            ["What is working well (Knowsley)?", "what needs to improve in Knowsley?"],
        ),
        (  # an ask about an earlier time is asked before the year named, and carries what "it" was
            "What grade did Bolton's fostering service get in 2022, and what was it rated at the previous inspection?",
            [
                "What grade did Bolton's fostering service get in 2022?",
                "what was it rated at the previous inspection (Bolton, fostering service before 2022)?",
            ],
        ),
        (  # a year said later does not date the ask before it
            "What did Ofsted say about neglect in Wigan, and what has changed since 2019?",
            ["What did Ofsted say about neglect in Wigan?", "what has changed since 2019 (Wigan)?"],
        ),
        (  # a comma opens the second ask when what comes before it is a question already
            "wigan 2025 care leavers - why inadequate, did senior leaders know beforehand?",
            ["wigan 2025 care leavers - why inadequate?", "did senior leaders know beforehand (Wigan in 2025)?"],
        ),
    ],
)
def test_two_asks_in_one_question_are_each_asked_standing_alone(question, asks):
    assert separate_asks(question) == asks


@pytest.mark.parametrize(
    "question",
    [
        "What were the strengths and weaknesses of Tameside's front door?",
        "Compare Somerset and Devon on care leavers",
        "How and why did Lancashire improve?",
        "What did Ofsted say about neglect and domestic abuse in Wigan in 2025?",
        "Who was the lead inspector, and when?",
        "What did Ofsted say about Kent's care leavers, and what about Medway's?",  # one topic, two places
        "What did Ofsted say about care leavers in Wigan and how does that compare with Bolton?",
        "How good is Wigan's front door, and is it better than Salford's?",
        "brief me on Tameside before Thursday's meeting",
        "When Ofsted visited Kent in 2017, were any homeless teenagers placed in B&Bs?",  # a clause, then the ask
        "In its 2019 report, what did Ofsted say about Kent's front door?",
        "Of the councils which improved, how many were in the north west?",
    ],
)
def test_one_ask_stays_whole(question):
    assert separate_asks(question) == [question]


def test_the_planners_reading_of_places_is_carried_to_the_other_ask():
    """A council said in shorthand ("ches east") is carried as the planner reads it, not dropped."""
    from index.authorities import PlaceReading

    def places(said: str) -> list[PlaceReading]:
        return [PlaceReading("ches east", "Cheshire East", "fuzzy")] if "ches east" in said else []

    asks = separate_asks("ches east 2024 care leavers - why inadequate, did senior leaders know?", places)
    assert asks == ["ches east 2024 care leavers - why inadequate?", "did senior leaders know (Cheshire East in 2024)?"]
