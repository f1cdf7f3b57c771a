from bot.evidence.citations import SentenceChecker, main_clause
from index.chunk import Passage
from index.text import answer_sentences
from tests.fixtures.passages import passage


def _passage(n: int, text: str) -> Passage:
    header = "Kent | ILACS inspection | 2023-01-01"
    return passage(text, id=f"p{n}", source=f"r{n}.pdf", header=header, local_authority="Kent", date="2023-01-01",
                   page=n, paragraph=str(n))  # fmt: skip


def check(answer, evidence):
    """The checked answer (as it would be shown) and its citations, sentence by sentence."""
    checker = SentenceChecker(evidence)
    for sentence in answer_sentences(answer):
        checker.check(sentence)
    return checker.text, checker.citations


EVIDENCE = [
    _passage(1, "Strategy discussions are timely. However, they are often brief and lack partner input."),
    _passage(2, "Care leavers live in suitable accommodation and are supported by personal advisers."),
]


def test_supported_sentence_keeps_its_citation_and_gets_the_exact_quote():
    text, citations = check("Strategy discussions are timely but often brief [1].", EVIDENCE)
    assert text.endswith("[1].") and citations[1].passage is EVIDENCE[0]
    assert citations[1].quote in EVIDENCE[0].text


def test_wrong_citation_is_moved_to_the_passage_that_supports_it():
    text, citations = check("Care leavers live in suitable accommodation with personal advisers [1].", EVIDENCE)
    assert text.endswith("[1].") and citations[1].passage is EVIDENCE[1]


def test_unsupported_sentence_is_dropped_and_citation_pointing_nowhere_never_shown():
    answer = "Inspectors praised the new adoption panel in Cardiff [7]. Strategy discussions are timely [1]."
    text, citations = check(answer, EVIDENCE)
    assert "Cardiff" not in text and "[7]" not in text
    assert text == "Strategy discussions are timely [1]."
    assert list(citations) == [1]


def test_nothing_supported_means_nothing_kept():
    assert check("The council was praised for its budget [1].", EVIDENCE) == ("", {})


def test_sentences_split_after_citations():
    assert answer_sentences("One thing is so [1]. Another is too [2].") == [
        "One thing is so [1].",
        "Another is too [2].",
    ]


def test_dropped_negation_or_recommendation_told_as_finding_is_not_supported():
    evidence = [
        _passage(1, "Return home interviews are not always completed to a consistent quality."),
        _passage(2, "Ensure that strategy discussions always include the police and health professionals."),
    ]
    assert check("Return home interviews are always completed to a consistent quality [1].", evidence)[0] == ""
    found = "Ofsted found strategy discussions always include the police and health professionals [2]."
    assert check(found, evidence)[0] == ""
    asked = "Ofsted asked it to ensure strategy discussions always include the police and health professionals [2]."
    text, citations = check(asked, evidence)
    assert text and citations[1].passage is evidence[1]


def test_sentence_that_only_names_the_source_is_not_an_answer():
    assert check("Kent, ILACS inspection, 2023-01-01, p.1 [1].", EVIDENCE)[0] == ""


def test_criticism_is_not_supported_by_praise():
    """A real misquote the 0.5B model wrote about St Helens care leavers."""
    praise = [
        _passage(
            1,
            "Care leavers receive strong and effective support to engage in education, employment or "
            "training (EET). This support comes from a range of sources, including PAs.",
        )
    ]
    answer = (
        "Care leavers in St Helens faced challenges in 2023 due to lack of support from PAs and the lack of "
        "effective support to engage in education, employment or training (EET) [1]."
    )
    assert check(answer, praise)[0] == ""
    faithful = "Care leavers receive strong and effective support to engage in education, employment or training [1]."
    assert check(faithful, praise)[0]


def test_echoed_extract_label_is_not_an_answer():
    """Another real 0.5B output: the extract's label repeated as if it were a finding."""
    evidence = [
        _passage(
            1,
            "The local authority has acted on key recommendations made in 2015, with better use of "
            "strategy discussions and a more effective MASH.",
        )
    ]
    answer = 'Lancashire, single inspection, 2015-11-27, p.7, para 6-7, section "Recommendations": 6 [1].'
    assert check(answer, evidence)[0] == ""


def test_a_label_copied_inside_a_sentence_is_taken_out_before_it_is_shown():
    """A real 1.5B output: the extract's label written into the finding, after the council's name."""
    evidence = [_passage(1, "Young carers benefit from a highly effective, multi-agency approach to their needs.")]
    answer = (
        "Ofsted found that Kent, ILACS inspection, Jan 2023, young carers benefit from a highly effective approach [1]."
    )
    shown, _ = check(answer, evidence)
    assert shown == "Ofsted found that Kent young carers benefit from a highly effective approach [1]."


