"""The sector thesaurus: a manager's words find the reports' words, and nothing the question did not say."""

from index.thesaurus import report_phrases


def test_a_manager_s_phrase_is_searched_as_the_reports_write_it():
    assert "out-of-hours" in report_phrases("What got in the way of after-hours social work cover?")
    assert "out-of-hours" in report_phrases("what about after hours cover")  # typed without the hyphen
    assert "young carers" in report_phrases("How are kids caring for parents supported?")


def test_a_report_phrase_finds_the_other_ways_reports_say_it():
    found = report_phrases("How good is the out-of-hours service?")
    assert "emergency duty team" in found
    assert "out-of-hours" not in found and "out of hours" not in found  # the question already says it


def test_a_single_general_word_or_an_unrelated_question_adds_nothing():
    assert report_phrases("How many contacts were there?") == []
    assert report_phrases("Who was the lead inspector?") == []


def test_a_related_topic_is_searched_only_when_the_manager_s_own_phrase_asks_for_it():
    assert "substance misuse" in report_phrases("What did Ofsted say about the toxic trio?")
    assert "substance misuse" not in report_phrases("How does the council respond to domestic abuse?")
