"""Does this passage say what this sentence claims? Overlap finds the words; facts decide.

Word overlap tells us a sentence is *about* a passage. It cannot tell "judged good" from "judged
outstanding", 30 from 18, 2019 from 2023, Tameside from Lancashire, "timely" from "delayed", or a
thing Ofsted asked for from a thing it found. Each of those is a separate, deterministic test
here, and any one failing means the passage does not support the sentence, however much the other
words agree. Used by the answer checker, briefs and `briefing check` alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.evidence.grades import (
    EVERY_AREA,
    EVERY_AREA_WORDS,
    grade_conflict,
    graded_claims,
    graded_claims_at,
    looked_back_years,
    stated_grades,
    unstated_grade,
)
from index import meaning, text
from index.authorities import authority_key, find_authorities, strip_authorities
from index.chunk import COVER_SECTION, Passage
from index.report import SAFEGUARDING_BOARD

#: Share of a sentence's content words one window of its passage must hold to be "about" it.
#: 0.5 was chosen on the dev questions (issue 4): lower lets unrelated paragraphs through.
SUPPORT_THRESHOLD = 0.5

#: Grades a report must be known to give before "good in every area" can be weighed (ILACS gives five, SIF six).
EVERY_AREA_MIN = 4

#: How far below the best window another may score and still decide the claim.
_DECIDING_MARGIN = 0.1

Status = Literal["supported", "contradicted", "unsupported"]

#: How a sentence says something was asked for (narrow: "improved" is a finding, not a request).
_ASKS = re.compile(
    r"\b(recommend\w*|asked\b|needs? to|should|must|was told to|areas? for (improvement|development|priority)|"
    r"what needs to improve|priorit(y|ies) for improvement|improvement (is|was) needed|to improve|required to|"
    r"wants?\b|called for|calls? for|need(s|ed|ing)? improvement|improvements? (identified|needed)|"
    r"areas? (to|for) develop\w*|to develop)\b",
    re.I,
)
# "After young people asked for it": the ask of the people served, not a request of Ofsted's.
_ASKED_BY_OTHERS = re.compile(
    r"\b(?:young people|children|care leavers|families|parents|carers|staff|workers|partners|members|"
    r"residents|councillors)\s+(?:had\s+|have\s+|has\s+|themselves\s+)?$",
    re.I,
)
_IMPROVE_SECTION = re.compile(r"what needs to improve|recommendation|areas? for (priority )?(action|improvement)", re.I)
# A finding, though filed under an improvement heading (a report whose next heading was not read): its
# subject is followed at once by its verb ("Strategy meetings are well attended", "In addition, there is…").
# The list's items are noun phrases ("The response to children who are…"), questions of degree ("How
# well…", "Whether…") or orders ("Managers should…"): none of those is a finding.
_READS_AS_FINDING = re.compile(
    r"^\W*(?:\d{1,3}\.\s+)?(?:(?:in addition|however|also|overall|moreover),\s+)?"
    r"(?!how\b|whether\b|the extent\b)(?:(?!who\b|which\b|that\b|where\b|when\b)[\w’'-]+\s+){0,4}"
    r"(?:is|are|was|were|has|have|had)\b",
    re.I,
)
_MODAL = re.compile(r"\b(should|must|needs? to|ought to)\b", re.I)


def improvement_section(section: str) -> bool:
    """Whether a section is the report's list of what it asks for ("What needs to improve?", recommendations)."""
    return bool(_IMPROVE_SECTION.search(section or ""))


def _reads_as_finding(window: str) -> bool:
    return bool(_READS_AS_FINDING.match(window)) and not _MODAL.search(window) and not _ASKS.search(window)


#: Words a claim may use about a passage's source without the passage's text saying them.
_SOURCE_WORDS = "inspection asked judgement judged rated graded grade ofsted found finding"


@dataclass(frozen=True)
class Judged:
    """One sentence weighed against one passage."""

    status: Status
    quote: str
    score: float
    reason: str = ""