def test_each_number_shows_the_words_behind_every_sentence_citing_it():
    text, citations = check(
        "Strategy discussions are timely [1]. They are often brief and lack partner input [1].", EVIDENCE
    )
    assert text == "Strategy discussions are timely [1]. They are often brief and lack partner input [1]."
    assert citations[1].quote.split(" … ") == [
        "Strategy discussions are timely.",
        "However, they are often brief and lack partner input.",
    ]


def test_a_list_item_is_checked_on_its_own():
    text, _ = check("Strategy discussions are timely [1].\n- The council also buys care leavers cars [1].", EVIDENCE)
    assert text == "Strategy discussions are timely [1]."


class Doubter:
    """A stand-in judge of meaning that agrees only with the windows it is told to."""

    name = "doubter"

    def __init__(self, agrees_with: str = "") -> None:
        self.agrees_with = agrees_with
        self.asked: list[tuple[str, str]] = []

    def entails(self, claim, evidence, source):
        self.asked.append((claim, evidence))
        return bool(self.agrees_with) and self.agrees_with in evidence

    def states_firmly(self, claim, evidence, source):
        return False


def test_a_sentence_the_judge_does_not_read_in_its_passage_is_dropped():
    judge = Doubter()
    checker = SentenceChecker(EVIDENCE, entailment=judge)
    assert checker.check("Strategy discussions are timely but often brief [1].") is None
    assert checker.dropped[-1][1] == "the judge model did not read it in the passage"
    assert judge.asked and not checker.citations  # asked, refused, nothing cited


def test_a_sentence_the_judge_agrees_with_is_shown_with_its_citation():
    judge = Doubter(agrees_with="timely")
    checker = SentenceChecker(EVIDENCE, entailment=judge)
    assert checker.check("Strategy discussions are timely but often brief [1].") == (
        "Strategy discussions are timely but often brief [1]."
    )
    assert len(judge.asked) == 1  # the cited window held: nothing more asked


def test_the_judge_is_not_asked_what_the_rules_already_refused():
    judge = Doubter(agrees_with="Care")
    checker = SentenceChecker(EVIDENCE, entailment=judge)
    assert checker.check("Strategy discussions are never held [1].") is None
    assert judge.asked == []


def test_a_sentence_the_model_repeats_is_shown_once():
    looped = (
        "Strategy discussions are timely [1]. Strategy discussions are timely [1]. Strategy discussions are timely."
    )
    text, _ = check(looped, EVIDENCE)
    assert text == "Strategy discussions are timely [1]."


def test_a_finding_joined_to_a_clause_no_passage_states_is_shown_as_its_main_clause():
    """A real 1.5B output: a faithful finding, then a clause about when it was first raised that no extract says."""
    evidence = [_passage(1, "The caseloads of PAs in the care-experienced service are too high.")]
    answer = (
        "In its 2023 report, Ofsted found that the caseloads of PAs in the care-experienced service were too high, "
        "which was identified at an earlier visit and has not been addressed [1]."
    )
    shown, citations = check(answer, evidence)
    assert shown == (
        "In its 2023 report, Ofsted found that the caseloads of PAs in the care-experienced service were too high [1]."
    )
    assert citations[1].passage is evidence[0]
    # A clause that qualifies the finding is not cut away: the whole is judged, and fails.
    assert (
        check("Caseloads of PAs in the care-experienced service are too high, but only in one team [1].", evidence)[0]
        == ""
    )


def test_a_sentence_that_mostly_repeats_one_already_shown_is_not_shown_again():
    """A real 1.5B loop: the same finding again with 'The report also noted that' before it."""
    shown, _ = check(
        "Strategy discussions are timely [1]. The report also noted that strategy discussions are timely [1].", EVIDENCE
    )
    assert shown == "Strategy discussions are timely [1]."


def test_a_loop_cut_short_is_a_repeat_too():
    """A real 1.5B loop: the finding again, stopped mid-sentence, with only part of its words."""
    evidence = [_passage(1, "Care leavers form good relationships with their personal advisers, who visit them often.")]
    shown, _ = check(
        "Care leavers form good relationships with their personal advisers, who visit them often [1]. "
        "The report also found that care leavers form good relationships with their personal [1].",
        evidence,
    )
    assert shown == "Care leavers form good relationships with their personal advisers, who visit them often [1]."


