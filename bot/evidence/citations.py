"""Check every sentence of an answer against the passages, as the model writes it.

A sentence is shown only once it has passed: its words must stand in one window of a passage, and
the facts a misquote changes (grade, number, year, place, "not", praise or criticism, finding or
request) must agree with that window (see `bot.evidence.claims`), and, when there is a judge of
meaning (`bot.evidence.entailment`), it must agree the window states the sentence. A sentence
citing the wrong passage is moved to the one that supports it; a sentence nothing supports is
dropped. Citations are numbered in order of first use, so no number is ever shown without its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.evidence.claims import QUOTE_JOIN, Judged, judge, locate
from bot.evidence.entailment import Entailment, needs_judging, source_of
from index import meaning, text
from index.chunk import Passage

__all__ = [
    "DATE_LABEL", "QUOTE_JOIN", "Citation", "CheckedSentence", "SentenceChecker", "best_quote", "date_label",
    "is_fragment", "opening",
]  # fmt: skip

_CITE = re.compile(r"\[(\d{1,2}(?:\s*[,–-]\s*\d{1,2})*)\]")
_ECHOED_LABEL = re.compile(
    r"^[^:.]{0,80}?,\s*(ILACS inspection|single inspection|monitoring visit|focused visit|news article|other),"
    r"[^:]{0,120}:\s*",
    re.I,
)
# The label copied inside a sentence, after the council's name and before the sentence goes on:
# "Ofsted found that Somerset, ILACS inspection, Jun 2026, children who…". The label's month and year
# are its passage's, which the citation already gives.
_MID_LABEL = re.compile(
    r"(\b[A-Z][\w’'-]+),\s*(?:ILACS inspection|single inspection|monitoring visit|focused visit|news article),\s*"
    r"[A-Z][a-z]{2,8}\.?\s+(?:19|20)\d\d,\s*(?=[a-z])"
)
_LABEL_ECHO = re.compile(r"\bp\.\s?\d+\b|\bpara\s\d|\bsection\s[“\"]|\bextract\s*\[?\d", re.I)
#: The model speaking of its prompt ("The extracts also mention that…", "According to the extracts,"): a
#: manager never saw the extracts, so the finding is told without the lead.
_EXTRACTS_LEAD = re.compile(
    r"^(?:(?:the|these|both) extracts?\s+(?:also\s+)?(?:mentions?|says?|states?|notes?|shows?|indicates?|suggests?|"
    r"highlights?|reports?)\s+(?:that\s+)?|(?:according to|based on|from) the extracts?,?\s+)",
    re.I,
)
#: A sentence about both sides of a comparison, written from one side's extracts ("Both found…", "in both places").
_BOTH_SIDES = re.compile(
    r"^\W*(?:both|neither)\s+(?:of them|found|noted|reported|said|described|showed|saw|have|had|were|are)\b|"
    r"\b(?:both|neither|the two|each of the) (?:places?|councils?|authority|authorities|reports?|inspections?|sides)\b|"
    r"\bboth (?:in )?(?:19|20)\d\d and (?:in )?(?:19|20)\d\d\b",
    re.I,
)


#: The judgements of a passage's report, looked up by report id (empty when unknown).
GradesFor = Callable[[str], Mapping[str, str]]


@dataclass
class Citation:
    """A numbered source under an answer, with the exact words that support it."""

    n: int
    passage: Passage
    quote: str

    @property
    def from_metadata(self) -> bool:
        """Ofsted's published metadata rather than the report's words: shown as a fact, not a quote."""
        return self.passage.from_metadata


@dataclass
class CheckedSentence:
    """One sentence of an answer and the citation numbers that survived checking."""

    text: str
    cites: list[int]


def citation_json(citation: Citation) -> dict:
    """One citation as the JSON outputs show it."""
    p = citation.passage
    return {
        "n": citation.n,
        "source": p.source,
        "title": p.title,
        "kind": p.kind,
        "local_authority": p.local_authority,
        "date": p.date,
        "page": p.page,
        "paragraph": p.paragraph,
        "quote": citation.quote,
        "url": p.url,
    }


def where(passage: Passage, paragraph: str = " ¶") -> str:
    """'p.4 ¶3': the page (and paragraph) a citation points at."""
    return f"p.{passage.page}" + (f"{paragraph}{passage.paragraph}" if passage.paragraph else "")


def source_parts(passage: Passage, paragraph: str = " ¶") -> list[str]:
    """[council, kind, date, where]: a citation's header, for each surface to join and mark up its own way."""
    return [passage.local_authority or "—", passage.kind, passage.date or "undated", where(passage, paragraph)]


