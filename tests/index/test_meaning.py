"""Praise and criticism, stance, direction and quantity as the brief and the checks read them."""

import pytest

from index import meaning


@pytest.mark.parametrize(
    "sentence",
    [
        "There are serious and widespread failures across services for children in need of help and protection.",
        "While these improvements are having a positive impact, further work is required to improve timeliness.",
        "Inspectors found failings in the response to children who go missing.",
    ],
)
def test_failures_and_work_still_required_are_criticism_not_praise(sentence):
    assert meaning.criticises(sentence) and not meaning.praises(sentence)


def test_plain_praise_is_still_praise():
    assert meaning.praises("Care leavers benefit from strong and timely support from their personal advisers.")


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("The virtual school has been ineffective for at least a year.", -1),
        ("The virtual school performed strongly throughout the year.", 1),
        ("Assessments across the service are poor.", -1),
        ("Assessments were described as a real strength.", 1),
        ("Practice is strong, although plans are not consistently reviewed.", 0),  # of two minds: no stance
        ("The areas for improvement were listed as well as the plan.", 0),  # names things, judges nothing
    ],
)
def test_a_finding_takes_a_stance_only_when_it_is_of_one_mind(said, expected):
    assert meaning.stance(said) == expected


def test_things_moving_the_other_way_are_found_and_a_claim_of_both_ways_is_left_alone():
    assert meaning.opposite_way("The pool of foster carers shrank.", "There has been an increase in foster carers.")
    assert meaning.opposite_way("Practice has moved on considerably.", "There has been a deterioration in practice.")
    assert meaning.opposite_way("Practice has improved.", "This situation has not improved since the last inspection.")
    assert meaning.opposite_way("Practice has improved.", "Practice has improved further.") is None
    both = "More social workers were recruited, which brought average caseloads down."
    assert meaning.opposite_way(both, "Recruitment increased, reducing the average number of cases.") is None


def test_idioms_count_nothing():
    assert meaning.quantities("They juggle three kinds of review all at once.") == set()
    assert meaning.quantities("Children are kept safe at all times.") == {"all"}


def test_a_good_word_denied_is_fault():
    assert meaning.stance("There has been little progress since the last inspection.") == -1
    assert meaning.stance("The response is not yet effective.") == -1


def test_a_denied_improvement_is_no_improvement_and_a_declined_offer_is_no_decline():
    assert meaning.directions("Practice has not yet improved.") == {"worse"}
    assert meaning.directions("The young person has declined the offer of a personal adviser.") == set()
    assert meaning.directions("Children growing up in care are supported.") == set()


def test_what_a_finding_quotes_is_not_read_as_its_praise_or_criticism():

    motto = "The chief executive's mantra is telling: ‘Context is not an excuse but reinforces the need to do better’."
    assert meaning.criticises(motto) and not meaning.criticises(meaning.own_words(motto))
    found = "Staff told inspectors that managers do not visit often enough."
    assert meaning.own_words(found) == found and meaning.criticises(meaning.own_words(found))


def test_a_findings_stance_is_its_main_clauses_not_the_scene_it_sets():

    scene = "When professionals are concerned about children, they appropriately refer into the MASH."
    assert meaning.criticises(scene) and not meaning.criticises(meaning.own_words(scene))
    waiting = "While waiting for early help support to be offered, risks remain and harm escalates."
    assert not meaning.praises(meaning.own_words(waiting))
    # "While X is done well, Y is not": the finding is the fault.
    mixed = "While allegations are managed in a timely way, written records are not consistent."
    assert meaning.criticises(meaning.own_words(mixed)) and not meaning.praises(meaning.own_words(mixed))


def test_a_scene_clause_with_a_list_in_it_ends_where_the_main_clause_starts():
    from index.meaning import own_words, praises

    said = (
        "Although plans to improve the co-ordination, quality and impact of early help services are now being "
        "put in place, these are too recent to have yet had an impact."
    )
    assert own_words(said) == "these are too recent to have yet had an impact."
    assert not praises(own_words(said))


def test_knowing_ones_weaknesses_is_no_fault():
    from index.meaning import criticises

    assert not criticises("He has evaluated the weaknesses of the Board and set an appropriate direction.")
    assert not criticises("Leaders know their strengths and areas for development well.")
    assert criticises("Leaders have not identified the weaknesses in practice.")
    assert criticises("There are weaknesses in the quality of plans.")
    # An inspection finding them is a fault.
    assert criticises("This inspection has identified serious and widespread weaknesses in services.")
