import importlib.util
from datetime import date
from pathlib import Path

from index.report import Grade, ReportKind
from index.understand import parse_date_range, read_report
from tests.fixtures.library import LETTER, OFSTED, SEEDS


def test_lancashire_letter():
    report = read_report(LETTER)
    assert report.kind is ReportKind.MONITORING_VISIT
    assert report.local_authority == "Lancashire"
    assert report.publication_date == date(2018, 3, 22)
    assert (report.inspection_start_date, report.inspection_end_date) == (date(2018, 2, 27), date(2018, 2, 28))
    assert report.inspectors == ["Paula Thomson-Jones", "Stella Elliott", "Tony Theodoulou"]
    assert report.lead_inspector == "Paula Thomson-Jones"


def test_ilacs_2023_report():
    report = read_report(OFSTED / "lancashire" / "2023-01-26-childrens-services-inspection.pdf")
    assert report.kind is ReportKind.ILACS
    assert report.lead_inspector == "Sarah Canto"
    assert report.judgements == {
        "overall_effectiveness": Grade.GOOD,
        "impact_of_leaders": Grade.GOOD,
        "help_and_protection": Grade.GOOD,
        "children_in_care_and_care_leavers": Grade.GOOD,
    }
    assert len(report.improvements) == 4 and "return home interviews" in report.improvements[1]
    numbers = [p.number for p in report.paragraphs if p.number]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 50
    assert any(s.title.startswith("The experiences and progress of children in care") for s in report.sections)


def test_2026_framework_has_no_overall_grade():
    report = read_report(OFSTED / "lancashire" / "2026-08-20-childrens-services-inspection.pdf")
    assert "overall_effectiveness" not in report.judgements
    assert report.judgements["care_leavers"] is Grade.OUTSTANDING
    assert report.judgements["children_in_care"] is Grade.GOOD
    assert any("young carers" in item for item in report.improvements)


def test_2015_single_inspection_judgements():
    report = read_report(OFSTED / "lancashire" / "2015-11-27-childrens-services-inspection.pdf")
    assert report.kind is ReportKind.SINGLE_INSPECTION
    assert report.publication_date == date(2015, 11, 27)
    assert report.judgements["overall_effectiveness"] is Grade.INADEQUATE
    assert report.judgements["care_leavers"] is Grade.INADEQUATE
    assert report.judgements["adoption_performance"] is Grade.REQUIRES_IMPROVEMENT


def test_2014_covers_state_the_overall_judgement_in_a_sentence():
    # "The overall judgement is that children's service(s) require(s) improvement": the 2014-15 cover wording.
    for path, overall in [
        (OFSTED / "st-helens" / "2015-01-20-childrens-services-inspection.pdf", Grade.REQUIRES_IMPROVEMENT),
        (OFSTED / "newham" / "2014-08-08-childrens-services-inspection.pdf", Grade.REQUIRES_IMPROVEMENT),
        (OFSTED / "bexley" / "2014-05-23-childrens-services-inspection.pdf", Grade.REQUIRES_IMPROVEMENT),
    ]:
        report = read_report(path)
        assert report.judgements["overall_effectiveness"] is overall, path
        assert any(line.lower().startswith("the overall judgement is") for line in report.cover_lines), path
    assert (
        read_report(OFSTED / "newham" / "2014-08-08-childrens-services-inspection.pdf").judgements["care_leavers"]
        is Grade.GOOD
    )


def test_news_article_is_news_about_its_authority():
    report = read_report(SEEDS / "002_d5f6d8753d9be31f.txt")
    assert report.kind is ReportKind.NEWS
    assert report.local_authority == "North East Lincolnshire"
    assert report.title.startswith("Serious weaknesses")