def best_quote(sentence: str, passage: Passage) -> tuple[str, float]:
    """Where the passage says the sentence's words (one or two adjacent sentences), and how much of them.

    This locates words; it does not decide support (that is `claims.judge`, with its fact checks).
    """
    ranked = locate(sentence, passage)
    return (ranked[0][1], ranked[0][0]) if ranked else ("", 0.0)


def opening(passage: Passage, sentences: int = 2) -> str:
    """The passage's first sentences as a quote, without paragraph numbers: for when no words match."""
    pieces = [re.sub(r"^\d{1,3}\.\s+", "", s) for s in text.sentences(passage.text)]
    return " ".join(pieces[:sentences])


def _no_grades(_: str) -> Mapping[str, str]:
    return {}


@dataclass
class SentenceChecker:
    """Checks an answer one sentence at a time, so only checked sentences are ever shown."""

    evidence: list[Passage]
    grades_for: GradesFor = _no_grades
    question: str = ""  # a fragment of an answer ("Matt Reed") claims the question's predicate
    sentences: list[CheckedSentence] = field(default_factory=list)
    citations: dict[int, Citation] = field(default_factory=dict)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    first: int = 1  # the number the first citation gets (after figures already cited above the answer)
    entailment: Entailment | None = None  # after the rules, a judge of meaning (None: the rules alone)
    _numbers: dict[int, int] = field(default_factory=dict)
    dates: bool = False  # lead a sentence that gives no year with its report's month and year
    one_side: bool = False  # the extracts are one side of a comparison: nothing may be said of both
    _said: list[frozenset[str]] = field(default_factory=list)  # each shown sentence's gist: a repeat is not shown
    _introduced: set[str] = field(default_factory=set)  # reports a shown sentence has already dated
    latest: Callable[[Passage], bool] | None = None  # whether a passage is from its council's newest report

    def check(self, sentence: str) -> str | None:
        """The sentence as it may be shown, with final citation numbers; None if it failed.

        A sentence that fails whole is tried once more as its main clause: "X, which Y" asserts X,
        and a small model often joins a faithful finding to a clause the passage does not state.
        """
        shown = self._check(sentence)
        if shown is None and (head := main_clause(sentence)):
            shown = self._check(head)
        return shown

    def _check(self, sentence: str) -> str | None:
        claimed = [n for group in _CITE.findall(sentence) for n in _numbers_in(group)]
        bare = re.sub(r"\s+([.,;:!?])", r"\1", _CITE.sub("", sentence)).strip()
        bare = _ECHOED_LABEL.sub("", bare)  # a small model sometimes repeats the extract's label first
        bare = _MID_LABEL.sub(r"\1 ", bare)  # or inside the sentence, after the council's name
        if lead := _EXTRACTS_LEAD.match(bare):
            rest = bare[lead.end() :]
            bare = rest[:1].upper() + rest[1:]
        if len(text.content_words(bare)) < 2 or _LABEL_ECHO.search(bare) or "NO EVIDENCE" in bare.upper():
            self.dropped.append((bare, "claims nothing to check"))
            return None
        if self.one_side and _BOTH_SIDES.search(bare):
            self.dropped.append((bare, "speaks of both sides from one side's extracts"))
            return None
        words = gist(bare)
        # A repeat says (nearly) what an earlier sentence said, or nothing it did not: a loop, or a loop cut short.
        if any(
            len(words & earlier) >= REPEAT_SHARE * len(words | earlier) or (len(words) >= 3 and words <= earlier)
            for earlier in self._said
        ):
            self.dropped.append((bare, "repeats an earlier sentence"))  # a small model can loop on one sentence
            return None
        claim = f"{self.question} {bare}" if self.question and is_fragment(bare) else bare
        verdicts: list[tuple[int, Judged]] = [
            (n, judge(claim, passage, self.grades_for(passage.report_id)))
            for n, passage in enumerate(self.evidence, start=1)
        ]
        supported = [(n, j) for n, j in verdicts if j.status == "supported"]
        if not supported:
            reasons = [j.reason for _, j in verdicts if j.status == "contradicted"] or ["no passage says this"]
            self.dropped.append((bare, reasons[0]))
            return None
        supported.sort(key=lambda nj: -(nj[1].score + (0.05 if nj[0] in claimed else 0.0)))
        keep = [nj for nj in supported if nj[0] in claimed] or supported[:1]
        if self.entailment is not None:
            keep = self._meant(claim, keep, supported)
            if not keep:
                self.dropped.append((bare, "the judge model did not read it in the passage"))
                return None
        numbers = []
        for n, found in keep[:2]:
            shown = self._numbers.setdefault(n, len(self._numbers) + self.first)
            cited = self.citations.setdefault(shown, Citation(shown, self.evidence[n - 1], found.quote))
            if found.quote not in cited.quote.split(QUOTE_JOIN):
                # Every sentence resting on this passage shows its own words under the same number.
                cited.quote += QUOTE_JOIN + found.quote
            numbers.append(shown)
        self._said.append(words)
        checked = CheckedSentence(self._dated(bare, self.evidence[keep[0][0] - 1]), numbers)
        self.sentences.append(checked)
        return _with_marks(checked)

    def _dated(self, sentence: str, passage: Passage) -> str:
        """The sentence led by when its finding dates from, the first time its report is cited, if it gives no year.

        A finding is history unless it says when: "March 2018 report: The locality teams…"; one from the
        council's newest report says that too ("June 2026 report, the latest: …").
        """
        report = passage.report_id
        if not self.dates:
            return sentence
        newest = self.latest is not None and bool(passage.date) and self.latest(passage)
        lead = _YEAR_LEAD.match(sentence)
        if newest and lead and lead.group("year") == passage.date[:4]:
            # "In its latest report (June 2026), …": the current state, said as such, not one year among others.
            when = text.month_year(passage.date, unknown="undated")
            # Always "report": the month is when it was published, not when inspectors visited.
            sentence = f"{sentence[: lead.start('when')]}latest report ({when}){sentence[lead.end() :]}"
        if report in self._introduced:
            return sentence
        self._introduced.add(report)
        if text.years(sentence) or not passage.date or is_fragment(sentence) or re.match(r"(yes|no)\b", sentence, re.I):
            return sentence
        return f"{date_label(passage)}{LATEST if newest else ''}: {sentence}"

    def _meant(
        self, claim: str, keep: list[tuple[int, Judged]], supported: list[tuple[int, Judged]]
    ) -> list[tuple[int, Judged]]:
        """The windows the judge agrees state the sentence: the cited ones, else the next best (two asked at most)."""
        assert self.entailment is not None
        asked = list(dict.fromkeys([*keep[:2], *supported[:2]]))[:2]
        meant = []
        for n, found in asked:
            passage = self.evidence[n - 1]
            if not needs_judging(claim, passage) or self.entailment.entails(claim, found.quote, source_of(passage)):
                meant.append((n, found))
                if (n, found) in keep:
                    break  # the sentence's own citation holds: nothing more to ask
        return meant

    @property
    def text(self) -> str:
        """The checked answer so far."""
        return " ".join(_with_marks(s) for s in self.sentences)


