"""Chat shorthand read as the reports write it."""

from index.shorthand import plain_words


def test_chat_shorthand_is_spelled_out_and_acronyms_gain_their_words():
    said = plain_words("any probs w return home interviews when kids go missing? senior mgmt, PA caseloads")
    assert said == (
        "any problems with return home interviews when children go missing? senior management, "
        "PA (personal adviser) caseloads"
    )
    assert plain_words("W Sussex and the W/O list") == "W Sussex and the W/O list"  # an initial, as typed
