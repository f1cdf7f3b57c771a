"""The fact checks one by one: each misquote the checker must catch, and the faithful wording it must keep."""

import pytest

from bot.evidence.claims import judge
from bot.evidence.opposition import opposition
from tests.fixtures.passages import passage


def _passage(text, *, authority="Lancashire", date="2023-01-26", section="Findings", kind="ILACS inspection"):
    return passage(
        text, kind=kind, local_authority=authority, date=date, section=section, page=4, paragraph="12",
        inspected="2022-11-28",
    )  # fmt: skip


COVER = _passage(
    "Inspection dates: 10 to 21 July 2023\n"
    "The experiences and progress of children who need help and protection Requires improvement to be good\n"
    "The experiences and progress of children in care Good\n"
    "The experiences and progress of care leavers Outstanding\n"
    "Overall effectiveness Good",
    authority="St Helens",
    date="2023-09-04",
    section="Judgements",
)
STRATEGY = _passage(
    "Strategy discussions are delayed and poorly attended by partners. Caseloads are around 18, and 12 staff are "
    "agency workers. Return home interviews are inconsistent. Few care leavers have their health histories."
)
ASKED = _passage(
    "Ensure that strategy discussions always include the police and health professionals.",
    section="What needs to improve?",
)
PRAISED = _passage("Managers provide strong and effective support to newly qualified social workers.")


@pytest.mark.parametrize(
    ("sentence", "passage", "why"),
    [
        ("St Helens care leavers were judged good in 2023.", COVER, "outstanding, not good"),
        ("Overall effectiveness in St Helens was judged inadequate.", COVER, "good, not inadequate"),
        ("Caseloads are around 30, and 45 staff are agency workers.", STRATEGY, "not 30, 45"),
        ("Strategy discussions are prompt and attended by partners.", STRATEGY, ""),
        ("Return home interviews are consistent.", STRATEGY, "inconsistent"),
        ("Most care leavers have their health histories.", STRATEGY, ""),
        ("Strategy discussions are not delayed and are well attended.", STRATEGY, ""),
        ("In Tameside, strategy discussions are delayed and poorly attended.", STRATEGY, "not Tameside"),
        ("In its 2019 report, Ofsted found strategy discussions were delayed.", STRATEGY, "not 2019"),
        ("Ofsted found that strategy discussions always include the police and health professionals.", ASKED, "asks"),
        ("Ofsted asked the council to improve the support managers give newly qualified social workers.", PRAISED, ""),
    ],
)
def test_misquotes_are_contradicted(sentence, passage, why):
    found = judge(sentence, passage, {"care_leavers": "outstanding"} if passage is COVER else None)
    assert found.status == "contradicted", found
    assert why in found.reason


@pytest.mark.parametrize(
    ("sentence", "passage"),
    [
        ("St Helens care leavers were judged outstanding in 2023.", COVER),
        ("In 2023, help and protection in St Helens was judged to require improvement.", COVER),
        ("In its 2023 report, Ofsted found strategy discussions delayed and poorly attended by partners.", STRATEGY),
        ("In the 2022 inspection, caseloads were around 18 and 12 staff were agency workers.", STRATEGY),
        ("Few care leavers have their health histories, Ofsted said.", STRATEGY),
        ("Ofsted asked the council to ensure strategy discussions always include police and health.", ASKED),
        ("Newly qualified social workers get strong and effective support from managers.", PRAISED),
        ("Return home interviews don’t happen consistently.", STRATEGY),
    ],
)
def test_faithful_wording_is_supported(sentence, passage):
    found = judge(sentence, passage, {"care_leavers": "outstanding"} if passage is COVER else None)
    assert found.status == "supported", found
    assert found.quote in passage.text


def test_a_sentence_about_something_else_is_unsupported_not_contradicted():
    found = judge("The council opened two new adoption panels for disabled children.", STRATEGY)
    assert found.status == "unsupported"


RI = "requires improvement"
LOOKED_AFTER = _passage(
    "Children in care are supported and visited regularly by social workers who know them well. "
    "A small number of children wait too long for permanence. Some return home interviews lack depth and detail."
)


@pytest.mark.parametrize(
    "sentence",
    [
        "Social workers know children in care well, but caseloads are unmanageable.",  # an invented clause
        "Social workers know children in care well and visit them weekly.",  # a frequency the report does not give
        "Children wait too long for permanence.",  # "a small number" dropped
        "Return home interviews have depth and detail.",  # "lack" dropped
    ],
)
def test_what_a_sentence_adds_is_not_supported(sentence):
    assert judge(sentence, LOOKED_AFTER).status != "supported"


