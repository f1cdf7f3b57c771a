"""Praise and criticism as the brief sorts findings: a sentence of failures is never a strength."""

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
