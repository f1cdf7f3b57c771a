"""A question that asks two things ("what grade did they get, and what must improve?"): its asks, each alone.

Each ask is answered in its own right (a grade from the records, a finding from the reports), so
neither half of the question is lost to the other. An ask that names no council or year is read
with the ones the rest of the question names ("what is working well and what needs to improve in
Knowsley?"); one that leans back ("what had it been rated before?") also carries what the ask
before it was about. A later ask that compares ("…and how does that compare with Bolton?") is
not an ask of its own: the question stays whole, for the comparison to be read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from index import text
from index.authorities import KNOWN_AUTHORITIES, PlaceReading, read_places
from index.question import COMPARE, full_years
from index.shorthand import plain_words

#: Words that open an ask: a question word, or an auxiliary that starts a yes/no question.
_OPENS = (
    r"(?:what|which|how|who|whom|whose|when|where|why|did|does|do|was|were|is|are|has|have|had|can|could|should|"
    r"would|will)\b"
)
#: Where a second ask begins: ", and what…", "…; how…", "…? And did…", "…? What…".
_JOIN = re.compile(
    rf"(?:\s*[,;]\s*(?:and|but|also|plus)(?:\s+also)?\s+|\s+(?:and|but)\s+(?:also\s+)?(?=(?:what|which|how|who|when|"
    rf"where|why)\b)|\s*[?]\s*(?:(?:and|but|also|plus)\s+)?)(?={_OPENS})"
    # As typed in a chat: "grade? + any problems with…", "…judgement + what needs to improve".
    r"|\s*\?\s*(?:\+|&|plus|also)\s*(?=\w)|\s+\+\s+(?=\w)",
    re.I,
)
#: A piece that is a question already: it opens with a question word or an auxiliary, or one follows a dash
#: ("ches east 2024 care leavers - why inadequate"). "When Ofsted visited Kent, were…" opens a clause, not a
#: question: "when" and "where" ask only when an auxiliary follows them.
_ASKS = re.compile(
    r"(?:^|\s[-–—:]\s*)(?:(?:what|which|how|who|whose|why)\b|(?:did|does|do|was|were|is|are|has|have|had|can|"
    r"could|should|would|will)\s|(?:when|where)\s+(?:did|does|do|was|were|is|are|has|have|had|will)\b)",
    re.I,
)
#: A comma that may start a second ask: ", did senior managers know?" after a question of its own.
_COMMA = re.compile(rf"\s*,\s*(?={_OPENS})", re.I)
#: An ask that sets itself beside another: it belongs with the question it compares with.
_COMPARES = re.compile(rf"{COMPARE.pattern}|\b(?:better|worse|higher|lower|more|less)\s+than\b", re.I)
#: An ask about a time before the one named ("the previous inspection", "before that"): read as before it.
_EARLIER = re.compile(r"\b(?:previous(?:ly)?|before (?:that|then|it|this)|earlier|prior|last time)\b", re.I)
#: An ask with a time of its own, relative to no year ("since", "first", "used to"): no year is carried.
_OWN_TIME = re.compile(r"\b(?:since|first|used to|ever|never)\b", re.I)
_LEANS_BACK = re.compile(r"\b(?:it|its|they|their|them|that|this|these|those)\b", re.I)
#: Words of an ask that say what is asked, not what it is about.
_ASKING = frozenset(
    re.findall(
        r"\S+",
        """what which how who when where why did does do was were is are has have had get got receive received
        grade grades graded rated rating ratings judged judgement judgements judgment overall ofsted inspection
        inspections inspectors inspector report reports say said find found the a an in its their of for at by
        given give re-inspection reinspection latest recent last outstanding inadequate""",
    )
)
MAX_ASKS = 3


def _known(said: str) -> list[PlaceReading]:
    return read_places(said, KNOWN_AUTHORITIES)


def separate_asks(question: str, places: Callable[[str], list[PlaceReading]] = _known) -> list[str]:
    """The question's asks, each standing alone; one item when it asks one thing.

    `places` reads the councils a text names (the planner's reading knows shorthand: "ches east").
    """
    said = plain_words(question).strip()
    said = full_years(said, [r.said for r in places(said)])  # "wigan 25": the year each ask is given is 2025
    pieces = [p.strip(" ,;") for p in _JOIN.split(said)]
    pieces = [q for p in pieces for q in _comma_asks(p)]
    pieces = [p.rstrip("?") for p in pieces if p]
    if len(pieces) < 2 or len(pieces) > MAX_ASKS or any(len(text.content_words(p)) < 2 for p in pieces):
        return [question]
    if any(_COMPARES.search(p) for p in pieces[1:]):
        return [question]
    asks = []
    for i, piece in enumerate(pieces):
        rest = " ".join(p for j, p in enumerate(pieces) if j != i)
        topic = _topic(pieces[i - 1], places) if i and _LEANS_BACK.search(piece) else ""
        asks.append(carry(piece, rest, " ".join(pieces[:i]), topic, places) + "?")
    return asks


def _comma_asks(piece: str) -> list[str]:
    """A piece split at each comma that opens a question, when what comes before it asks one already."""
    parts = _COMMA.split(piece)
    asks = [parts[0]]
    for part in parts[1:]:
        if _ASKS.search(asks[-1]):
            asks.append(part)
        else:
            asks[-1] = f"{asks[-1]}, {part}"
    return asks


def carry(
    ask: str, rest: str, before: str, topic: str = "", places: Callable[[str], list[PlaceReading]] = _known
) -> str:
    """The ask with the councils said elsewhere in the question and the years said before it, unless it has its own.

    A year said later is not carried back: "…and how has it changed since 2019?" does not date the first ask;
    an ask about the time before ("the previous inspection") is asked of the time before the year said.
    """
    named = places(ask)  # any place said, even one to ask back about, is the ask's own
    others = [] if named else [r.authority for r in places(rest) if r.authority]
    years = [] if text.years(ask) or _OWN_TIME.search(ask) else sorted(text.years(before))
    carried = ", ".join([*others, *([topic] if topic else [])])
    if years and _EARLIER.search(ask):
        carried += f" before {years[0]}"  # "the previous inspection" of the one asked about, not of the latest
    elif years:
        carried += (" " if carried else "") + "in " + text.listed([str(y) for y in years], "and")
    return f"{ask} ({carried})" if carried else ask


def _topic(ask: str, places: Callable[[str], list[PlaceReading]] = _known) -> str:
    """What an ask is about, without its question words, places and years ("Knowsley's adoption service")."""
    named = {w.lower() for r in places(ask) for w in r.said.split()}
    kept = [
        w
        for w in re.findall(r"[\w’'-]+", ask)
        if re.search(r"[^\W\d_]", w) and w.lower() not in _ASKING and w.lower() not in text.STOP_WORDS
        and not text.years(w) and re.sub(r"['’]s$", "", w).lower() not in named
    ]  # fmt: skip
    return " ".join(kept)