def judge(sentence: str, passage: Passage, grades: Mapping[str, str] | None = None) -> Judged:
    """Whether the passage supports the sentence, contradicts it, or does not speak to it.

    `grades` are the judgements of the passage's report (area → grade), when known: they decide
    a graded claim even when the window quoted is not the judgement table.
    """
    sentence = without_marks(sentence)
    scored = locate(sentence, passage)
    if not scored:
        return Judged("unsupported", "", 0.0, "the sentence only names its source")
    candidates = [(s, w) for s, w in scored if s >= SUPPORT_THRESHOLD]
    if not candidates:
        return Judged("unsupported", scored[0][1], scored[0][0], "the passage does not say this")
    # Only the windows most about the claim decide it: a weaker window cannot rescue a claim the
    # best-matching words contradict.
    top = candidates[0][0]
    deciding = [(s, w) for s, w in candidates if s >= top - _DECIDING_MARGIN][:8]
    verdicts = []
    for score, window in deciding:
        conflict, gap = _disagreements(sentence, window, passage, grades or {})
        if not (graded_claims(sentence) and stated_grades(window)):  # a table row decides by its grade
            gap = gap or _clause_gap(sentence, window, passage)
        status: Status = "contradicted" if conflict else "unsupported" if gap else "supported"
        verdicts.append(Judged(status, window, score, conflict or gap))
    supported = [v for v in verdicts if v.status == "supported"]
    contradicted = [v for v in verdicts if v.status == "contradicted"]
    # A sentence that contradicts the claim is not rescued by the pair of sentences around it (the
    # neighbour may hold the flipped word), nor by a window less about the claim.
    for found in contradicted:
        if not supported or any(found.quote in s.quote or found.score > s.score for s in supported):
            return found
    return supported[0] if supported else verdicts[0]


def locate(sentence: str, passage: Passage) -> list[tuple[float, str]]:
    """The passage's windows ranked by how much of the sentence's own words they hold (no fact checks).

    Words naming the passage's source (its authority, kind, date, section) are not asked of the
    window. A graded claim ranks the judgement table's rows first: that is where grades are stated.
    """
    sentence = without_marks(sentence)
    graded = bool(graded_claims(sentence))
    # Only words naming where the passage comes from are excused; its section title is not: "care
    # leavers" in a heading does not make a sentence about children true of care leavers.
    source = f"{passage.local_authority} {passage.kind} {passage.date[:4]} {_SOURCE_WORDS}"
    # Places the sentence names are weighed by the place check, not by word overlap.
    places = " ".join(find_authorities(sentence))
    wanted = _claim_words(sentence) - text.content_words(f"{source} {places}")
    if not wanted and not graded:
        return []
    scored = []
    for window in windows(passage):
        said = text.content_words(window)
        # A word flipped to its opposite still shows the window is about the claim.
        said |= meaning.opposite_stems(said)
        scored.append((len(wanted & said) / len(wanted) if wanted else 0.0, window))
    if graded and scored:
        # The table row stating the claimed area decides a graded claim, however few words it shares.
        areas = {area for area, _ in graded_claims(sentence)}
        best = max(max(s for s, _ in scored), SUPPORT_THRESHOLD)

        def states_claimed(window: str) -> bool:
            stated = set(stated_grades(window))
            return bool(areas & stated) or (EVERY_AREA in areas and len(stated) > 1)  # all rows, for "every area"

        # At equal overlap, a window stating the claimed area's grade comes before one that only names it.
        stating = {w for _, w in scored if states_claimed(w)}
        scored = [(best if w in stating else s, w) for s, w in scored]
        return sorted(scored, key=lambda sw: (-sw[0], sw[1] not in stating, len(sw[1])))
    return sorted(scored, key=lambda sw: (-sw[0], len(sw[1])))


def without_marks(sentence: str) -> str:
    """The sentence without its citation marks ("[2]"): they are the answer's, not the claim's words."""
    return re.sub(r"\s*\[\d{1,2}(?:\s*,\s*\d{1,2})*\]", "", sentence).strip()  # "[2021]" is a year, not a mark


_CLAUSE_BREAK = re.compile(
    r",?\s+\b(?:but|though|although|while|whereas|however|yet)\b\s+|;\s+|,\s+and\s+|"
    r"\s+and\s+(?=[a-z]+\s+(?:is|are|was|were|has|have)\b)",
    re.I,
)


def _clause_gap(sentence: str, window: str, passage: Passage) -> str:
    """A clause the window does not hold ("…, but caseloads are unmanageable") is something added."""
    places = " ".join(find_authorities(sentence))
    source = text.content_words(f"{passage.local_authority} {passage.kind} {_SOURCE_WORDS} {places}")
    said = text.content_words(window)
    said |= meaning.opposite_stems(said)
    for clause in _CLAUSE_BREAK.split(sentence):
        words = {w for w in text.content_words(clause) if not w.isdigit()} - source
        if len(words) >= 2 and len(words & said) / len(words) < SUPPORT_THRESHOLD:
            return f"the report does not say “{clause.strip(' ,.')}”"
    return ""