_FINITE = re.compile(
    r"\b(is|are|was|were|be|been|has|have|had|does|did|do|can|could|will|would|should|must|may|might|says?|"
    r"said|found|finds|led|leads|judged|rated|needs?|asked)\b",
    re.I,
)


# Where a sentence's main clause ends and a clause that only adds to it begins ("X, which Y" asserts X).
# Not "and", "but", "while", ";" or "—": what follows those can qualify or rebut the first part.
_ADDED_CLAUSE = re.compile(r",\s+(?:which|as well as|meaning|leading to|resulting in)\b")
# A concession or condition before the cut leaves a head that says less than it seems to.
_CONDITIONAL = re.compile(
    r"\b(?:although|though|while|whilst|if|unless|despite|whereas|except|only|not only|even)\b", re.I
)
_HEAD_VERB = re.compile(
    r"\b(is|are|was|were|has|have|had|does|did|do|can|could|will|would|found|finds|judged|rated)\b", re.I
)
MAIN_CLAUSE_WORDS = 4  # a main clause shorter than this says too little to stand alone
REPEAT_SHARE = 0.8  # a sentence whose words are mostly those of one already shown says nothing new
#: How a small model frames a finding ("The report also noted that…"): not what the sentence says.
_FRAMING = text.content_words("report reports also noted notes found finds ofsted inspection inspectors said says "
                              "highlighted described extracts extract stated states mentioned")  # fmt: skip


