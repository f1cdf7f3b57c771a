"""'What needs to improve?' is answered with the report's own list, verbatim, every item cited."""

from __future__ import annotations

import pytest

from bot.app import create_engine
from bot.records.improvements import asks_for_list, topic_of
from bot.settings import Settings
from tests.fixtures.fakes import FakeLLM

ASKING_FOR_THE_LIST = [
    "What did Ofsted ask St Helens to improve in 2023?",
    "What needs to improve in St Helens?",
    "st helens ofsted recomendations?",
    "Which areas for improvement did Ofsted set out for St Helens?",
    "What improvements did Ofsted ask St Helens to make?",
    "St Helens was judged good - what did Ofsted still ask it to work on?",
    "What does Ofsted want St Helens to improve?",
    "What were the recommendations in Lancashire's 2015 report?",
    "What should St Helens improve?",
    "what needs improving in st helens",
    "What must St Helens do to improve?",
    "lancs recs re neglect",
    "What did inspectors tell Lancashire to fix?",
    "Was St Helens asked to improve its front door?",
]
NOT_ASKING = [
    "How has Lancashire improved since 2015?",
    "Which councils improved from inadequate to good?",
    "What did Ofsted say about strategy discussions in Lancashire?",
    "Did St Helens improve its front door?",
    "What improvements has St Helens made since its last inspection?",
    "How were St Helens care leavers judged in 2023?",
    "What did children tell inspectors they wanted to improve about their care?",
    "What recommendations has Lancashire acted on?",
    "Did St Helens make progress on the areas for improvement?",
    "Who asked Ofsted to make the visit to Lancashire?",
    "Did Ofsted tell St Helens its practice had improved?",
    "Is there a recommended caseload for social workers?",
    "What did the chief executive ask the team to work on?",
]


@pytest.mark.parametrize("question", ASKING_FOR_THE_LIST)
def test_ways_of_asking_for_the_list(question):
    assert asks_for_list(question)


@pytest.mark.parametrize("question", NOT_ASKING)
def test_questions_about_progress_or_findings_are_not_list_questions(question):
    assert not asks_for_list(question)


def test_a_topic_narrows_the_list_and_names_and_dates_do_not():
    assert topic_of("darlington 26 ofsted recomendations re neglect?", ["Darlington"]) == "neglect"
    assert topic_of("What did Ofsted want improved for care leavers in Walsall?", ["Walsall"]) == "care leavers"
    assert topic_of("Which areas for improvement did Ofsted set out for Luton in its 2026 report?", ["Luton"]) == ""
    assert topic_of("What did Ofsted ask Luton to improve after its 2026 inspection?", ["Luton"]) == ""


def _engine(library) -> tuple:
    llm = FakeLLM()  # nothing enqueued: a call to the model would fail the test
    return create_engine(Settings(data_dir=library.data_dir, _env_file=None), library, llm=llm), llm


def _record(library, authority: str, year: str) -> dict:
    reports = library.store.reports()
    return next(r for r in reports if r.get("local_authority") == authority and (r.get("date") or "").startswith(year))


def test_the_list_is_the_reports_own_items_each_cited_to_the_words_that_state_it(small_library):
    engine, llm = _engine(small_library)
    assert not engine.needs_model("What did Ofsted ask St Helens to improve in 2023?")
    answer = engine.ask("What did Ofsted ask St Helens to improve in 2023?")
    record = _record(small_library, "St Helens", "2023")
    assert answer.status == "answered" and answer.model == "none (report records)" and not llm.history
    lines = answer.text.splitlines()
    assert lines[0].startswith("What Ofsted asked St Helens to improve in its latest report") and "2023" in lines[0]
    assert [line.rsplit(" [", 1)[0].removeprefix("• ") for line in lines[1:]] == record["improvements"]
    assert len(answer.citations) == len(record["improvements"]) >= 3
    for citation in answer.citations:
        assert citation.passage.source == record["source"] and citation.quote in citation.passage.text


def test_an_older_report_is_dated_and_not_called_the_latest(small_library):
    engine, _ = _engine(small_library)
    answer = engine.ask("What were the recommendations in Lancashire's 2015 inspection?")
    heading = answer.text.splitlines()[0]
    assert "Lancashire" in heading and "November 2015" in heading and "latest" not in heading
    assert all(c.passage.date.startswith("2015") for c in answer.citations)


def test_a_topic_keeps_only_the_items_that_name_it(small_library):
    engine, _ = _engine(small_library)
    answer = engine.ask("St Helens 2023 ofsted recommendations re neglect?")
    items = answer.text.splitlines()[1:]
    assert len(items) == 1 and "neglect" in items[0]


def test_a_two_part_question_gets_the_grade_first_then_the_list(small_library):
    engine, llm = _engine(small_library)
    answer = engine.ask("How were St Helens care leavers judged in 2023, and what did Ofsted ask it to improve?")
    lines = answer.text.splitlines()
    first_list_line = next(i for i, line in enumerate(lines) if line.startswith("What Ofsted asked"))
    assert first_list_line >= 1 and "outstanding" in " ".join(lines[:first_list_line]).lower()
    assert len(lines) - first_list_line - 1 == len(_record(small_library, "St Helens", "2023")["improvements"])
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1)) and not llm.history
