"""A question that asks two things ("what grade did they get, and what must improve?"): its asks, each alone.

Each ask is answered in its own right (a grade from the records, a finding from the reports), so
neither half of the question is lost to the other. A later ask that names no council or year is
read with the ones the question named earlier.
"""

from __future__ import annotations

import re

from index import text
from index.authorities import find_authorities

#: Words that open an ask: a question word, or an auxiliary that starts a yes/no question.
_OPENS = (
    r"(?:what|which|how|who|whom|whose|when|where|why|did|does|do|was|were|is|are|has|have|had|can|could|should|"
    r"would|will)\b"
)
#: Where a second ask begins: ", and what…", "…; how…", "…? And did…", "…? What…".
_JOIN = re.compile(
    rf"(?:\s*[,;]\s*(?:and|but|also|plus)(?:\s+also)?\s+|\s+(?:and|but)\s+(?:also\s+)?(?=(?:what|which|how|who|when|"
    rf"where|why)\b)|\s*[?]\s*(?:(?:and|but|also|plus)\s+)?)(?={_OPENS})",
    re.I,
)
MAX_ASKS = 3


def separate_asks(question: str) -> list[str]:
    """The question's asks, each standing alone; one item when it asks one thing."""
    pieces = [p.strip(" ,;") for p in _JOIN.split(question.strip())]
    pieces = [p for p in pieces if p]
    if len(pieces) < 2 or len(pieces) > MAX_ASKS or any(len(text.content_words(p)) < 2 for p in pieces):
        return [question]
    asks = [pieces[0].rstrip("?") + "?"]
    for piece in pieces[1:]:
        asks.append(carry(piece.rstrip("?"), " ".join(pieces[: pieces.index(piece)])) + "?")
    return asks


def carry(ask: str, before: str) -> str:
    """The ask with the councils and years said before it, unless it names its own."""
    carried = [] if find_authorities(ask) else find_authorities(before)
    if not text.years(ask):
        carried += [str(y) for y in sorted(text.years(before))]
    return f"{ask} ({' '.join(carried)})" if carried else ask