@pytest.mark.parametrize(
    ("sentence", "grades"),
    [
        ("An outstanding grade for care leavers.", {"care_leavers": "good"}),
        ("Care leavers: outstanding.", {"care_leavers": "good"}),
        ("Overall, the council was judged good, and adoption was also praised.", {"overall_effectiveness": RI}),
        ("Children in care and care leavers were judged outstanding.", {"children_in_care": "good"}),
    ],
)
def test_grades_however_phrased_are_bound_to_their_area(sentence, grades):
    cover = _passage(
        "Overall effectiveness Requires improvement\nAdoption performance Good\n"
        "The experiences and progress of children in care Good\nThe experiences and progress of care leavers Good",
        section="Judgements",
    )
    assert judge(sentence, cover, grades).status == "contradicted"


@pytest.mark.parametrize(
    "sentence",
    [
        "Its contract required services to be judged good by October 2017 and outstanding by October 2019.",
        "The council aims to be rated outstanding at its next inspection.",
        "Leaders have an ambition to become outstanding.",
        "The trust should be judged good by 2017.",
    ],
)
def test_a_grade_aimed_for_is_not_a_grade_given(sentence):
    from bot.evidence.grades import graded_claims

    # A target, a contract's terms, an ambition: checked by the report's words, never against its table.
    assert graded_claims(sentence) == []


def test_a_grade_given_beside_a_target_is_still_read():
    from bot.evidence.grades import graded_claims

    sentence = "The contract required the trust to be judged good by 2017, and it was judged inadequate in 2018."
    assert graded_claims(sentence) == [("overall_effectiveness", "inadequate")]
    # An aim or a plan earlier in the sentence does not make a grade given after a verb of its own a target.
    for given in [
        "The council aimed for outstanding but was judged to be good in 2023.",
        "Leeds met its improvement plan and was judged to be good in 2023.",
        "Leeds, which must improve its recording, was judged to be good.",
        "The council aimed to be judged good by 2019 and was judged inadequate in 2019.",
    ]:
        assert graded_claims(given)[-1][1] in ("good", "inadequate"), given
    # "By 2023" in an account of what happened is when, not a target.
    assert graded_claims("It was found to be inadequate in 2019 and good by 2023.") == [
        ("overall_effectiveness", "inadequate"),
        ("overall_effectiveness", "good"),
    ]


def test_only_areas_listed_together_share_a_grade():
    from bot.evidence.grades import graded_claims

    assert graded_claims("Overall, help and protection was judged good") == [("help_and_protection", "good")]
    assert graded_claims("Leaders have ensured that services for care leavers are now good") == [
        ("care_leavers", "good")
    ]
    assert graded_claims("Help and protection and children in care were both outstanding") == [
        ("help_and_protection", "outstanding"),
        ("children_in_care", "outstanding"),
    ]


FULL_COVER = _passage(
    "The impact of leaders on social work practice with children and families Good\n"
    "The experiences and progress of children who need help and protection Good\n"
    "The experiences and progress of children in care Good\n"
    "The experiences and progress of care leavers Outstanding\n"
    "Overall effectiveness Good",
    section="Judgements",
)


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Lancashire was rated good across the board.", "contradicted"),  # care leavers were outstanding
        ("Lancashire was judged good in every area.", "contradicted"),
        ("Lancashire rated care leavers outstanding and its other areas good.", "supported"),
        ("Care leavers were outstanding and all other judgements good.", "supported"),
        ("Care leavers were good and the remaining areas outstanding.", "contradicted"),
    ],
)
def test_a_grade_for_every_area_is_checked_against_each_of_the_reports_judgements(sentence, status):
    assert judge(sentence, FULL_COVER).status == status


def test_one_area_graded_in_all_its_parts_is_still_that_one_area():
    from bot.evidence.grades import graded_claims

    assert graded_claims("Help and protection was good in all areas of practice.") == [("help_and_protection", "good")]


def test_a_framework_that_names_leadership_differently_still_decides_a_leadership_grade():
    older = _passage(
        "Leadership, management and governance Requires improvement\nOverall effectiveness Requires improvement",
        section="Judgements",
        date="2016-03-01",
    )
    assert judge("Leadership was judged good in 2016.", older).status == "contradicted"
    assert judge("Leadership was judged requires improvement in 2016.", older).status == "supported"


