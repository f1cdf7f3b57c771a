"""The flows every surface shares: a brief asked for in a question is told from a question."""

import pytest

from bot.services import answer_as_seen, brief_asked, brief_from_words, brief_summary, brief_topic
from tests.fixtures.library import engine_over


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        ("Brief me on Blackpool before Thursday's meeting", "Blackpool"),
        ("brief me on Wigan's front door from the 2025 inspection", "Wigan's front door 2025"),  # the year: its report
        (
            "Brief me on the main failings in Wakefield's 2018 inspection before the board meets",
            "main failings in Wakefield's 2018",
        ),
        ("give me a quick brief on Tameside's front door", "Tameside's front door"),
        ("prep me for Thursday's meeting with Lancashire", "Lancashire"),
        ("Prepare me for the panel with Knowsley tomorrow", "Knowsley"),
        ("can you do a briefing on neglect in Sandwell?", "neglect in Sandwell"),
        ("pls brief me re st helens care leavers", "st helens care leavers"),
        ("I need a one-page brief on Leeds for the scrutiny committee", "Leeds"),
        ("a five-minute brief on Leeds for the cabinet member", "Leeds"),
        ("Brief me on Surrey's safeguarding board before I meet the board chair", "Surrey's safeguarding board"),
        ("Short brief please on Kent's adoption support", "Kent's adoption support"),
        ("brief me on Leeds's case review practice", "Leeds's case review practice"),  # "review": the topic's
        ("brief me", ""),
        ("brief me please", ""),
    ],
)
def test_a_brief_request_is_its_subject_without_the_occasion(asked, words):
    assert brief_asked(asked) == words


@pytest.mark.parametrize(
    "question",
    [
        "What did Ofsted say about strategy discussions in Lancashire?",
        "how brief was the inspection in Leeds?",
        "What did the briefing to members say about care leavers?",
        "Were strategy meetings held promptly in Wigan?",
        "summarise the 2023 report for St Helens",
        "Can you give me a brief overview of Leeds's strengths?",
        "do a brief comparison of Leeds and Bradford",
        "give me a brief answer: is Kent good or outstanding?",
        "Prepare me a list of questions for Blackpool",
        "Brief me: which councils got outstanding for care leavers?",
        "could you do a quick brief on how many reports mention agency staff",
        "brief me on Somerset vs Devon",
    ],
)
def test_a_question_is_not_a_brief_request(question):
    assert brief_asked(question) is None


@pytest.mark.parametrize(
    ("left", "topic"),
    [
        ("what Ofsted said about 's care leavers", "care leavers"),
        ("the key findings on the front door - MASH and EDT", "front door MASH and EDT"),
        ("how its 2024 report came out", None),
        ("the main failings in Wakefield", "Wakefield"),
        ("what Ofsted found in Solihull's late- 2022 (published January 2023)", "Solihull's"),
    ],
)
def test_a_brief_topic_is_what_it_is_about_not_what_sort_of_account(left, topic):
    assert brief_topic(left) == topic


def test_the_summary_is_the_brief_cut_to_a_screen_every_line_still_cited(small_library):
    retriever = small_library.retriever
    whole = brief_from_words(retriever, brief_asked("brief me on St Helens before Thursday's meeting"))
    short = brief_summary(whole)
    assert short.authority == "St Helens" and [s.title for s in short.sections] == [
        "At a glance",
        "Strengths",
        "Concerns",
        "What Ofsted asked to improve",
    ]
    assert all(0 < len(s.bullets) <= 3 for s in short.sections[1:])
    glance = short.sections[0].bullets  # the glance is whole: the report's own summary is its last line
    assert len(glance) <= 4 and glance[-1].text.startswith("The report's summary opens:")
    assert all(b.citations for s in short.sections for b in s.bullets)
    numbers = [c.n for s in short.sections for b in s.bullets for c in b.citations]
    assert sorted(set(numbers)) == list(range(1, max(numbers) + 1))  # numbered afresh, none missing


def test_a_brief_request_is_measured_as_the_summary_a_person_sees_and_a_question_as_its_answer(small_library):
    engine = engine_over(small_library.retriever)
    seen = answer_as_seen(engine, "Quick brief please on St Helens for the lead member", use_llm=False)
    summary = brief_summary(brief_from_words(small_library.retriever, "St Helens"))
    lines = [b.text for s in summary.sections for b in s.points]
    assert seen.status == "answered" and all(line in seen.text for line in lines)
    assert [c.n for c in seen.citations] == list(range(1, len(seen.citations) + 1))
    assert {c.passage.source for c in seen.citations} == {s["source"] for s in summary.sources}
    assert answer_as_seen(engine, "brief me", use_llm=False).status == "clarify"
    asked = answer_as_seen(engine, "What did Ofsted say about St Helens care leavers?", use_llm=False)
    assert "At a glance:" not in asked.text and asked.plan  # asked, not briefed


def test_a_brief_of_a_named_year_is_of_that_report_and_says_it_is_not_the_latest(small_library):
    retriever = small_library.retriever
    older = brief_from_words(retriever, brief_asked("brief me on St Helens from the 2019 inspection before the panel"))
    said = "This brief is of the 2019 report, as asked; the latest is the ILACS inspection"
    assert any(said in n for n in older.notes)
    glance = older.sections[0].bullets[0]
    assert glance.text.startswith("Judgements (ILACS inspection, 2019") and "Latest" not in glance.text
    found = [c for s in older.sections if s.title in ("Strengths", "Concerns") for b in s.bullets for c in b.citations]
    assert found and all(c.passage.date[:4] <= "2019" for c in found)  # nothing from the later report
    missing = brief_from_words(retriever, "St Helens 2011")
    assert any("no report on St Helens from 2011; this brief is of its latest" in n for n in missing.notes)
    assert missing.sections[0].bullets[0].text.startswith("Latest judgements")
