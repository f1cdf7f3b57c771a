"""Judgement questions answered from the report records: no model, every figure cited to its report's cover."""

import pytest

from bot.app import create_engine
from bot.records.grid import comparison
from bot.records.question import read_record_question
from bot.settings import Settings
from tests.fixtures.fakes import FakeLLM
from tests.fixtures.library import OFSTED


def _ask(library, question, **kwargs):
    llm = FakeLLM()
    engine = create_engine(Settings(data_dir=library.data_dir, _env_file=None), library, llm=llm)
    answer = engine.ask(question, **kwargs)
    return answer, llm


def _records_answer(library, question):
    answer, llm = _ask(library, question)
    assert llm.history == [], "a records question never reaches the model"
    assert answer.status == "answered" and answer.model == "none (report records)"
    for citation in answer.citations:
        # Each figure is cited to the report's own cover rows, quoted as printed (a letter, which has no
        # cover table, to its own opening sentence).
        if citation.passage.kind != "monitoring visit":
            assert citation.passage.section == "Judgements" and citation.passage.page == 1
        assert all(row in citation.passage.text for row in citation.quote.split(" … "))
    return answer


def test_a_grade_in_a_year_is_the_report_of_that_year(small_library):
    answer = _records_answer(small_library, "What was St Helens rated for care leavers in 2019?")
    assert "judged children in care and care leavers inadequate [1]" in answer.text
    assert "published 4 November 2019" in answer.text and "2023" not in answer.text
    # The quote holds the row that states the grade, and the rows that state the dates the sentence gives.
    assert answer.citations[0].quote.split(" … ") == [
        "Inspection dates: 23 September 2019 to 4 October 2019",
        "The experiences and progress of children in care and care leavers Inadequate",
    ]


def test_what_an_area_got_typed_in_slack_shorthand_is_its_grade(small_library):
    answer = _records_answer(small_library, "st helens 19 ofsted - wht did care leavers get??")
    assert "care leavers inadequate [1]" in answer.text and "2023" not in answer.text


def test_a_grade_at_a_re_inspection_is_looked_up(small_library):
    answer = _records_answer(small_library, "What grade did St Helens' care leavers get at the 2019 re-inspection?")
    assert "care leavers inadequate [1]" in answer.text and "2023" not in answer.text


def test_still_is_answered_yes_or_no_from_the_latest_graded_inspection(small_library):
    answer = _records_answer(small_library, "Is St Helens still inadequate?")
    assert answer.text.startswith("No. St Helens' latest graded inspection")
    assert "overall effectiveness good" in answer.text and "published 4 September 2023" in answer.text
    assert "It was inadequate for overall effectiveness at its ILACS inspection, published November 2019 [2]" in (
        answer.text
    )


def test_since_when_dates_the_run_of_the_current_grade(small_library):
    answer = _records_answer(small_library, "Since when has North East Lincolnshire been good?")
    first = answer.text.splitlines()[0]
    assert first.startswith("North East Lincolnshire has been good for overall effectiveness since its ILACS")
    assert "September 2025" in first
    assert "inadequate (ILACS inspection, published November 2021)" in answer.text


def test_when_and_who_come_from_the_cover(small_library):
    when = _records_answer(small_library, "When was North East Lincolnshire last inspected?")
    assert "inspected 14 July 2025 to 25 July 2025, published 3 September 2025 [1]" in when.text
    assert when.citations[0].quote == "Inspection dates: 14 to 25 July 2025"
    who = _records_answer(small_library, "Who led St Helens' 2023 inspection?")
    assert "was led by Russel Breyer [1]" in who.text
    assert "Lead inspector: Russel Breyer, His Majesty's Inspector" in who.citations[0].quote.split(" … ")


def test_a_missing_overall_grade_says_why(small_library):
    answer = _records_answer(small_library, "What is Lancashire's overall effectiveness grade now?")
    assert "gives no overall effectiveness grade: the 2026 framework has no overall grade" in answer.text