#: The label `date_label` writes, where it leads a shown sentence ("June 2026 report: …").
DATE_LABEL = re.compile(
    r"((?:[A-Z][a-z]+ )?(?:19|20)\d\d (?:report|article)(?:, the latest)?|Undated (?:report|article)): "
)
#: A model's own lead for a finding's date ("In its 2026 report, …"): said of the council's newest report, it says so.
_YEAR_LEAD = re.compile(
    rf"^(?:(?:Yes|No),\s+)?[Ii]n (?:its|their|the) (?P<when>(?:(?:{'|'.join(text.MONTHS)})\s+)?(?P<year>(?:19|20)\d\d))"
    r" (?:report|inspection)\b",
    re.I,
)
LATEST = ", the latest"


def date_label(passage: Passage) -> str:
    """When a passage's finding dates from, as a sentence's lead says it: "June 2026 report", "May 2024 article"."""
    when = text.month_year(passage.date, unknown="undated")
    what = "article" if "news" in (passage.kind or "") else "report"
    return f"{when[0].upper()}{when[1:]} {what}"


def gist(sentence: str) -> frozenset[str]:
    """What a sentence says, for telling a repeat: its words, its "not"s and its numbers, not its framing.

    "The report also noted that X" repeats X; "X is not effective" does not repeat "X is effective",
    nor does a sentence with other numbers.
    """
    negated = {f"not:{stem}" for stem in meaning.negated_stems(sentence, scope=4)}
    numbers = {f"#{n}" for n in re.findall(r"\d+", sentence)}
    return frozenset((text.content_words(sentence) - _FRAMING) | negated | numbers)


def main_clause(sentence: str) -> str | None:
    """The sentence up to a clause joined to it, with its citation marks; None if it has no such clause.

    A small model often joins a faithful finding to a clause no passage states; the finding alone
    may still be shown, once checked. A head with no verb, an open quote or a condition is not cut out.
    """
    marks = " ".join(f"[{m}]" for m in _CITE.findall(sentence))
    bare = _CITE.sub("", sentence).strip()
    added = _ADDED_CLAUSE.search(bare)
    if not added:
        return None
    head = bare[: added.start()].rstrip(" ,;")
    if (
        len(text.content_words(head)) < MAIN_CLAUSE_WORDS
        or not _HEAD_VERB.search(head)
        or _CONDITIONAL.search(head)
        or head.count('"') % 2
        or head.count("“") != head.count("”")
    ):
        return None
    return f"{head} {marks}.".replace(" .", ".")


def _numbers_in(group: str) -> list[int]:
    """'1, 3' → [1, 3]; '1-3' → [1, 2, 3]."""
    out: list[int] = []
    for part in group.split(","):
        ends = [int(n) for n in re.split(r"\s*[–-]\s*", part.strip()) if n]
        out += list(range(ends[0], ends[-1] + 1)) if len(ends) == 2 else ends
    return out


def is_fragment(sentence: str) -> bool:
    """A short answer with no verb ("Matt Reed, HMI"): it only means something with its question."""
    return (
        len(sentence.split()) < 8 and not _FINITE.search(sentence) and not re.search(r"\b[a-z]{3,}(ed|es)\b", sentence)
    )


def renumber(text_: str, by: int) -> str:
    """The text with every citation mark moved on by `by`: an answer placed after another's citations."""
    if not by:
        return text_
    return _CITE.sub(lambda m: "[" + re.sub(r"\d+", lambda d: str(int(d.group(0)) + by), m.group(1)) + "]", text_)


def _with_marks(sentence: CheckedSentence) -> str:
    marks = "".join(f"[{n}]" for n in sentence.cites)
    body = sentence.text
    if not marks:
        return body
    if body and body[-1] in ".!?":
        return f"{body[:-1]} {marks}{body[-1]}"
    return f"{body} {marks}"