def test_a_share_in_words_is_the_percentage_the_report_prints():
    rise = _passage("Social worker numbers in the permanence teams rose by 40%, and caseloads fell.")
    assert judge("Social worker numbers in the permanence teams rose by two fifths.", rise).status == "supported"
    assert judge("Social worker numbers in the permanence teams rose by a quarter.", rise).status == "contradicted"


def test_a_year_the_report_looks_back_to_is_not_the_reports_year():
    said = "Since the last inspection in 2021, little progress has been made in improving services for care leavers."
    progress = _passage(said, date="2025-01-10")
    looking_back = "In 2025 there had been little progress for care leavers since the 2021 inspection."
    assert judge(looking_back, progress).status == "supported"
    # A year looked back to that the passage never names is not shown: not supported, not a contradiction.
    unnamed = _passage("Little progress has been made in improving services for care leavers.", date="2025-01-10")
    assert judge("In 2021 there had been little progress for care leavers.", unnamed).status == "contradicted"
    assert judge(looking_back, unnamed).status == "unsupported"
    assert judge(looking_back.replace("2021", "2019"), progress).status != "supported"


def test_a_grade_binds_to_the_area_named_after_it_in_its_own_clause():
    from bot.evidence.grades import graded_claims

    assert graded_claims("Leeds was rated outstanding for the experiences and progress of care leavers.") == [
        ("care_leavers", "outstanding")
    ]
    assert graded_claims("Hackney came out good in 2016, and its care leavers got an outstanding.") == [
        ("overall_effectiveness", "good"),
        ("care_leavers", "outstanding"),
    ]


def test_a_grade_word_describing_work_is_still_praise_beside_a_grade():
    poor = _passage("Multi-agency working is poor and inconsistent.")
    assert judge("Lancashire was judged good overall, with good multi-agency working.", poor).status != "supported"


def test_a_finding_filed_under_an_improvement_heading_is_still_a_finding_and_a_listed_item_still_asks():
    """Real text: a report whose next heading was not read leaves its first findings under 'What needs to improve?'."""
    misfiled = _passage(
        "In addition, there is a professional advice line which is well established and valued by partners.",
        section="What needs to improve?",
    )
    found = judge(
        "Ofsted found that the professional advice line is well established and valued by partners.", misfiled
    )
    assert found.status == "supported", found
    listed = _passage("The response to children who are at risk of exploitation.", section="What needs to improve?")
    found = judge("Ofsted found a good response to children who are at risk of exploitation.", listed)
    assert found.status == "contradicted" and "asks" in found.reason, found


@pytest.mark.parametrize(
    "item",
    [
        "Managers should have clear oversight of plans for children in care.",
        "Responses to children who are at risk of exploitation.",
        "How well children are supported to return home from care.",
        "Whether children have up-to-date plans.",
    ],
)
def test_an_improvement_list_item_is_never_read_as_a_finding(item):
    listed = _passage(item, section="What needs to improve?")
    claim = "Ofsted found that " + item[0].lower() + item[1:]
    found = judge(claim, listed)
    assert found.status != "supported", found


def test_each_grade_of_a_change_takes_the_year_of_its_own_clause():
    from bot.evidence.grades import grades_per_year

    assert grades_per_year("In 2019 Bedford was judged good, and in 2024 it was judged good.") == [
        ("overall_effectiveness", "good", 2019), ("overall_effectiveness", "good", 2024),
    ]  # fmt: skip
    change = "Bedford went from good in every area in 2021 to requires improvement across the board in 2025."
    assert grades_per_year(change) == [
        ("every_area", "good", 2021), ("every_area", "requires improvement", 2025),
    ]  # fmt: skip


# Herefordshire's January 2026 report, paragraph on its workforce (corpus: herefordshire/2026-01-12-…).
THEN = _passage(
    "Having a stable workforce has and continues to be a priority for senior leaders. At the time of the last "
    "inspection, high numbers of agency staff were needed to fill social work vacancies.",
    authority="Herefordshire",
    date="2026-01-12",
)


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        # What the report says of its last inspection, told as now: misdated, never supported.
        (
            "The workforce had a stable workforce, with high numbers of agency staff needed to fill social work "
            "vacancies.",
            "unsupported",
        ),  # fmt: skip
        ("High numbers of agency staff are needed to fill social work vacancies.", "unsupported"),
        # Told as the past, or a sentence of the report that is about now: kept.
        (
            "At the last inspection, high numbers of agency staff were needed to fill social work vacancies.",
            "supported",
        ),  # fmt: skip
        ("High numbers of agency staff were previously needed to fill social work vacancies.", "supported"),
        ("Having a stable workforce continues to be a priority for senior leaders.", "supported"),
    ],
)
def test_a_finding_of_the_last_inspection_is_not_told_as_the_reports_own(sentence, status):
    found = judge(sentence, THEN)
    assert found.status == status, found
    if status == "unsupported":
        assert "previous inspection" in found.reason