def test_a_sentence_with_a_word_of_its_own_is_not_a_repeat():
    evidence = [
        _passage(1, "Personal advisers help care leavers into education, employment and training, and into suitable "
                    "accommodation. Few care leavers are in suitable accommodation."),
    ]  # fmt: skip
    first = (
        "Personal advisers help care leavers into education, employment and training, and into suitable accommodation"
    )
    shown, _ = check(f"{first} [1]. Few care leavers are in suitable accommodation [1].", evidence)
    assert shown.count("[1]") == 2


def test_a_clause_that_qualifies_or_a_head_under_a_condition_is_never_cut_away():
    evidence = [
        _passage(1, "Personal advisers know care leavers really well, which helps them to trust their advisers.")
    ]
    qualified = "Personal advisers know care leavers really well; however, their caseloads have doubled [1]."
    assert check(qualified, evidence)[0] == ""
    conceded = "Although personal advisers know care leavers really well, which helps, caseloads have doubled [1]."
    assert main_clause(conceded) is None  # the head would say less than the sentence seems to
    listed = "Assessments for care leavers, personal advisers, which are late [1]."  # no verb before the cut
    assert check(listed, evidence)[0] == ""


def test_a_weakness_after_a_strength_in_the_same_words_is_not_a_repeat():
    evidence = [
        _passage(
            1, "Care leavers are well supported into education. Care leavers are not well supported into employment."
        )
    ]
    shown, _ = check(
        "Care leavers are well supported into education [1]. Care leavers are not well supported into employment [1].",
        evidence,
    )
    assert shown.count("[1]") == 2 and "not well supported" in shown


def test_a_side_of_a_comparison_says_nothing_of_both_sides():
    """Real 1.5B outputs: one side's extracts, and a sentence about both places."""
    evidence = [_passage(1, "Children who go missing receive effective help to reduce risks and keep them safe.")]
    both = "Both found that children who go missing receive effective help to reduce risks and keep them safe [1]."
    one = "Children who go missing receive effective help to reduce risks and keep them safe [1]."
    assert SentenceChecker(evidence, one_side=True).check(both) is None
    assert SentenceChecker(evidence, one_side=True).check(one) == one
    assert SentenceChecker(evidence).check(both) is not None  # a whole answer may compare what it was given


def test_a_finding_from_the_councils_newest_report_is_said_to_be_from_the_latest():
    older = passage("Strategy discussions are timely but brief.", id="old", report_id="r2019", local_authority="Kent",
                    date="2019-03-01", page=2, paragraph="4")  # fmt: skip
    newest = passage("Strategy discussions are now held promptly with the police.", id="new", report_id="r2023",
                     local_authority="Kent", date="2023-01-01", page=3, paragraph="9")  # fmt: skip

    def checker():
        return SentenceChecker([older, newest], dates=True, latest=lambda p: p.report_id == "r2023")

    # The model's own lead for the newest report names it as the latest, with its month.
    shown = checker().check("In its 2023 report, Ofsted found strategy discussions are now held promptly [2].")
    assert shown.startswith("In its latest report (January 2023), Ofsted found strategy discussions")
    assert (
        checker()
        .check("Yes, in its 2023 report, strategy discussions are now held promptly [2].")
        .startswith("Yes, in its latest report (January 2023), strategy")
    )
    # "Inspection" too, but the month given is the report's: when it was published, not when inspectors visited.
    assert (
        checker()
        .check("In its 2023 inspection, strategy discussions are now held promptly [2].")
        .startswith("In its latest report (January 2023), strategy")
    )
    # A lead with the month as well ("In its January 2023 report") is the latest too.
    assert (
        checker()
        .check("In its January 2023 report, strategy discussions are now held promptly [2].")
        .startswith("In its latest report (January 2023), strategy")
    )
    # A sentence that gives no year is led by its report's date, and the newest says it is the latest.
    assert checker().check("Strategy discussions are timely but brief [1].").startswith("March 2019 report: ")
    assert (
        checker()
        .check("Strategy discussions are held promptly with the police [2].")
        .startswith("January 2023 report, the latest: ")
    )
    # An older report's year is never rewritten as the latest.
    assert (
        checker()
        .check("In its 2019 report, Ofsted found strategy discussions are timely [1].")
        .startswith("In its 2019 report")
    )


def test_the_model_speaking_of_its_extracts_is_told_as_the_finding():
    evidence = [passage("In some areas, noticeable progress is evident, but the redesign has lacked energy.", id="a")]
    shown = SentenceChecker(evidence).check("The extracts also mention that noticeable progress is evident [1].")
    assert shown == "Noticeable progress is evident [1]."
    shown = SentenceChecker(evidence).check("According to the extracts, the redesign has lacked energy [1].")
    assert shown == "The redesign has lacked energy [1]."