def test_statistical_neighbours_say_how_many_the_library_holds(small_library):
    answer = _records_answer(small_library, "Which of Sefton's statistical neighbours are good or better?")
    lines = answer.text.splitlines()
    assert lines[0].startswith("2 of Sefton's 10 statistical neighbours are in the library; it has no report on")
    assert "1 of the 2 with a graded inspection in the library were good or better" in lines[1]
    assert "St Helens (good, ILACS inspection, published September 2023) [1]" in lines[1]
    assert "Lancashire (the 2026 framework has no overall grade" in answer.text
    # Sefton itself is not in the library, and that is no reason to decline a question about its neighbours.
    assert "nothing on Sefton" not in answer.text


def test_our_neighbours_are_the_pinned_councils(small_library):
    from index.plan import Filters

    pinned = Filters(authorities=["Sefton"])
    answer, llm = _ask(small_library, "How are our statistical neighbours rated for care leavers?", filters=pinned)
    assert llm.history == [] and "of Sefton's 10 statistical neighbours" in answer.text
    unpinned, _ = _ask(small_library, "How are our statistical neighbours rated?")
    assert unpinned.status == "clarify" and "Whose statistical neighbours?" in unpinned.text


def test_a_region_is_never_presented_as_whole(small_library):
    answer = _records_answer(small_library, "How many authorities in the North West are inadequate?")
    assert answer.text.startswith("2 of the 24 authorities in the North West are in the library; 22 are not.")
    assert "0 of the 2 with a graded inspection in the library were inadequate" in answer.text


def test_who_moved_between_grades_across_the_library(small_library):
    answer = _records_answer(small_library, "Who improved from inadequate to good?")
    movers = [line.split(":")[0] for line in answer.text.splitlines() if "→" in line]
    # Lancashire went through requires improvement on the way: a move need not be back to back.
    assert movers == ["Lancashire", "North East Lincolnshire", "St Helens"]
    assert [c.passage.date[:4] for c in answer.citations] == ["2015", "2023", "2021", "2025", "2019", "2023"]


def test_a_question_about_the_reports_words_goes_to_the_model(small_library):
    plan = small_library.retriever.plan("What did Ofsted say about strategy discussions in Lancashire?")
    assert read_record_question(plan) is None
    mixed = small_library.retriever.plan("Who improved from inadequate to good, and what did they do?")
    asked = read_record_question(mixed)
    assert asked.ask == "change" and not asked.pure
    no_council, llm = _ask(small_library, "What is our current rating?")
    assert no_council.status == "clarify" and llm.history == []


