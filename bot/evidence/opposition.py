"""Does a window say the *opposite* of a claim? Only plain opposites count, read by the rules.

`bot.evidence.claims` asks whether a window the claim's words found bears it out. A window found by
meaning ("got quicker" against "too many delays") shares too few words for that, and the judge model
cannot tell a window that refutes a claim from one that bears it out. Here the rules read such a window
for a plain opposite only: one figure against one, an antonym the window says, "every" against "most",
a "not" the report puts on the claim's words, another cause of the same finding, things moving the
other way, or a finding of the other mind. What a claim only adds is never an opposite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from bot.evidence.claims import Judged, negation_conflict, without_marks
from bot.evidence.grades import graded_claims_at
from index import meaning, text
from index.chunk import Passage


def opposition(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    """Why the window states the opposite of the sentence, or another value of its one figure; "" if it does not.

    Narrower than `disagreement`, for windows chosen by meaning rather than by shared words: only what
    plainly says otherwise counts. A fact the window leaves out, or a "not" or a fault the sentence adds,
    is unsaid, not contradicted; so is a look-alike word ("proved" is not the opposite of "improved").
    """
    sentence = without_marks(sentence)
    if figure := _other_figure(sentence, window):
        return figure
    said, denied = set(text.words(window)), meaning.negated_stems(sentence, scope=2)
    for word in set(text.words(sentence)) - said:
        if text.stem(word) in denied:
            continue  # "not yet improved" agrees with "deteriorated"
        for opposite in meaning.opposites(word):
            if opposite in said:
                return f"the report says “{opposite}”, not “{word}”"
    if quantity := _other_extent(sentence, window):
        return quantity
    if cause := _other_cause(sentence, window):
        return cause
    negation = negation_conflict(sentence, window, passage, grades)
    absence_only = all(word in meaning.ABSENCE for word, _ in meaning.denials(window))
    if negation.startswith("the report says") and not meaning.has_negation(sentence) and not absence_only:
        # A claim with a "not" of its own may put it on other words; "no child waits" praises.
        return negation
    ungraded = _ungraded(sentence)
    if way := meaning.opposite_way(ungraded, window):
        return f"the report says {_WAY_WORDS[way[1]]}, where the claim says {_WAY_WORDS[way[0]]}"
    mind, found = meaning.stance(ungraded), meaning.stance(window)
    if mind and found == -mind:
        return (
            "the claim praises, but the report finds fault"
            if mind > 0
            else "the claim finds fault, but the report praises"
        )
    return ""


_WAY_WORDS = {"up": "it rose", "down": "it fell", "better": "it got better", "worse": "it got worse"}
#: How far apart two figures must be before one contradicts the other ("nearly half" is 48%, not a misquote).
_FIGURE_SLACK = 0.2
#: Extents a claim may state that another the report gives plainly denies ("every" against "the majority").
_WHOLE, _PART = frozenset({"all", "always", "none", "never"}), frozenset({"most", "many", "few", "sometimes", "rarely"})


def _other_figure(sentence: str, window: str) -> str:
    """The window's one figure against the claim's one figure, when they are plainly apart."""
    claimed, stated = text.numbers(sentence), text.numbers(window)
    if len(claimed) != 1 or len(stated) != 1:
        return ""  # several figures on either side: which goes with which is not for words to say
    (said,), (found,) = claimed, stated
    a, b = float(said), float(found)
    return f"the report says {found}, not {said}" if abs(a - b) > _FIGURE_SLACK * max(a, b) else ""


#: Where a finding gives its cause ("delayed due to a lack of police capacity").
_CAUSE = re.compile(r"\b(?:because(?:\s+of)?|due to|owing to|as a result of|caused by|linked to|driven by)\b", re.I)
#: Words a finding shares with the claim's before both give their causes: the same finding, said of one thing.
CAUSE_SAME_EFFECT = 2


def _other_cause(sentence: str, window: str) -> str:
    """The window's cause of the claim's own finding, when the two causes share no word.

    "Strategy meetings were delayed because social workers were not available" against "strategy
    meetings are delayed due to a lack of police capacity": the same delay, another cause.
    """
    claimed, stated = _CAUSE.search(sentence), _CAUSE.search(window)
    if not (claimed and stated):
        return ""
    effect = text.content_words(sentence[: claimed.start()]) & text.content_words(window[: stated.start()])
    cause, given = text.content_words(sentence[claimed.end() :]), text.content_words(window[stated.end() :])
    if len(effect) < CAUSE_SAME_EFFECT or not cause or not given or cause & given:
        return ""
    return f"the report gives another cause: “{window[stated.start() :].strip().rstrip('.')}”"


def _other_extent(sentence: str, window: str) -> str:
    claimed, stated = meaning.quantities(sentence), meaning.quantities(window)
    whole = claimed & _WHOLE
    if whole and stated and stated <= _PART and not any(meaning.same_quantity(q, stated) for q in whole):
        return f"the report says “{', '.join(sorted(stated))}”, not “{sorted(whole)[0]}”"
    return ""


def _ungraded(sentence: str) -> str:
    """The sentence without its grades ("since it was judged good in 2022"): a grade is the table's, not a stance."""
    rest = _LOOKED_BACK_GRADE.sub(" ", sentence)
    bound = {at for _, _, at in graded_claims_at(rest)}
    return text.GRADE.sub(lambda m: " " if m.end() in bound else m.group(0), rest)


#: "since it was rated requires improvement in 2020", "when services were judged to be good": the past's grade.
_LOOKED_BACK_GRADE = re.compile(r"\b(since|when|after)\b[^,.;]{0,40}?\b(judged|rated|graded)\b[^,.;]*", re.I)


def turned(claim: str, passage: Passage, found: Judged) -> Judged | None:
    """The window that holds the claim's words, read the other way: the `found` judgement, now contradicted.

    Its words passed the rules and the judge vetoed it, so it is about the claim and does not state it;
    it contradicts the claim only when it plainly says the opposite.
    """
    reason = opposition(claim, found.quote, passage, {})
    return replace(found, status="contradicted", reason=reason) if reason else None
