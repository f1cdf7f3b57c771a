"""Reading a claim's closest windows for their meaning, when the rules found none that says it."""

from __future__ import annotations

from bot.evidence.by_meaning import read_by_meaning
from index import text
from tests.fixtures.fakes import SureOf as Judge
from tests.fixtures.passages import passage

FINDING = passage(
    "Care leavers are well supported by their personal advisers. Council tax is paid for all care leavers, "
    "regardless of where they live. Seven young people are at university.",
    id="finding", report_id="sh-2023", local_authority="St Helens", kind="ILACS inspection", date="2023-09-04",
    section="The experiences and progress of care leavers",
)  # fmt: skip
OLDER = passage(
    "Council tax is paid for all care leavers, regardless of where they live.",
    id="older", report_id="sh-2019", local_authority="St Helens", kind="ILACS inspection", date="2019-11-04",
    section="Care leavers",
)  # fmt: skip
ELSEWHERE = passage(
    "Council tax is paid for all care leavers, regardless of where they live.",
    id="elsewhere", report_id="wi-2023", local_authority="Wigan", kind="ILACS inspection", date="2023-05-01",
    section="Care leavers",
)  # fmt: skip
COVER = passage(
    "Council tax care leavers Good", id="cover", report_id="sh-2023", local_authority="St Helens",
    kind="ILACS inspection", date="2023-09-04", section="Judgements",
)  # fmt: skip


def shared_words(query: str, texts: list[str]) -> list[float]:
    """A stand-in for the embedder: the share of the query's words each text holds."""
    wanted = text.content_words(query)
    return [len(wanted & text.content_words(t)) / max(1, len(wanted)) for t in texts]


CLAIM = "Ofsted's 2023 report said St Helens pays the council tax of every care leaver, wherever they live."


def _read(claim, judge, reports=frozenset({"sh-2023"})):
    return read_by_meaning(
        claim, [ELSEWHERE, OLDER, COVER, FINDING], judge, shared_words,
        places=["St Helens"], reports=set(reports), grades=lambda report_id: {},
    )  # fmt: skip


def test_only_the_named_councils_report_of_the_named_year_is_read_and_its_words_are_quoted():
    judge = Judge("Council tax is paid")
    decided = _read(CLAIM, judge)
    assert decided is not None
    found_in, judged = decided
    assert found_in.id == "finding" and judged.status == "supported"
    assert "Council tax is paid for all care leavers, regardless of where they live." in judged.quote
    assert judged.quote in " ".join(FINDING.text.split())  # one run of the report's own words
    assert all("St Helens" in source and "2023" in source for _, source in judge.read)


def test_the_sentence_after_a_window_is_read_with_it():
    judge = Judge("university")
    decided = _read("In 2023 St Helens paid council tax for care leavers wherever they live.", judge)
    assert decided is not None and "Seven young people are at university." in decided[1].quote


def test_no_firm_yes_decides_nothing():
    assert _read(CLAIM, Judge("something the report never says")) is None


def test_a_changed_number_is_never_outvoted_by_the_judge():
    judge = Judge("Council tax")
    said = "In 2023 St Helens paid council tax for all care leavers, and {} young people were at university."
    assert _read(said.format("seven"), judge)[1].status == "supported"
    changed = _read(said.format("nine"), judge)
    assert changed is not None and changed[1].status == "contradicted" and "not 9" in changed[1].reason


def test_no_named_report_of_the_year_means_nothing_is_read():
    judge = Judge("Council tax")
    assert _read(CLAIM, judge, reports=set()) is None and not judge.read


def test_a_comparison_or_a_scope_the_window_does_not_give_is_left_to_the_rules():
    judge = Judge("Council tax")
    compared = "In 2023 St Helens paid council tax for more care leavers than any other council, wherever they live."
    assert _read(compared, judge) is None and not judge.read
    few = passage(
        "A minority of care leavers have their council tax paid, wherever they live.",
        id="few", report_id="sh-2023", local_authority="St Helens", kind="ILACS inspection", date="2023-09-04",
        section="Care leavers",
    )  # fmt: skip
    said = "In 2023 St Helens paid the council tax of care leavers wherever they live."
    read = read_by_meaning(
        said, [few], judge, shared_words, places=["St Helens"], reports={"sh-2023"}, grades=lambda report_id: {}
    )
    assert read is None  # "of only some" is a gap the judge's Yes does not fill


DECLINE = passage(
    "Since the last inspection, the quality of practice for care leavers has deteriorated. Seven young people are "
    "at university.",
    id="decline", report_id="sh-2023", local_authority="St Helens", kind="ILACS inspection", date="2023-09-04",
    section="The experiences and progress of care leavers",
)  # fmt: skip


class ReadsAsTheClaim(Judge):
    """A judge that reads every window as stating the claim (a true paraphrase the rules misread)."""

    def entails(self, claim, evidence, source):
        return True


MOVED_ON = "The quality of practice for care leavers has moved forward since the last inspection."


def _against(claim, judge, found=(DECLINE,)):
    return read_by_meaning(
        claim, list(found), judge, shared_words, places=["St Helens"], reports={"sh-2023"}, grades=lambda r: {}
    )


def test_the_closest_window_saying_the_opposite_contradicts_the_claim_and_is_quoted():
    decided = _against(MOVED_ON, Judge("x"))
    assert decided is not None
    found_in, judged = decided
    assert found_in.id == "decline" and judged.status == "contradicted"
    assert "got worse" in judged.reason and "has deteriorated" in judged.quote


def test_a_judge_that_reads_the_window_as_the_claim_keeps_it_from_being_contradicted():
    assert _against(MOVED_ON, ReadsAsTheClaim("x")) is None


def test_a_window_not_close_enough_or_only_silent_contradicts_nothing():
    far = "Foster carer recruitment, adoption timeliness and the inspection of practice had moved forward."
    assert _against(far, Judge("x")) is None  # shares too few words with any window
    added = "The quality of practice for care leavers has deteriorated since the last inspection and is poor."
    assert _against(added, Judge("x")) is None  # says more than the window, nothing opposite


def test_another_figure_where_the_window_gives_one_contradicts():
    decided = _against("A dozen young people are at university.", Judge("x"))
    assert decided is not None and decided[1].status == "contradicted" and "12" in decided[1].reason
