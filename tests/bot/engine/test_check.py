"""`briefing check`: claims built from real report text, each with one fact changed or kept faithful."""

import json
import os
from pathlib import Path

import pytest

from bot.engine.check import check_claim
from bot.engine.evaluate import load_claims, run_claims
from tests.fixtures.fakes import SureOf
from tests.fixtures.library import briefing

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def checked(small_library_dir, embedder):
    """Every claim of the committed adversarial sets, checked once against the small library."""
    from bot.app import create_library
    from bot.settings import Settings

    library = create_library(Settings(data_dir=small_library_dir, _env_file=None), embedder=embedder)
    claims = load_claims(DATA / "claims.jsonl") + load_claims(DATA / "claims_by_hand.jsonl")
    return run_claims(library.retriever, claims)


def test_the_adversarial_set_is_big_enough_and_built_from_reports():
    claims = load_claims(DATA / "claims.jsonl") + load_claims(DATA / "claims_by_hand.jsonl")
    wrong = [c for c in claims if c["expect"] == "contradicted"]
    faithful = [c for c in claims if c["expect"] == "supported"]
    assert len(wrong) >= 100 and len(faithful) >= 50
    assert all(c["source"].startswith("ofsted/") for c in claims)
    kinds = {c["kind"] for c in wrong}
    assert {"grade_swap", "number_swap", "year_swap", "authority_swap", "polarity", "negation"} <= kinds
    assert {"request_as_finding", "finding_as_request"} <= kinds


def test_wrong_claims_are_rejected_and_faithful_ones_kept(checked):
    outcomes, summary = checked
    wrong = [o for o in outcomes if o["expect"] == "contradicted"]
    faithful = [o for o in outcomes if o["expect"] == "supported"]
    undecidable = [o for o in outcomes if o["expect"] in ("not_found", "not_supported")]
    rejected = sum(o["verdict"] != "supported" for o in wrong) / len(wrong)
    called_contradicted = sum(o["verdict"] == "contradicted" for o in wrong) / len(wrong)
    kept = sum(o["verdict"] == "supported" for o in faithful) / len(faithful)
    not_supported = sum(o["verdict"] != "supported" for o in undecidable) / len(undecidable)
    failures = [f"{o['kind']}: {o['claim']} -> {o['verdict']}" for o in outcomes if o["verdict"] == "supported"
                and o["expect"] != "supported"]  # fmt: skip
    assert rejected >= 0.95, failures
    assert called_contradicted >= 0.90
    assert kept >= 0.90, [o["claim"] for o in faithful if o["verdict"] != "supported"]
    assert not_supported >= 0.90
    assert summary["ms_max"] < 2000  # each claim within the two seconds a manager will wait


def test_a_grade_swap_is_contradicted_with_the_reports_own_words(small_library):
    result = check_claim("St Helens care leavers were judged good in 2023.", small_library.retriever)
    assert result.verdict == "contradicted"
    assert "outstanding" in result.explanation
    (citation,) = result.citations
    assert citation.quote == "The experiences and progress of care leavers Outstanding" and citation.passage.page == 1


def test_a_year_with_no_report_is_not_found_and_says_which_years_exist(small_library):
    result = check_claim("Lancashire was judged outstanding overall in its 2021 inspection.", small_library.retriever)
    assert result.verdict == "not_found"
    assert "no 2021 report on Lancashire" in result.explanation and "2015" in result.explanation


