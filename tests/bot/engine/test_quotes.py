"""Answers' quoted parts: a side's grade for its topic, and its finding the other way when one-sided."""

from __future__ import annotations

from bot.engine.quotes import balancing_quote, side_grade, topic_area
from index import meaning


def test_a_topic_is_a_judgement_area_only_when_it_names_one():
    assert topic_area("How did support for care leavers in Kent change?", []) == "care_leavers"
    assert topic_area("How did services for care-experienced young people change?", ["care leavers"]) == "care_leavers"
    assert topic_area("How did help and protection in Wigan change?", []) == "help_and_protection"
    assert topic_area("How did the front door change?", ["multi-agency safeguarding hub"]) is None
    # "Children's services" is everything: the overall grade is named only by "overall".
    assert topic_area("How have children's services in Leeds changed?", []) is None
    assert topic_area("How has overall effectiveness in Leeds changed?", []) == "overall_effectiveness"


def _report(retriever, authority: str, year: str) -> dict:
    return next(
        r for r in retriever.reports_on(authority) if (r.get("date") or "").startswith(year) and r.get("judgements")
    )


def test_a_sides_grade_is_its_reports_cover_row_for_that_area(small_library):
    retriever = small_library.retriever
    report = _report(retriever, "St Helens", "2023")
    line, citation = side_grade(retriever, report["report_id"], "care_leavers", 3)
    assert line == "September 2023 report: care leavers judged outstanding [3]."
    assert citation.n == 3 and citation.passage.section == "Judgements"
    assert "care leavers" in citation.quote.lower() and "outstanding" in citation.quote.lower()
    assert citation.quote in citation.passage.text and "help and protection" not in citation.quote.lower()
    # A report that judges children in care and care leavers together gives that one grade for either.
    joint = _report(retriever, "St Helens", "2019")
    line, citation = side_grade(retriever, joint["report_id"], "care_leavers", 1)
    assert "inadequate" in line and "children in care and care leavers" in citation.quote.lower()
    assert side_grade(retriever, report["report_id"], "adoption_performance", 1) is None  # ILACS grades no adoption


def _hits_on(retriever, question: str, authority: str, year: str):
    from index.plan import Filters

    report = _report(retriever, authority, year)
    return retriever.search(question, Filters([authority], report_ids=[report["report_id"]]), k=6).hits


def test_a_one_sided_side_gets_the_reports_closest_finding_the_other_way(small_library):
    retriever = small_library.retriever
    hits = _hits_on(retriever, "support for care leavers", "St Helens", "2019")
    praise = ["Care leavers are supported well by committed personal advisers who know them well."]
    assert meaning.praises(praise[0])
    line, citation = balancing_quote("care leavers", hits, praise, 4, retriever, 0.0)
    assert line.startswith("The same report also found: “") and line.endswith("[4]")
    assert meaning.criticises(citation.quote) and "leaver" in citation.quote.lower()
    assert citation.passage.local_authority == "St Helens" and citation.passage.date.startswith("2019")
    assert " ".join(citation.quote.split()) in " ".join(citation.passage.text.split())
    # Already both ways, or about something else entirely: nothing is added.
    both = [*praise, "Too many care leavers are not in education, employment or training."]
    assert balancing_quote("care leavers", hits, both, 4, retriever, 0.0) is None
    assert balancing_quote("private fostering", hits, praise, 4, retriever, 0.0) is None


def test_a_sides_improvement_item_on_the_topic_is_said_as_what_ofsted_asked(small_library):
    from bot.engine.quotes import side_improvement

    retriever = small_library.retriever
    report = _report(retriever, "Lancashire", "2026")
    line, citation = side_improvement(retriever, report["report_id"], "young carers", 4)
    assert line.startswith("The August 2026 report asked for improvement in: “") and line.endswith("” [4]")
    assert "young carers" in citation.quote and citation.quote in citation.passage.text and citation.n == 4
    # Every word of the topic, or nothing: "carers' health" is not the young carers item.
    assert side_improvement(retriever, report["report_id"], "foster carers health", 4) is None
    older = _report(retriever, "Lancashire", "2023")
    assert side_improvement(retriever, older["report_id"], "young carers", 4) is None
