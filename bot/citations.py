"""Check every cited sentence against the passage it cites, after the model has written it.

Support is lexical: the share of a sentence's content words (lightly stemmed) found in one
sentence-window of the passage. It is crude but transparent, cheap on two cores, and errs on the
side of dropping a sentence: a missing sentence costs a manager less than a misquoted one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.chunk import Passage

SUPPORT_THRESHOLD = 0.5
_CITE = re.compile(r"\[(\d{1,2}(?:\s*,\s*\d{1,2})*)\]")
_SENTENCE = re.compile(r"(?<=[.!?])(?:\s*\[[\d,\s]+\])*\s+(?=[A-Z“\"‘(])")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = set(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "with",
        "as",
        "at",
        "by",
        "from",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "how",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "not",
        "no",
        "so",
        "such",
        "into",
        "about",
        "also",
        "very",
        "more",
        "most",
        "some",
        "any",
        "all",
        "each",
        "can",
        "could",
        "would",
        "should",
        "will",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "ofsted",
        "report",
        "reports",
        "inspectors",
        "inspector",
        "said",
        "says",
        "found",
        "find",
        "local",
        "authority",
        "authority's",
        "children's",
        "extract",
        "extracts",
        "according",
    ]
)


@dataclass
class Citation:
    """A numbered source under an answer, with the exact words that support it."""

    n: int
    passage: Passage
    quote: str


@dataclass
class CheckedSentence:
    """One sentence of an answer and the citation numbers that survived checking."""

    text: str
    cites: list[int]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def content_words(text: str) -> set[str]:
    """The words that carry meaning, stemmed so 'referrals' meets 'referral'."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2]
    return set(_stemmer().stemWords(words))


def passage_sentences(text: str) -> list[str]:
    """A passage split into sentences (bullets count as sentences)."""
    pieces: list[str] = []
    for line in text.split("\n"):
        line = line.removeprefix("• ")
        pieces += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9“\"‘(•])", line) if s.strip()]
    return pieces


def best_quote(sentence: str, passage: Passage) -> tuple[str, float]:
    """The passage's words that best support the sentence (one or two adjacent sentences).

    Words naming the passage's own authority, kind, date or section ("the 2026 inspection of
    Lancashire") are supported by where the passage comes from, so they are not asked of the quote.
    """
    wanted = content_words(sentence) - content_words(f"{passage.header} {passage.title} inspection improve asked")
    if len(wanted) < 2:
        return "", 0.0  # a sentence that only names the source claims nothing to check
    pieces = passage_sentences(passage.text)
    windows = pieces + [f"{a} {b}" for a, b in zip(pieces, pieces[1:], strict=False)]
    best, score = "", 0.0
    for window in windows:
        overlap = len(wanted & content_words(window)) / len(wanted)
        if overlap > score + 1e-9 or (abs(overlap - score) < 1e-9 and len(window) < len(best)):
            best, score = window, overlap
    return best, score


_LABEL_ECHO = re.compile(r"\bp\.\s?\d+\b|\bpara\s\d|\bsection\s[“\"]")
_NEGATION = re.compile(r"\b(not|no|never|cannot)\b|n't\b", re.I)
_CRITICAL = re.compile(
    r"\b(lack(s|ing|ed)?|without|insufficient(ly)?|inadequate|poor(ly)?|weak(ness|nesses)?|fail(s|ed|ing|ure)?|"
    r"challeng(e|es|ing)|delay(s|ed)?|concern(s|ing)?|problem(s|atic)?|struggl\w*|unable|ineffective|"
    r"inconsistent(ly)?|deteriorat\w*|declin\w*|shortfall(s)?|gap(s)?|drift)\b",
    re.I,
)
_IMPERATIVE = re.compile(
    r"^[“\"]?(ensure|improve|strengthen|develop|increase|review|make sure|establish|take action)\b", re.I
)
_ASKED = re.compile(r"\b(recommend\w*|should|ensure|asked|needs? to|must|improve\w*|priority|priorities)\b", re.I)


def meaning_preserved(sentence: str, quote: str) -> bool:
    """Catch the misquotes word overlap misses.

    A sentence that criticises must rest on a quote that criticises ("lack of support" is not
    supported by "strong and effective support"); a quote that says "not" must not be cited for a
    sentence that says nothing negative; a recommendation must not be told as a finding.
    """
    sentence_negative = bool(_NEGATION.search(sentence) or _CRITICAL.search(sentence))
    quote_negative = bool(_NEGATION.search(quote) or _CRITICAL.search(quote))
    if sentence_negative and not quote_negative:
        return False
    if _NEGATION.search(quote) and not sentence_negative:
        return False
    return not (_IMPERATIVE.match(quote) and not _ASKED.search(sentence))


def split_sentences(answer: str) -> list[str]:
    """The answer's sentences, each keeping its trailing citation markers."""
    answer = re.sub(r"\s+", " ", answer).strip()
    return [s.strip() for s in _SENTENCE.split(answer) if s.strip()]


def verify(answer: str, evidence: list[Passage]) -> tuple[list[CheckedSentence], dict[int, Citation]]:
    """Keep the sentences the evidence supports, each cited to passages that really say it.

    Citations that point nowhere or at a passage that does not support the sentence are moved to
    the passage that does, if any; sentences with no support at all are dropped.
    """
    kept: list[CheckedSentence] = []
    citations: dict[int, Citation] = {}
    for sentence in split_sentences(answer):
        claimed = [int(n) for group in _CITE.findall(sentence) for n in group.split(",")]
        bare = _CITE.sub("", sentence).strip()
        bare = re.sub(r"\s+([.,;:!?])", r"\1", bare)
        if len(content_words(bare)) < 2 or _LABEL_ECHO.search(bare):
            continue  # too short to claim anything, or the model repeating an extract's label
        scored = []
        for n, passage in enumerate(evidence, start=1):
            quote, score = best_quote(bare, passage)
            if not meaning_preserved(bare, quote):
                score = 0.0
            scored.append((n, quote, score + (0.05 if n in claimed else 0.0)))
        supported = [(n, q, s) for n, q, s in scored if s >= SUPPORT_THRESHOLD]
        if not supported:
            continue
        supported.sort(key=lambda t: -t[2])
        keep = [t for t in supported if t[0] in claimed] or supported[:1]
        numbers = []
        for n, quote, _ in keep[:2]:
            citations.setdefault(n, Citation(n, evidence[n - 1], quote))
            numbers.append(n)
        kept.append(CheckedSentence(bare, numbers))
    return kept, citations


def renumber(sentences: list[CheckedSentence], citations: dict[int, Citation]) -> tuple[str, list[Citation]]:
    """Number citations 1..n in order of first use, so no number appears without a source."""
    mapping: dict[int, int] = {}
    for sentence in sentences:
        for n in sentence.cites:
            mapping.setdefault(n, len(mapping) + 1)
    parts = []
    for sentence in sentences:
        marks = "".join(f"[{mapping[n]}]" for n in sentence.cites)
        text = sentence.text
        if text and text[-1] in ".!?":
            parts.append(f"{text[:-1]} {marks}{text[-1]}" if marks else text)
        else:
            parts.append(f"{text} {marks}".strip())
    ordered = [Citation(mapping[n], citations[n].passage, citations[n].quote) for n in mapping]
    return " ".join(parts), sorted(ordered, key=lambda c: c.n)