#: Between the several runs of a passage's words one citation quotes (each stands in the report as is).
QUOTE_JOIN = " … "


def windows(passage: Passage) -> list[str]:
    """The quotable units of a passage: each sentence, and each pair of neighbours in one paragraph.

    Pairs never cross a line: a quote must stand in the report as one run of words. A cover's lines
    (dates, inspector, one judgement row each) are each their own unit, and its rows together one more.
    """
    if passage.section == COVER_SECTION:
        lines = [line.strip() for line in passage.text.splitlines() if line.strip()]
        rows = [line for line in lines if text.GRADE.search(line) and not line.startswith("Lead")]
        return lines + ([QUOTE_JOIN.join(rows)] if len(rows) > 1 else [])
    out: list[str] = []
    for line in text.continued_lines(passage.text):
        pieces = [re.sub(r"^\d{1,3}\.\s+", "", s) for s in text.sentences(line)]
        out += pieces + [f"{a} {b}" for a, b in zip(pieces, pieces[1:], strict=False)]
    return list(dict.fromkeys(out))


def _claim_words(sentence: str) -> set[str]:
    """Content words a window must share; facts checked on their own (numbers, grades) are left out."""
    grade_words = {"outstand", "good", "requir", "improv", "inadequ"} if graded_claims(sentence) else set()
    return {w for w in text.content_words(sentence) if not w.isdigit()} - grade_words


# --- the facts a misquote changes ---------------------------------------------------------------