def test_a_claim_denying_what_the_report_denies_is_not_a_changed_not():
    said = _passage("Cases are allocated promptly and at the time of the inspection there were no unallocated cases.")
    assert (
        judge("At the time of the inspection no child's case was sitting unallocated.", said).status != "contradicted"
    )
    stalled = _passage(
        "The delivery plan has stalled, and this has led to a lack of purposeful practice with partners."
    )
    flipped = judge(
        "The delivery plan has not stalled, and this has led to a lack of purposeful practice with partners.", stalled
    )
    assert flipped.status == "contradicted" and "not" in flipped.reason


def test_opposition_is_only_the_opposite_never_what_the_claim_adds():
    window = "There has been an increase in foster carers despite the challenges of the pandemic."
    found = _passage(window)
    assert "says it rose" in opposition("The pool of foster carers shrank during the pandemic.", window, found, {})
    assert opposition("Foster carers increased, but recruitment is weak.", window, found, {}) == ""  # added fault
    assert "3, not 12" in opposition("A dozen care leavers are apprentices.", "Three care leavers are apprentices.",
                                     found, {})  # fmt: skip
    assert opposition("Care leavers are apprentices.", "Three care leavers are apprentices.", found, {}) == ""
    # The same finding with another cause: a misquote of why; the same cause in other words, or none, is not.
    delayed = "Too often, though, strategy meetings are delayed due to a lack of police capacity."
    claim = "Strategy meetings were too often delayed because social workers were not available to attend."
    assert "another cause" in opposition(claim, delayed, found, {})
    assert opposition("Strategy meetings were delayed because police were not available.", delayed, found, {}) == ""
    assert opposition("Caseloads rose because of staff sickness.", delayed, found, {}) == ""  # another finding


@pytest.mark.parametrize(
    ("claim", "window"),
    [
        ("Every child is visited promptly by a social worker.", "No child waits for a visit from a social worker."),
        ("Children are seen quickly.", "Children do not wait to be seen."),
        ("The quality of practice has improved.", "The new practice model has proved popular with staff."),
        ("Nearly half of care leavers are in education.", "48% of care leavers are in education."),
        ("Assessments for children are delayed.", "Social workers spend time with children to complete assessments."),
        ("Social workers visit children regularly.", "Social workers visit children at least monthly."),
        ("Practice has not yet improved.", "Practice has deteriorated since the last inspection."),
        ("The quality of plans is poor.", "The quality of plans needs improvement."),
        ("Caseloads average 20, and 90% of visits are on time.", "Caseloads average 20 children for each worker."),
    ],
)
def test_a_faithful_or_merely_different_window_is_no_opposite(claim, window):
    assert opposition(claim, window, _passage(window), {}) == ""


@pytest.mark.parametrize(
    ("claim", "window"),
    [
        (
            "Managers do not consistently record supervision of social workers.",
            "Managers record supervision of social workers, although plans are not consistently updated.",
        ),
        (
            "Leaders have not addressed the backlog of assessments.",
            "Leaders have addressed the backlog of assessments, and no assessments are now out of timescale.",
        ),
    ],
)
def test_a_not_the_claim_inserts_is_caught_though_the_report_denies_something_else(claim, window):
    assert judge(claim, _passage(window)).status == "contradicted"


def test_a_grade_of_the_past_a_claim_looks_back_to_is_not_the_reports():
    from bot.evidence.grades import grades_given, past_grades

    moved = "Services had moved forward since they were judged good in 2022."
    assert grades_given(moved) == [] and past_grades(moved) == [("overall_effectiveness", "good", 2022)]
    # The reports' own phrasing: the grade after the year, in its "when" clause.
    when = "Leeds had improved since the 2019 inspection, when they were judged inadequate."
    assert grades_given(when) == [] and past_grades(when) == [("overall_effectiveness", "inadequate", 2019)]
    # A grade given now beside one of the past: each read as what it is.
    both = "Leeds is now rated good, having improved since it was judged to require improvement in 2019."
    assert [g[:2] for g in grades_given(both)] == [("overall_effectiveness", "good")]
    assert past_grades(both) == [("overall_effectiveness", "requires improvement", 2019)]
    # "Since then" looks back to no year: the grade is the report's.
    assert past_grades("Since then, Leeds was judged good in 2023.") == []