def test_date_ranges():
    assert parse_date_range("28 November to 9 December 2022") == (date(2022, 11, 28), date(2022, 12, 9))
    assert parse_date_range("14 September 2015 – 8 October 2015") == (date(2015, 9, 14), date(2015, 10, 8))
    assert parse_date_range("27 and 28 February 2018") == (date(2018, 2, 27), date(2018, 2, 28))
    assert parse_date_range("11 – 22 July 2022") == (date(2022, 7, 11), date(2022, 7, 22))


def test_whole_corpus_accuracy_against_ground_truth():
    """The issue's bar: each field right for at least 97% of reports where metadata.csv gives the truth."""
    spec = importlib.util.spec_from_file_location(
        "accuracy", Path(__file__).parents[2] / "bench/understanding_accuracy.py"
    )
    accuracy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(accuracy)
    tally, misses, pages, seconds = accuracy.compare(OFSTED)
    print()
    for field, (ok, n) in tally.items():
        print(f"{field:24s} {ok}/{n} = {100 * ok / n:.1f}%")
    for field, (ok, n) in tally.items():
        assert n > 100, field
        assert ok / n >= 0.97, f"{field}: {ok}/{n}; misses: {[m for m in misses if field in m][:5]}"


def test_a_letterhead_is_not_a_section():
    """Ofsted's address, phone, email and web address head the letter; no section is named after them."""
    report = read_report(LETTER)
    titles = [section.title for section in report.sections]
    assert titles[0] == "Monitoring visit of Lancashire children's services", titles
    assert not [t for t in titles if "@" in t or "www." in t or "0300" in t or "SW1H" in t], titles


def test_the_review_of_the_safeguarding_board_is_read_wherever_the_report_states_it():
    """Single inspections reviewed the Local Safeguarding Children Board alongside the council's services."""
    # 2013-14: on the cover, beside the council's own judgements (so the cover passage can cite it).
    bexley = read_report(OFSTED / "bexley" / "2014-05-23-childrens-services-inspection.pdf")
    assert bexley.safeguarding_board is Grade.INADEQUATE
    assert any("Local Safeguarding Children Board (LSCB) is inadequate" in line for line in bexley.cover_lines)
    # 2015-18: where the board's own section opens, far from the cover.
    lancashire = read_report(OFSTED / "lancashire" / "2015-11-27-childrens-services-inspection.pdf")
    assert lancashire.safeguarding_board is Grade.GOOD
    assert not any("Safeguarding Children Board is" in line for line in lancashire.cover_lines)
    # "The LSCB is inadequate because:" opens some reports' board summary.
    somerset = read_report(OFSTED / "somerset" / "2015-03-27-childrens-services-inspection.pdf")
    assert somerset.safeguarding_board is Grade.INADEQUATE
    # A review published on its own.
    surrey = read_report(OFSTED / "surrey" / "2015-08-03-childrens-services-inspection.pdf")
    assert surrey.safeguarding_board is Grade.REQUIRES_IMPROVEMENT
    # The board is no judgement of the council's services, and reports that did not review it have none.
    assert "safeguarding_board" not in lancashire.judgements
    assert (
        read_report(OFSTED / "birmingham" / "2016-11-25-childrens-services-inspection.pdf").safeguarding_board is None
    )
    assert (
        read_report(OFSTED / "lancashire" / "2023-01-26-childrens-services-inspection.pdf").safeguarding_board is None
    )


def test_a_sentence_about_the_board_is_no_verdict_unless_it_gives_one():
    from index.understand import board_row

    assert board_row("The Local Safeguarding Children Board is good at challenging partners.") is None
    assert board_row("The LSCB is inadequately resourced.") is None
    assert board_row("The Local Safeguarding Children Board requires improvement") is not None
    # Past the cover, only a verdict opening the board's part of the report counts.
    prose = "Partners say that the Local Safeguarding Children Board is good, and it meets monthly."
    assert board_row(prose, after_heading=True) is None
    heading = "The Local Safeguarding Children Board (LSCB) The Local Safeguarding Children Board is inadequate"
    assert board_row(heading, after_heading=True).endswith("is inadequate")