def test_mixed_questions_show_the_figures_then_the_checked_words(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    engine = create_engine(Settings(data_dir=small_library.data_dir, _env_file=None), small_library, llm=llm)
    shown: list[str] = []
    answer = engine.ask("Who improved from inadequate to good, and what did they do?", on_sentence=shown.append)
    assert shown[1].startswith("\n3 of the 3 authorities moved from inadequate to good"), (
        "figures come before the model"
    )
    assert llm.history, "the part about what they did is the model's to write"
    prompt = llm.history[0][1]["content"]
    assert "North East Lincolnshire" in prompt and "St Helens" in prompt
    # The model found nothing checkable: the figures still stand, and nothing unchecked was added.
    assert answer.status == "answered" and "".join(shown) == answer.text  # each line of figures starts a line
    assert [c.passage.section for c in answer.citations[:6]] == ["Judgements"] * 6
    assert all(c.quote in c.passage.text for c in answer.citations[6:]), "anything after the figures is quoted"


@pytest.mark.parametrize(
    "question",
    [
        "What is St Helens' current rating?",
        "What was North East Lincolnshire judged in 2021?",
        "How has St Helens' rating changed?",
        "Which authorities are outstanding for care leavers?",
    ],
)
def test_records_answers_are_instant_and_every_line_is_cited(small_library, question):
    answer = _records_answer(small_library, question)
    assert answer.citations
    for line in answer.text.splitlines():
        if any(g in line for g in ("good", "outstanding", "inadequate", "requires improvement")):
            assert "[" in line, f"an uncited figure: {line}"


def test_comparison_rows_keep_councils_the_library_lacks(small_library):
    rows = comparison(small_library.retriever, "Sefton")
    assert rows[0].authority == "Sefton" and rows[0].record is None
    neighbours = [r for r in rows if r.relation == "statistical neighbour"]
    assert len(neighbours) == 10 and [r.authority for r in neighbours if r.record] == ["Lancashire", "St Helens"]
    assert [r.relation for r in rows[11:]] == ["North West"] * (len(rows) - 11)


def test_how_it_compares_quotes_what_better_rated_neighbours_are_praised_for(small_library):
    from bot.engine.brief_compare import how_it_compares
    from index.ingest import ingest

    ingest([OFSTED / "halton" / "2024-07-12-childrens-services-inspection.pdf"], small_library.store,
           small_library.embedder)  # fmt: skip
    section = how_it_compares(small_library.retriever, "Halton")
    assert section.rows[0].cells[:3] == ("Halton", "—", "ILACS inspection, published July 2024")
    assert section.rows[0].cells[3] == "inadequate"
    better = [b for b in section.points if b.text.startswith("Help and protection: Halton was judged inadequate")]
    assert better and "St Helens (requires improvement" in better[0].text
    praised = [b for b in section.points if b.note.startswith("St Helens, ")]
    assert praised and all(c.quote in c.passage.text and c.passage.local_authority == "St Helens"
                           for b in praised for c in b.citations)  # fmt: skip


@pytest.mark.parametrize(
    ("question", "expected", "absent"),
    [
        # A grade in a "when" or "who" question picks the inspection that gave it, not the latest.
        ("When was St Helens rated inadequate?", "published 4 November 2019 [1]", "2023"),
        ("Who was the lead inspector when St Helens was judged inadequate?", "led by Lorna Schlechte [1]", "Breyer"),
        # "Not", "never" and "ever" are read, not dropped.
        (
            "Which councils aren't good?",
            "0 of the 3 with a graded inspection in the library were below good",
            "Not good",
        ),
        (
            "Which councils have never been inadequate?",
            "0 of the 3 with a graded inspection in the library were never",
            "Not inadequate",
        ),
        ("Was North East Lincolnshire ever inadequate?", "Yes. North East Lincolnshire was judged inadequate", "No."),
        # A council's own title is not a set of councils.
        ("Is North East Lincs good?", "Yes. North East Lincolnshire's latest graded inspection", "North East are"),
        (
            "What are the ratings of Lancashire County Council and St Helens?",
            "St Helens' latest graded inspection",
            "county councils",
        ),
        # The period bounds the later inspection of a move; "from X to Y" need not be back to back.
        ("Which authorities improved in 2023?", "St Helens: inadequate", "None of"),
        (
            "Did Lancashire go from inadequate to good?",
            "Yes. Lancashire moved from inadequate to good for overall effectiveness: inadequate (single inspection, "
            "published November 2015) [1] → good (ILACS inspection, published January 2023) [2]",
            "None of",
        ),
        (
            "What was Lancashire's previous rating?",
            "previous graded inspection (ILACS inspection, inspected 28 November",
            "May 2026",
        ),
        ("Lancashire rating 2018 vs 2023", "published 17 August 2018", "May 2026"),
        ("How many times has Lancashire been inspected?", "The library holds 5 Ofsted reports on Lancashire", "[0]"),
        (
            "Who was rated inadequate in 2021?",
            "North East Lincolnshire (inadequate, ILACS inspection, published November 2021) [1]",
            "Which council",
        ),
    ],
)
def test_questions_a_reviewer_found_wrong(small_library, question, expected, absent):
    answer = _records_answer(small_library, question)
    assert expected in answer.text and absent not in answer.text


def test_a_lead_inspector_named_only_on_the_back_page_is_cited(small_library):
    answer = _records_answer(small_library, "Who led Lancashire's 2015 inspection?")
    assert "was led by Shirley Bailey [1]" in answer.text
    assert "Lead inspector: Shirley Bailey" in answer.citations[0].quote.split(" … ")


def test_sets_are_not_read_into_ordinary_words():
    from index.question import read_group

    assert read_group("children in the South West of Lancashire", None, ("Lancashire",)) is None
    assert read_group("the national transfer scheme for unaccompanied children") is None
    assert read_group("walks in the Yorkshire Dales") is None
    assert read_group("St Helens Metropolitan Borough Council's rating", None, ("St Helens",)) is None
    both = read_group("How many in the north west region and north east are good?")
    assert both.label == "the North East and the North West" and len(both.members) == 36
    assert read_group("What are Lancashire's neighbours rated?", None, ("Lancashire",)).of == "Lancashire"


def test_a_set_in_a_question_about_the_reports_words_narrows_the_search_and_says_how_much_is_held(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    engine = create_engine(Settings(data_dir=small_library.data_dir, _env_file=None), small_library, llm=llm)
    answer = engine.ask("What did Ofsted say about care leavers in the North West?")
    assert "2 of the 24 authorities in the North West are in the library; 22 are not." in answer.notes
    prompt = llm.history[0][1]["content"]
    assert "St Helens" in prompt and "North East Lincolnshire" not in prompt


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Who improved from inadequate?",
            "3 of the 3 authorities moved away from inadequate for overall effectiveness",
        ),
        ("Which councils have never been inadequate?", "0 of the 3 with a graded inspection in the library were never"),
        (
            "Has Lancashire ever been outstanding?",
            "Not for overall effectiveness [1] [2] [3]. Lancashire was judged "
            "outstanding for impact of leaders and care leavers at its ILACS inspection, published August 2026",
        ),
        ("Which councils were inspected in 2022?", "Lancashire (2022)"),
        (
            "Is St Helens rated higher than North East Lincolnshire?",
            "North East Lincolnshire's latest graded inspection",
        ),
    ],
)
def test_questions_a_second_reviewer_found_wrong(small_library, question, expected):
    assert expected in _records_answer(small_library, question).text