def test_an_ask_of_the_people_served_is_no_request_of_ofsteds():
    """ "Kept open after young people asked for it" reports a finding; "Ofsted asked…" frames a request."""
    kept = _passage(
        "Recent actions include the retention of the drop-in centre as a facility for care leavers, "
        "in direct response to young people's feedback."
    )
    claim = "The council kept the drop-in centre open as a facility for care leavers after young people asked for it."
    assert "ask" not in judge(claim, kept).reason
    framed = "Ofsted asked the council to keep the drop-in centre open as a facility for care leavers."
    assert judge(framed, kept).reason == "the report finds no fault here; it did not ask for this"


def test_another_places_passage_moves_a_claim_only_when_it_says_the_claim_but_for_the_place():
    from bot.evidence.claims import told_of_another_place

    elsewhere = _passage(
        "The number of adoption placements that have broken down over the past three years has been low (six).",
        authority="Warwickshire",
    )
    claim = "Warrington found no adoption placement had broken down over the past three years."
    # The other place's report differs in more than the place: it is about something else.
    assert judge(claim, elsewhere).reason.startswith("the passage is about")
    assert not told_of_another_place(claim, elsewhere.text, elsewhere)
    # The same finding, word for word, in another council's report: the claim moved it.
    moved = (
        "Warrington found the number of adoption placements that have broken down over the past three years "
        "has been low (six)."
    )
    assert told_of_another_place(moved, elsewhere.text, elsewhere)


def test_one_grade_spread_over_the_areas_just_named_is_each_areas_grade():
    grades = {"help_and_protection": "requires improvement", "children_in_care": "good", "care_leavers": "outstanding"}
    spread = "In 2023 St Helens' children in care and overall effectiveness were both good."
    assert judge(spread, COVER, {**grades, "overall_effectiveness": "good"}).status == "supported"
    wrong = "In 2023 St Helens' children in care and care leavers were all outstanding."
    assert judge(wrong, COVER, grades).status == "contradicted"


def test_a_grade_said_of_another_council_is_weighed_by_the_words_not_the_reports_table():
    """A report may tell its predecessor council's grade: that grade is not this council's own."""
    from bot.evidence.grades import grades_given

    told = _passage(
        "Children's services in the predecessor local authority, Cumbria County Council, were judged requires "
        "improvement to be good in November 2022.",
        authority="Westmorland and Furness",
        date="2024-07-19",
    )
    claim = "Cumbria's children's services had been rated requires improvement in November 2022."
    found = judge(claim, told, {"overall_effectiveness": "good"})
    assert found.status == "supported", found.reason
    whole = "Westmorland and Furness was inspected in 2024, and Cumbria's services had been rated requires improvement."
    assert grades_given(whole) == []
    # That grade is still checked, against the report's words about that council.
    wrong = judge("Cumbria's children's services had been rated inadequate in November 2022.", told, {})
    assert wrong.status == "contradicted" and "requires improvement" in wrong.reason
    silent = _passage("Cumbria County Council was the predecessor authority.", authority="Westmorland and Furness")
    assert judge("Cumbria's services had been rated good.", silent, {"overall_effectiveness": "good"}).status != (
        "supported"
    )
    # The council's own grade is still its own.
    assert grades_given("Westmorland and Furness was judged good in 2024.")[0][:2] == ("overall_effectiveness", "good")


def test_all_spreads_a_grade_only_over_areas_listed():
    """ "Its grades were all good" names no areas: "all" is a claim of its own, which one row cannot bear out."""
    grades = {"help_and_protection": "requires improvement", "overall_effectiveness": "good"}
    overall = _passage("Overall effectiveness Good", authority="St Helens", date="2023-09-04", section="Judgements")
    assert judge("In 2023 St Helens' grades were all good.", overall, grades).status != "supported"


def test_the_board_is_a_grades_area_only_as_its_subject():
    from bot.evidence.grades import graded_claims

    assert graded_claims("Lancashire was judged good in 2015 and worked closely with its LSCB.") == [
        ("overall_effectiveness", "good")
    ]
    assert graded_claims("In 2015 Lancashire's LSCB was judged good.") == [("safeguarding_board", "good")]