def _disagreements(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> tuple[str, str]:
    """(conflict, gap): why the window contradicts the sentence, or what the sentence adds to it."""
    conflict = grade_conflict(sentence, window, passage, grades)
    if conflict:
        return conflict, ""
    if EVERY_AREA in {area for area, _ in graded_claims(sentence)}:
        # "Good in every other area" is decided by all the report's grades, not by one row of its table;
        # and the words that give every area a grade are no quantity of their own.
        known = {**stated_grades(f"{passage.section}. {window}"), **{k: v for k, v in grades.items() if v}}
        known.pop(SAFEGUARDING_BOARD, None)  # the board's review is not one of the council's areas
        if len(known) < EVERY_AREA_MIN:
            return "", "these rows do not give every grade"
        sentence = EVERY_AREA_WORDS.sub(" ", sentence)
    if len({area for area, _ in graded_claims(sentence)}) > 1 and stated_grades(window):
        # "adoption, care leavers and leadership were each judged good": the table's rows give each its grade.
        sentence = _SHARED_GRADE.sub(" ", sentence)
    for check in (_place_conflict, _year_conflict, _number_conflict, _polarity_conflict, _quantity_conflict,
                  negation_conflict, _request_conflict):  # fmt: skip
        reason = check(sentence, window, passage, grades)
        if reason:
            return reason, ""
    return "", (
        unstated_grade(sentence, window, passage)
        or _month_gap(sentence, window, passage)
        or _quantity_gap(sentence, window)
        or _looked_back_gap(sentence, window, passage)
        or _then_gap(sentence, window)
    )


#: "each" / "both" / "all" spreading one grade over the areas just named ("were all outstanding", "all
#: required improvement"): no quantity of their own.
_SHARED_GRADE = re.compile(
    r"(?<!\bnot )\b(?:each|both|all)\b"
    r"(?=\s+(?:(?:of them|three|four|two)\s+)?(?:(?:been\s+)?(?:judged|rated|graded|found)\b|"
    r"(?:outstanding|good|inadequate|requir\w*\s+improvement)\b))",
    re.I,
)


def disagreement(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    """Why the window cannot bear the sentence out; "" if nothing but its words differ.

    A different grade, number, year, place, quantity, "not" or request; or a month, quantity or
    earlier year the window does not give.
    """
    conflict, gap = _disagreements(without_marks(sentence), window, passage, grades)
    return conflict or gap


def _place_conflict(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    own = authority_key(passage.local_authority) if passage.local_authority else ""
    in_window = {authority_key(a) for a in find_authorities(window)}
    for named in find_authorities(sentence):
        key = authority_key(named)
        if key != own and key not in in_window:
            return f"the passage is about {passage.local_authority or 'another place'}, not {named}"
    return ""


def told_of_another_place(sentence: str, window: str, passage: Passage) -> bool:
    """Whether another place's window says the claim but for its place: a finding told of the wrong council.

    A window that, the places set aside, still differs in a number, a year or a "not" is about
    something else, and proves nothing about the place the claim names.
    """
    elsewhere = strip_authorities(sentence, find_authorities(sentence))
    return not _disagreements(elsewhere, window, passage, {})[0]


def _earlier_looked_back(sentence: str, passage: Passage) -> set[int]:
    """'Since the 2021 inspection' in a claim about a later report: not the report's year (see `_looked_back_gap`)."""
    return {y for y in looked_back_years(sentence) if passage.date and y < int(passage.date[:4])}


def _looked_back_gap(sentence: str, window: str, passage: Passage) -> str:
    """A year the claim says the report looks back to must be one the passage names."""
    stated = text.years(window) | text.years(passage.text)
    unsaid = sorted(_earlier_looked_back(sentence, passage) - stated)
    return f"the report does not say it looks back to {', '.join(map(str, unsaid))}" if unsaid else ""


#: A report sentence about the time of an earlier inspection: "At the time of the last inspection, …".
_THEN = re.compile(
    r"^(?:\d{1,3}\.\s+)?(?:at|during|by) the (?:time of the )?(?:last|previous|prior|preceding|earlier)"
    r" (?:inspection|visit)\b"
    r"|^(?:\d{1,3}\.\s+)?(?:(?:at|during) (?:that|the) time|previously|in the past)\b",
    re.I,
)
#: A claim that itself tells of that earlier time.
_CLAIM_THEN = re.compile(
    r"\b(?:last|previous|prior|preceding|earlier) (?:inspection|visit)|\bpreviously\b|\bat (?:that|the) time\b"
    r"|\bused to\b|\bin the past\b|\bhad (?:been|had)\b|\bno longer\b|\bbefore\b|\bsince\b",
    re.I,
)
#: Share of a looked-back sentence's words a claim must carry before it is taken as telling that sentence.
_THEN_SHARE = 0.5


def _then_gap(sentence: str, window: str) -> str:
    """A finding the report gives of the time of its last inspection, told as what it found now.

    "At the time of the last inspection, high numbers of agency staff were needed" is history in a
    2026 report: a claim that carries its words without saying "previously" misdates it.
    """
    if _CLAIM_THEN.search(sentence):
        return ""
    claimed = text.content_words(sentence)
    for said in text.sentences(window):
        if _THEN.match(said.strip()):
            words = text.content_words(_THEN.sub(" ", said.strip(), count=1))
            if words and len(words & claimed) >= _THEN_SHARE * len(words):
                return "the report says this of the time of its previous inspection"
    return ""


def _year_conflict(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    claimed = text.years(sentence)
    if not claimed:
        return ""
    allowed = text.years(window) | text.years(passage.text) | text.years(passage.header)
    for stamp in (passage.date, passage.inspected):
        if stamp:
            allowed.add(int(stamp[:4]))
    # A visit late in one year is published early in the next: both years name the same report.
    if passage.date:
        year, month = int(passage.date[:4]), int(passage.date[5:7] or 6)
        allowed |= {year + 1} if month >= 11 else {year - 1} if month <= 3 else set()
    wrong = sorted(claimed - allowed - _earlier_looked_back(sentence, passage))
    if wrong:
        when = passage.date[:4] if passage.date else "an undated"
        return f"this is from the {when} {passage.kind or 'document'}, not {', '.join(map(str, wrong))}"
    return ""


def _number_conflict(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    claimed = text.numbers(sentence)
    if not claimed:
        return ""
    stated = text.numbers(window)
    missing = sorted(claimed - stated)
    if missing:
        if stated:
            return f"the report says {', '.join(sorted(stated))}, not {', '.join(missing)}"
        return f"the report states no figure of {', '.join(missing)}"
    return ""


_ADJECTIVE = re.compile(r"(ent|ant|ate|ive|able|ible|al|ful|ous|ed|ely|ly|ear|ure)$")


def _polarity_conflict(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    bound = {at for _, _, at in graded_claims_at(sentence)}
    if bound:  # "requires improvement" as a grade is weighed by the grade check; "good support" is still praise
        sentence = text.GRADE.sub(lambda m: " " if m.end() in bound else m.group(0), sentence)
    # "without delay" praises: its "delay" is not the opposite of "prompt".
    said = {text.stem(meaning.base(w)) for w in text.words(meaning.NOT_CRITICAL.sub(" promptly ", window))}
    # "not consistently" says what "inconsistent" says: a negated word agrees with its opposite.
    negated = meaning.negated_stems(sentence, scope=2)
    for word in set(text.words(sentence)):
        if (
            text.stem(meaning.base(word)) in said
            or text.stem(word) in negated
            or text.stem(meaning.base(word)) in negated
        ):
            continue
        for opposite in meaning.opposites(word):
            if text.stem(opposite) in said:
                return f"the report says “{opposite}”, not “{word}”"
        if not _ADJECTIVE.search(word):
            continue
        for prefix in ("in", "un", "im", "ir", "il"):
            if len(word) > 6 and word.startswith(prefix) and text.stem(word[len(prefix) :]) in said:
                return f"the report says “{word[len(prefix) :]}”, not “{word}”"
            if len(word) >= 5 and len(text.stem(prefix + word)) > 3 and text.stem(prefix + word) in said:
                # ("infully" stems to "in", which every window says)
                return f"the report says “{prefix + word}”, not “{word}”"
    context = f"{passage.section}. {window}"
    if meaning.criticises(sentence) and not meaning.criticises(context):
        return "the claim criticises, but the report's words do not"
    if meaning.praises(sentence) and meaning.criticises(window) and not meaning.PRAISE.search(window):
        return "the claim praises, but the report's words criticise"
    return ""


def _quantity_conflict(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    stated = meaning.quantities(window)
    if not stated:
        return ""
    for claimed in meaning.quantities(sentence):
        if not meaning.same_quantity(claimed, stated):
            return f"the report says “{', '.join(sorted(stated))}”, not “{claimed}”"
    return ""


def _quantity_gap(sentence: str, window: str) -> str:
    claimed, stated = meaning.quantities(sentence), meaning.quantities(window)
    missing = [q for q in claimed if not meaning.same_quantity(q, stated)]
    if missing:
        return f"the report does not say “{missing[0]}”"
    if stated & meaning.RESTRICTIVE and not claimed:
        return "the report says this of only some, not all"
    return ""


def negation_conflict(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    """Whether one side says "not" of what the other states; the report's "not" reads "the report says…"."""
    # Each side's own "not" is read narrowly and the other side's widely, so that "don't always
    # recognise" and "do not always fully recognise" agree while "is recognised" and "is not" do not.
    window_words = text.content_words(window)
    sentence_words = text.content_words(sentence)
    window_denials = meaning.denials(window, scope=4)
    window_negated = {s for _, denied in window_denials for s in denied}
    absent = {s for word, denied in window_denials if word in meaning.ABSENCE for s in denied}
    absent -= {text.stem(w) for w in meaning.TRANSPARENT}
    for (word, near), (_, wide) in zip(meaning.denials(sentence), meaning.denials(sentence, scope=3), strict=True):
        # "no child's case was unallocated" and "there were no unallocated cases" say the same absence
        same_absence = word in meaning.ABSENCE and wide & absent
        if (near & window_words) - window_negated and not same_absence:
            return "the claim says “not” where the report does not"
    # A claim may carry the report's "not" in words of its own ("lacks", "too slow"), but not in
    # words it copied from the report.
    own_criticism = {m.group(0).lower() for m in meaning.CRITICAL.finditer(sentence)} - set(text.words(window))
    if (meaning.negated_stems(window) & sentence_words) - meaning.negated_stems(
        sentence, scope=4
    ) and not own_criticism:
        return "the report says “not” where the claim does not"
    return ""


def _request_conflict(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    # Only words the sentence adds frame it as a request: "what needs to change", copied from the
    # report, does not turn a finding into something Ofsted asked for.
    said = window.lower()
    asks = [m for m in _ASKS.finditer(sentence) if not _asked_by_others(sentence, m)]
    framed = any(m.group(0).lower() not in said for m in asks)
    listed = improvement_section(passage.section) and not _reads_as_finding(window)
    window_asks = listed or bool(meaning.IMPERATIVE.match(window))
    if window_asks and not framed:
        return "the report asks for this; it is not a finding"
    if framed and not window_asks and not meaning.criticises(window):
        return "the report finds no fault here; it did not ask for this"
    return ""


def _asked_by_others(sentence: str, ask: re.Match) -> bool:
    asking = re.match(r"asked|wants?|called|calls", ask.group(0), re.I)
    return bool(asking and _ASKED_BY_OTHERS.search(sentence[: ask.start()]))


def _month_gap(sentence: str, window: str, passage: Passage) -> str:
    claimed = text.months(sentence)
    if not claimed:
        return ""
    known = text.months(window) | text.months(passage.header) | text.months(passage.text)
    for stamp in (passage.date, passage.inspected):
        if stamp and len(stamp) >= 7:
            known.add(text.MONTHS[int(stamp[5:7]) - 1])
    missing = claimed - known
    return f"the report does not date this to {', '.join(sorted(missing))}" if missing else ""