def test_check_json_through_the_cli(small_library):
    env = {**os.environ, "BRIEFING_DATA_DIR": str(small_library.data_dir)}
    out = briefing(
        "check",
        "--json",
        "--no-llm",
        "St Helens care leavers were judged outstanding in 2023. Lancashire care leavers were judged good in 2019.",
        env=env,
    )
    payload = json.loads(out)
    assert [c["verdict"] for c in payload["claims"]] == ["supported", "not_found"]
    assert set(payload["claims"][0]) == {"claim", "verdict", "explanation", "citations"}
    citation = payload["claims"][0]["citations"][0]
    assert {"n", "source", "title", "kind", "local_authority", "date", "page", "paragraph", "quote", "url"} <= set(
        citation
    )
    assert payload["timings"]["total_ms"] >= 0


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [
        ("Lancashire and St Helens were both judged good overall in 2023.", "supported"),
        ("Lancashire and St Helens were both judged inadequate overall in 2023.", "contradicted"),
        ("St Helens improved from inadequate in 2019 to good in 2023.", "supported"),
        ("St Helens improved from good in 2019 to outstanding in 2023.", "contradicted"),
        ("St Helens went from inadequate in 2019 to good in 2021.", "not_found"),  # no 2021 report
    ],
)
def test_two_places_and_changes_over_time_are_checked_part_by_part(small_library, claim, verdict):
    result = check_claim(claim, small_library.retriever)
    assert result.verdict == verdict, result.explanation
    if verdict == "supported":
        assert len({c.passage.source for c in result.citations}) == 2  # each part cites its own report


def test_a_misspelt_council_is_read_as_the_nearest_and_says_so(small_library):
    result = check_claim("Lancashrie's care leavers were judged outstanding in 2026.", small_library.retriever)
    assert result.verdict == "supported" and result.explanation.startswith("Read “Lancashrie” as Lancashire.")
    assert result.claim.startswith("Lancashrie")
    wrong = check_claim("Lancashrie's care leavers were judged inadequate in 2026.", small_library.retriever)
    assert wrong.verdict == "contradicted"


def test_a_grade_for_a_council_it_cannot_name_is_not_found(small_library):
    result = check_claim("The care leavers of Zorblaxshire were judged outstanding in 2026.", small_library.retriever)
    assert result.verdict == "not_found"


def test_a_grade_given_to_several_listed_areas_is_checked_for_each(small_library):
    wrong = check_claim(
        "In 2026 Lancashire's impact of leaders was outstanding, with help and protection and children in care "
        "both outstanding.",
        small_library.retriever,
    )
    assert wrong.verdict == "contradicted", wrong.explanation
    right = check_claim(
        "In 2026 Lancashire's help and protection and children in care were both judged good.", small_library.retriever
    )
    assert right.verdict == "supported", right.explanation
    # A quote from the cover never joins its lines: each judgement row stands in the report as printed.
    cover_rows = {line.strip() for c in right.citations for line in c.passage.text.splitlines()}
    assert all(piece in cover_rows for c in right.citations for piece in c.quote.split(" … ")), right.citations


def test_a_misspelling_written_differently_from_how_it_is_read_still_gets_a_verdict(small_library):
    result = check_claim("Saint Helns was judged good in 2019.", small_library.retriever)
    assert result.verdict == "contradicted", result.explanation  # St Helens was judged inadequate in 2019


AWKWARD_CLAIMS = [
    # A region or a set of neighbours is one subject, not a list of parts (these once recursed for ever).
    "The adoption agencies of the North West were praised by Ofsted.",
    "Lancashire's statistical neighbours were all judged good.",
    "Adopt North West, the regional adoption agency, was rated outstanding.",
    # Places named by alias, misspelt, or next to places the library lacks.
    "Lancs and St Helens were both judged requires improvement to be good in 2023.",
    "Lancashrie and St Hellens were inadequate.",
    "Lancashire, St Helens, North East Lincolnshire, Glasgow, Cardiff and Belfast were all judged good.",
    "In 2019 Lancashire was good, in 2022 it was outstanding, in 2023 inadequate and in 2024 good again.",
    # Long ones.
    "St Helens " + "and its partners " * 300 + "were judged good in 2023.",
    " ".join(f"In {year} St Helens was judged good." for year in range(2010, 2026)),
    # Several statements, grades for every area, shares in words, years looked back to.
    "St Helens was rated good across the board in 2023 and it found that " + "; ".join(["caseloads fell"] * 40),
    "Lancashire rated care leavers outstanding and its other areas good, while it also said that since the 2019 "
    "inspection two fifths of staff had left and that; and that; but that.",
    "; ; and that , but while",
]


