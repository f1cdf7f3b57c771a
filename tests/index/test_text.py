"""The shared text rules: what counts as a sentence, a figure, a quantity, a 'not'."""

from index import meaning, text


def test_answer_sentences_keep_their_marks_and_abbreviations():
    answer = "Plans are reviewed, e.g. monthly [1]. Caseloads fell. [2] In 2023 they rose [1,2]."
    assert text.answer_sentences(answer) == [
        "Plans are reviewed, e.g. monthly [1].",
        "Caseloads fell. [2]",
        "In 2023 they rose [1,2].",
    ]


def test_a_streamed_buffer_gives_up_only_finished_sentences():
    done, rest = text.complete_sentences("Plans are reviewed [1]. Caseloads fe")
    assert done == ["Plans are reviewed [1]."] and rest == "Caseloads fe"
    assert text.complete_sentences("Support is strong [1].") == ([], "Support is strong [1].")


def test_report_sentences_never_join_lines():
    assert text.sentences("• Ensure plans are reviewed\n12. Caseloads are high. Staff are stable.") == [
        "Ensure plans are reviewed",
        "12. Caseloads are high.",
        "Staff are stable.",
    ]


def test_figures_years_months_and_grades():
    assert text.numbers("Around 18 children, 12% of staff, £1,500 and twelve visits in 2023.") == {"18", "12", "1500"}
    # Counts in words that are not number words: a couple, a dozen, half a dozen, two dozen.
    assert text.numbers("A couple of new family hubs opened") == {"2"}
    assert text.numbers("half a dozen reviews, a dozen visits and two dozen carers") == {"6", "12", "24"}
    assert text.years("between 2019 and 2023") == {2019, 2023}
    assert text.months("In March; it may be late. May saw more.") == {"march", "may"}
    assert text.grade_of("Requires improvement to be good") == "requires improvement"


def test_quantities_and_their_equivalents():
    assert meaning.quantities("A small number of children wait too long") == {"few"}
    assert meaning.quantities("Not all plans are reviewed") == {"sometimes"}
    assert meaning.same_quantity("most", meaning.quantities("The majority of children"))
    assert not meaning.same_quantity("few", meaning.quantities("Most children"))


def test_negation_reads_curly_apostrophes_and_skips_adverbs():
    assert meaning.has_negation("They don’t visit")
    assert meaning.negated_stems("Disguised compliance is not always recognised.") >= {text.stem("recognised")}


def test_squeeze_ignores_whitespace_hyphenation_and_quote_style():
    assert text.squeeze("well- being of “children”") == text.squeeze('well-being of "children"')