def test_inspected_in_a_year_means_the_visit_not_the_publication(small_library):
    answer = _records_answer(small_library, "Which councils were inspected in 2023?")
    assert "St Helens (2023)" in answer.text and "Lancashire" not in answer.text  # published 2023, visited 2022


def test_a_joint_judgement_wins_over_a_separate_grade_from_metadata():
    from bot.records.lookup import grade_in

    record = {"judgements": {"care_leavers": "inadequate", "children_in_care_and_care_leavers": "requires improvement"}}
    assert grade_in(record, "care_leavers") == ("requires improvement", "children_in_care_and_care_leavers")


def test_an_empty_library_says_so_rather_than_answering_none(tmp_path):
    from bot.app import create_library

    settings = Settings(data_dir=tmp_path / "empty", _env_file=None)
    library = create_library(settings)
    answer = create_engine(settings, library, llm=FakeLLM()).ask("How many councils are inadequate?")
    assert answer.status == "no_evidence" and "holds no reports yet" in answer.text


def test_the_safeguarding_boards_grade_is_cited_where_the_report_states_it(small_library):
    """Lancashire's 2015 single inspection reviewed its board; the verdict opens the board's section, not the cover."""
    answer, llm = _ask(small_library, "How was Lancashire's Local Safeguarding Children Board rated in 2015?")
    assert llm.history == [] and answer.status == "answered"
    assert "judged Local Safeguarding Children Board good [1]" in answer.text
    (citation,) = answer.citations
    assert "Local Safeguarding Children Board is good" in citation.quote and citation.quote in citation.passage.text
    assert citation.passage.page > 1
    # A report that did not review the board says so, rather than lending the council's grades.
    later = _ask(small_library, "lancashire 2023 lscb grade?")[0]
    assert "gives no Local Safeguarding Children Board grade" in later.text and "inadequate" not in later.text


def test_which_councils_boards_held_a_grade_is_read_from_their_latest_review(small_library):
    """Boards were reviewed until 2018: every council's latest inspection since has no board grade to read."""
    answer, _ = _ask(small_library, "Which councils had a Local Safeguarding Children Board that required improvement?")
    assert "2 of the 3" in answer.text and "at the latest single inspection that reviewed it" in answer.text
    assert (
        "St Helens (requires improvement" in answer.text
        and "North East Lincolnshire (requires improvement" in answer.text
    )
    assert "Lancashire (good" in answer.text