@pytest.mark.parametrize("claim", AWKWARD_CLAIMS)
def test_no_claim_shape_crashes_the_check(small_library, claim):
    """Every claim gets a verdict with a reason, whatever it names and however long it is."""
    checked = check_claim(claim, small_library.retriever)
    assert checked.verdict in ("supported", "contradicted", "not_found") and checked.explanation


class Judge:
    """A stand-in judge of meaning: says Yes or No as told, and records what it was shown."""

    name = "stand-in judge"

    def __init__(self, says: bool) -> None:
        self.says = says
        self.asked: list[tuple[str, str, str]] = []

    def entails(self, claim, evidence, source):
        self.asked.append((claim, evidence, source))
        return self.says

    def states_firmly(self, claim, evidence, source):
        self.asked.append((claim, evidence, source))
        return False  # never sure: only the rules' windows are judged


def _faithful_claim(retriever) -> str:
    """A faithful claim of the committed set that the rules alone call supported."""
    for item in load_claims(DATA / "claims.jsonl"):
        if item["kind"] == "faithful" and check_claim(item["claim"], retriever).verdict == "supported":
            return item["claim"]
    raise AssertionError("no faithful claim is supported by the rules")


def test_the_judge_can_only_take_support_away_and_says_what_the_report_does_say(small_library):
    retriever = small_library.retriever
    claim = _faithful_claim(retriever)
    doubting = Judge(says=False)
    vetoed = check_claim(claim, retriever, entailment=doubting)
    assert vetoed.verdict == "not_found" and "does not plainly say it" in vetoed.explanation
    assert vetoed.citations and vetoed.citations[0].quote in vetoed.explanation
    asked_claim, window, source = doubting.asked[0]
    assert window == vetoed.citations[0].quote and vetoed.citations[0].passage.local_authority in source
    agreeing = Judge(says=True)
    assert check_claim(claim, retriever, entailment=agreeing).verdict == "supported"
    # A claim the rules contradict is never put to the judge, whatever it would say.
    swapped = check_claim("St Helens care leavers were judged good in 2023.", retriever, entailment=agreeing)
    assert swapped.verdict == "contradicted"


def test_a_grade_read_off_the_judgement_table_is_not_put_to_the_judge(small_library):
    doubting = Judge(says=False)
    result = check_claim("St Helens care leavers were judged outstanding in 2023.", small_library.retriever,
                         entailment=doubting)  # fmt: skip
    assert result.verdict == "supported" and doubting.asked == []


def test_a_graded_claim_with_a_second_statement_needs_both(small_library):
    retriever = small_library.retriever
    claim = (
        "St Helens care leavers were judged outstanding in 2023 and it found that no child was ever seen by a "
        "social worker."
    )
    # The grade alone holds (the table says so); the second statement is weighed on its own words, and
    # when it does not hold, nor does the claim.
    assert check_claim("St Helens care leavers were judged outstanding in 2023.", retriever).verdict == "supported"
    result = check_claim(claim, retriever, entailment=Judge(says=False))
    assert result.verdict == "not_found", result.explanation
    assert "no child was ever seen by a social worker" in result.explanation


def test_statements_split_only_where_each_stands_on_its_own():
    from bot.engine.check import _report_years
    from bot.evidence.statements import said_besides_grades as _said_besides_grades
    from bot.evidence.statements import statements_of as _statements

    assert _statements("Leeds was judged good; inspectors found that caseloads are high.") == [
        "Leeds was judged good",
        "inspectors found that caseloads are high",
    ]
    leaning = "Leeds's care leavers live in stable homes, and inspectors found that they are visited regularly."
    assert _statements(leaning) == [leaning.rstrip(".")]  # "they" needs the statement before it
    assert _statements("Inspectors did not find that caseloads were high and that supervision was poor.") == [
        "Inspectors did not find that caseloads were high and that supervision was poor"
    ]
    # A statement that holds one of the claim's grades is never prose, though alone it names no area.
    assert (
        _said_besides_grades("Leeds requires improvement, and inspectors found that care leavers were good.")[0] == []
    )
    assert _report_years("Inspectors described the sufficiency strategy 2020 to 2025 as ambitious.") == set()
    assert _report_years("Leeds's 2022 inspection found caseloads high.") == {2022}


def test_a_paraphrase_the_rules_cannot_match_is_read_for_its_meaning_in_its_report(small_library):
    claim = (
        "Ofsted's 2023 inspection said St Helens picks up the council tax bill of each care leaver, wherever they live."
    )
    judge = SureOf("Council tax is paid for all care leavers")
    checked = check_claim(claim, small_library.retriever, entailment=judge)
    assert checked.verdict == "supported" and "in other words" in checked.explanation
    (citation,) = checked.citations
    assert citation.passage.local_authority == "St Helens" and citation.passage.date.startswith("2023")
    assert "Council tax is paid for all care leavers" in citation.quote
    assert " ".join(citation.quote.split()) in " ".join(citation.passage.text.split())  # the report's own run of words
    assert judge.read and all(source.startswith("Ofsted, St Helens") and "2023" in source for _, source in judge.read)
    unsure = SureOf("words no report holds")
    assert check_claim(claim, small_library.retriever, entailment=unsure).verdict == "not_found"


def test_every_area_in_a_change_across_years_is_every_area_not_the_overall_grade(small_library):
    retriever = small_library.retriever
    # St Helens was judged requires improvement in every area in 2015; in 2023 good overall, but not in every area.
    wrong = (
        "St Helens went from requires improvement in every area in 2015 to good in every area at its 2023 inspection."
    )
    assert check_claim(wrong, retriever).verdict == "contradicted"
    right = "St Helens went from requires improvement in every area in 2015 to good overall at its 2023 inspection."
    assert check_claim(right, retriever).verdict == "supported"


def test_each_of_several_areas_judged_alike_is_read_off_the_table(small_library):
    retriever = small_library.retriever
    said = "In 2017, North East Lincolnshire's {} were each judged good."
    assert check_claim(said.format("children in care, care leavers and adoption"), retriever).verdict == "supported"
    assert (
        check_claim(said.format("help and protection, care leavers and adoption"), retriever).verdict == "contradicted"
    )


def test_a_grade_of_the_past_a_claim_looks_back_to_is_that_years_not_the_reports(small_library):
    retriever = small_library.retriever
    # St Helens was judged inadequate in 2019 and good in 2023: the earlier grade is the claim's background.
    faithful = "St Helens' 2023 inspection found that services had improved since they were judged inadequate in 2019."
    assert check_claim(faithful, retriever).verdict != "contradicted"
    wrong = check_claim(faithful.replace("inadequate", "outstanding"), retriever)
    assert wrong.verdict == "contradicted"
    assert "inadequate" in wrong.explanation and wrong.citations[0].passage.date.startswith("2019")


def test_words_that_say_nothing_are_no_claim_and_never_supported(small_library):
    from bot.engine.check import check_text

    # A year and a connective matched a report's opening page word for word: it was "supported".
    for said in ["since 2019, when", "2019 2023", "because"]:
        assert check_text(said, small_library.retriever).claims == []
    assert len(check_text("Lancashire was judged good in 2023.", small_library.retriever).claims) == 1


def test_a_claim_about_the_safeguarding_board_is_decided_by_the_boards_review(small_library):
    """The board's grade is not one of the council's: 'good in every area' never counts it, a claim naming it does."""
    right = check_claim(
        "Lancashire's Local Safeguarding Children Board was judged good in 2015.", small_library.retriever
    )
    assert right.verdict == "supported", right.explanation
    wrong = check_claim("Lancashire's LSCB was judged inadequate in 2015.", small_library.retriever)
    assert wrong.verdict == "contradicted" and "good" in wrong.explanation
    assert any("Safeguarding Children Board is good" in c.quote for c in wrong.citations)
