"""`briefing check`: a manager's own sentences weighed against the reports, claim by claim.

A board paper says "Ofsted judged our care leavers good in 2023". Each sentence is a claim; each
claim is *supported* (a report says it, facts and all), *contradicted* (a report speaks to it and
says otherwise — we show what it does say), or *not_found* (nothing in the library decides it,
such as a year with no report). The same checks gate every answer: deterministic rules first, then,
when the settings give one, a judge model that must read the claim's meaning in the deciding window.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.evidence.by_meaning import read_in_scope
from bot.evidence.citations import Citation, citation_json
from bot.evidence.claims import Judged, judge, told_of_another_place
from bot.evidence.entailment import Entailment, needs_judging, source_of
from bot.evidence.grades import (
    graded_claims,
    graded_statement,
    grades_given,
    grades_per_year,
    looked_back_years,
    past_grades,
)
from bot.evidence.opposition import turned
from bot.evidence.statements import MAX_STATEMENTS, said_besides_grades, statement_count, statements_of
from bot.records.lookup import states_board_grade
from index import text
from index.authorities import authority_key, nearest, strip_authorities
from index.chunk import COVER_SECTION, METADATA_SECTION, Passage
from index.plan import Filters
from index.report import SAFEGUARDING_BOARD
from index.retrieve import Retriever

Verdict = Literal["supported", "contradicted", "not_found"]
#: Share of a claim's words a window must hold before its disagreement counts as a contradiction.
CONTRADICTION_OVERLAP = 0.6
#: The same for a passage about another place: only its words nearly verbatim make a claim "moved".
PLACE_OVERLAP = 0.85
PLACE_MIN_WORDS = 6
#: How much more plainly about the claim a contradicting window must be than the best support.
OUTVOTE_MARGIN = 0.15
#: Supporting windows the judge model is asked about, best first: one passage may be the wrong one.
JUDGED_WINDOWS = 2
_PRESENT = re.compile(r"\b(is|are|remains?|still|currently|current|now|latest|has been|have been)\b", re.I)


@dataclass
class ClaimCheck:
    """One claim, what the library says of it, and the words that decide it."""

    claim: str
    verdict: Verdict
    explanation: str
    citations: list[Citation] = field(default_factory=list)

    def as_json(self) -> dict:
        """The `--json` shape: citations as `ask` gives them."""
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "explanation": self.explanation,
            "citations": [citation_json(c) for c in self.citations],
        }


@dataclass
class CheckReport:
    """Every claim in a pasted text, checked."""

    claims: list[ClaimCheck]
    timings: dict[str, float]
    judged_by: str = "rules"  # the rules alone, or the judge model that also read each supported claim
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """What `briefing check --json` prints."""
        return {
            "claims": [c.as_json() for c in self.claims],
            "judged_by": self.judged_by,
            "notes": self.notes,
            "timings": {k: round(v) for k, v in self.timings.items()},
        }


def check_text(
    pasted: str, retriever: Retriever, filters: Filters | None = None, *, entailment: Entailment | None = None
) -> CheckReport:
    """Split a pasted paragraph into claims and check each one."""
    started = time.perf_counter()
    # A claim says something in words: "since 2019, when" is a year and a connective, not a claim.
    claims = [
        c for c in text.answer_sentences(pasted) if len({w for w in text.content_words(c) if not w.isdigit()}) >= 2
    ]
    checked = [check_claim(claim, retriever, filters, entailment=entailment) for claim in claims]
    return CheckReport(checked, {"total_ms": (time.perf_counter() - started) * 1000})


# long: the three kinds of split (spelling, places, years) read best together, each at most once.
def check_claim(
    claim: str,
    retriever: Retriever,
    filters: Filters | None = None,
    *,
    entailment: Entailment | None = None,
    _done: frozenset[str] = frozenset(),
) -> ClaimCheck:
    """One claim against the library.

    A claim about several places it names, or a change of grade across years, is several claims:
    each part is checked against its own report, and the claim holds only if every part does.
    Each kind of split (spelling, places, years) happens at most once on the way down (`_done`),
    so however a claim is worded, the checking ends. `entailment`, when given, must also read the
    claim's meaning in the window the rules found before it is called supported.
    """
    plan = retriever.plan(claim, filters)
    if "places" in _done and filters and len(filters.authorities) == 1:
        plan.filters.authorities = list(filters.authorities)  # a place's part is about that place alone
    named = plan.filters.authorities
    if plan.ambiguous:
        reading = plan.ambiguous[0]
        return ClaimCheck(
            claim, "not_found", f"“{reading.said}” could mean {text.listed(reading.choices, 'or')}: say which council."
        )
    misspelt = [p for p in plan.places if p.how == "fuzzy" and p.authority]
    if misspelt and "spelling" not in _done:
        # "Lancashrie" is checked as Lancashire, and the verdict says it was read that way.
        fixed = claim
        for place in misspelt:
            fixed = re.sub(rf"\b{re.escape(place.said)}\b", place.authority or "", fixed, count=1, flags=re.I)
        if fixed == claim:  # the misspelling could not be found as written: check it as it stands
            return _check_one(claim, retriever, plan, entailment)
        checked = check_claim(fixed, retriever, filters, entailment=entailment, _done=_done | {"spelling"})
        notes = [f"Read “{p.said}” as {p.authority}." for p in misspelt]
        return replace(checked, claim=claim, explanation=" ".join([*notes, checked.explanation]))
    # Only councils the claim names are its parts: a region or a set of neighbours is one subject.
    said = list(dict.fromkeys(p.authority for p in plan.places if p.authority and p.authority in named))
    if len(said) > 1 and "places" not in _done:
        # "Its partnership with Wigan and St Helens": other councils may be what the first one's report
        # names; a passage of that report saying the whole claim, every place in it, decides it.
        # A grade is only ever one council's: a claim with grades is always split.
        if not graded_claims(claim):
            whole = check_claim(claim, retriever, Filters([said[0]]), entailment=entailment, _done=_done | {"places"})
            if whole.verdict == "supported":
                return whole
        parts = [
            check_claim(
                strip_authorities(claim, [o for o in said if o != place]),
                retriever,
                Filters([place]),
                entailment=entailment,
                _done=_done | {"places"},
            )
            for place in said
        ]
        return _combined(claim, said, parts)
    changes = grades_per_year(claim)
    if named and len(changes) > 1 and "years" not in _done:
        parts = [
            check_claim(
                graded_statement(named[0], area, grade, year),
                retriever,
                filters,
                entailment=entailment,
                _done=_done | {"years"},
            )
            for area, grade, year in changes
        ]
        return _combined(claim, [f"{grade} in {year}" for _, grade, year in changes], parts)
    return _check_one(claim, retriever, plan, entailment)


def _which_council(claim: str, retriever: Retriever) -> str:
    """Why a graded claim with no recognisable council cannot be decided, with a 'did you mean'."""
    held = retriever.authorities()
    words = re.findall(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*", re.sub(r"['’]s\b", "", claim))
    close = [match for word in words for match in nearest(word, held, n=1)]
    hint = f" Did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
    return f"The claim names no council the library holds, so no report's judgements can decide it.{hint}"


def _combined(claim: str, labels: list[str], parts: list[ClaimCheck]) -> ClaimCheck:
    """One verdict from the parts of a claim: every part must hold for the whole to."""
    for label, part in zip(labels, parts, strict=True):
        if part.verdict == "contradicted":
            return ClaimCheck(claim, "contradicted", f"{label}: {part.explanation}", part.citations)
    citations = [c for part in parts for c in part.citations]
    for n, citation in enumerate(citations, start=1):
        citation.n = n
    if all(part.verdict == "supported" for part in parts):
        return ClaimCheck(
            claim,
            "supported",
            " ".join(f"{label}: {p.explanation}" for label, p in zip(labels, parts, strict=True)),
            citations,
        )
    missing = [f"{label}: {p.explanation}" for label, p in zip(labels, parts, strict=True) if p.verdict == "not_found"]
    return ClaimCheck(claim, "not_found", " ".join(missing), citations)


def _check_one(claim: str, retriever: Retriever, plan, entailment: Entailment | None) -> ClaimCheck:
    named = plan.filters.authorities
    if plan.unknown_places and not named:
        places = ", ".join(plan.unknown_places)
        return ClaimCheck(claim, "not_found", f"The library has nothing on {places}.")
    grades = grades_given(claim)
    if grades and not named:
        # A grade is only true of one council: without one we can name, any report's table would do.
        return ClaimCheck(claim, "not_found", _which_council(claim, retriever))
    reports = _reports_of(retriever, named)
    years = text.years(claim)
    own_years = years - looked_back_years(claim)  # "since the 2019 inspection" is not the report's year
    # A year given as the report's ("its 2022 inspection", "in 2022 Ofsted found"), not any year in the claim
    # ("the 2020 to 2025 strategy"), with no report of it: nothing can decide the claim.
    asked_of = own_years if grades else own_years & _report_years(claim)
    if named and asked_of and not any(_years_of(r) & asked_of for r in reports):
        held = sorted({int(r["date"][:4]) for r in reports if r.get("date")})
        held_text = ", ".join(map(str, held)) if held else "no dated reports"
        missing = ", ".join(map(str, sorted(asked_of)))
        note = f"The library has no {missing} report on {', '.join(named)}; it holds {held_text}."
        return ClaimCheck(claim, "not_found", note)
    if named and (background := _past_grade_wrong(claim, named[0], retriever, reports)):
        return background  # its grade of the past it looks back to is not that year's: the rest cannot save it
    # A later statement is checked with the council and year the claim gave once, at its start.
    context = " ".join([named[0], *map(str, sorted(own_years))]) if named else ""

    def each_holds(labels: list[str], first: list[ClaimCheck], statements: list[str]) -> ClaimCheck:
        asked = [f"{context}: {statement}" for statement in statements]
        parts = [_check_one(a, retriever, retriever.plan(a, plan.filters), entailment) for a in asked]
        return _combined(claim, labels, [*first, *parts])

    if grades and named:
        # "Rated care leavers good and found return interviews timely": the table decides the grade, the
        # report's words the rest, and the claim holds only if both do.
        if statement_count(claim) >= MAX_STATEMENTS:  # else the table alone would decide it all
            return ClaimCheck(
                claim, "not_found", "Too many statements in one claim to weigh at once: check them apart."
            )
        said, graded_part = said_besides_grades(claim)
        graded = _check_graded(graded_part, retriever, reports, own_years) or ClaimCheck(
            claim, "not_found", f"The library holds no judgements for {', '.join(named)}."
        )
        if graded.verdict != "supported" or not said:
            return replace(graded, claim=claim)
        return each_holds(["the grades", *(f"“{part}”" for part in said)], [graded], said)
    statements = statements_of(claim)
    if len(statements) > 1 and all(len(text.content_words(p)) >= 2 for p in statements) and named:
        # Two statements in one claim: each is found (or not) in its own words, and both must hold.
        first = _check_one(statements[0], retriever, retriever.plan(statements[0], plan.filters), entailment)
        return each_holds([f"“{p}”" for p in statements], [first], statements[1:])
    weighed = [(p, judge(claim, p, retriever.grades_for(p.report_id))) for p in _candidates(claim, retriever, plan)]
    # The report of the year named; with no year, the council's newest of Ofsted's own (a claim of now).
    newest = {r["report_id"] for a in named if (r := retriever.newest_report(a))}
    of_year = {r["report_id"] for r in reports if _years_of(r) & asked_of} if asked_of else newest
    return _verdict(claim, weighed, "", entailment=entailment, scope=(retriever, named, of_year))


def _candidates(claim: str, retriever: Retriever, plan) -> list[Passage]:
    """Passages that could decide the claim: the best hybrid hits, and the best word-for-word matches.

    Word-for-word matches come from the named authority and, to catch a claim that moves one
    report's words to another place or year, from the whole library.
    """
    filters = Filters(authorities=plan.filters.authorities, kind=plan.filters.kind)
    found = {h.passage.id: h.passage for h in retriever.search(claim, filters, k=8).hits}
    keep = filters.keeps if filters.authorities else None
    searched = plan.searched()
    for passage, _ in retriever.lexical.search(searched, 8, keep) + retriever.lexical.search(searched, 4):
        found.setdefault(passage.id, passage)
    return list(found.values())


def _verdict(
    claim: str,
    weighed: list[tuple[Passage, Judged]],
    note: str,
    *,
    table: bool = False,
    entailment: Entailment | None = None,
    scope: tuple[Retriever, list[str], set[str] | None] | None = None,
) -> ClaimCheck:
    """Supported, unless words more plainly about the claim say otherwise.

    A loose match elsewhere must not outvote a passage that says the claim's own words with one fact
    changed; on a tie (two reports that disagree, one of them the claim's) support wins.
    `table` decisions come from a judgement table, where overlap of words means little. When the
    judge will not stand behind any window the rules found, it reads the best windows of the
    claim's council and report (`scope`) for their meaning.
    """
    supported = sorted((pj for pj in weighed if pj[1].status == "supported"), key=lambda pj: -pj[1].score)
    substantive = len(text.content_words(claim)) >= PLACE_MIN_WORDS
    contradicted = sorted(
        (
            pj
            for pj in weighed
            if pj[1].status == "contradicted"
            and (table or pj[1].score >= _needed_overlap(pj[1], substantive))
            and (table or not _moved(pj[1]) or told_of_another_place(claim, pj[1].quote, pj[0]))
        ),
        key=lambda pj: -pj[1].score,
    )
    best_support = supported[0][1].score if supported else -1.0
    newer = _newer_contradiction(claim, supported, contradicted)
    if newer is not None:
        passage, found = newer
        explanation = (
            f"An older report said so, but the newest on this says otherwise: {found.reason}. "
            f"The {_where(passage)} says: “{found.quote}”"
        )
        return ClaimCheck(claim, "contradicted", explanation, _citations([newer, supported[0]]))
    if contradicted and contradicted[0][1].score >= best_support + OUTVOTE_MARGIN:
        passage, found = contradicted[0]
        return ClaimCheck(claim, "contradicted", _otherwise(passage, found), _citations(contradicted[:1]))
    if entailment is not None and not table:
        meant = [pj for pj in supported[:JUDGED_WINDOWS] if _means(claim, pj, entailment)]
        if not meant:
            return _by_meaning(claim, weighed, supported, entailment, scope, read=not contradicted) or ClaimCheck(
                claim, "not_found", note or "Nothing in the library decides this claim."
            )
        supported = meant
    if supported:
        return ClaimCheck(claim, "supported", f"The {_where(supported[0][0])} says this.", _citations(supported[:2]))
    return ClaimCheck(claim, "not_found", note or "Nothing in the library decides this claim.")


def _by_meaning(
    claim: str,
    weighed: list[tuple[Passage, Judged]],
    supported: list[tuple[Passage, Judged]],
    entailment: Entailment,
    scope: tuple[Retriever, list[str], set[str] | None] | None,
    *,
    read: bool = True,
) -> ClaimCheck | None:
    """The window the judge firmly reads as the claim, or the closest stating its opposite; else the rules' best.

    None if nothing speaks to the claim at all.

    `scope` is where the claim's meaning may be read: the councils it names, and the reports of the
    year it names (with no year, each council's newest report). With `read` off (some window already
    contradicts the claim, if weakly) no further window is read.
    """
    retriever, places, reports = scope or (None, [], None)
    if retriever is not None and places and read:
        passages = [p for p, _ in weighed]
        if decided := read_in_scope(claim, passages, entailment, retriever, places=places, reports=reports):
            passage, found = decided
            if found.status == "contradicted":
                return ClaimCheck(claim, "contradicted", _otherwise(passage, found), _citations([decided]))
            explanation = f"The {_where(passage)} says this in other words: “{found.quote}”"
            return ClaimCheck(claim, "supported", explanation, _citations([decided]))
    if supported:
        passage, found = supported[0]
        in_scope = bool(places) and (reports is None or passage.report_id in reports)
        if in_scope and (against := turned(claim, passage, found)):
            return ClaimCheck(claim, "contradicted", _otherwise(passage, against), _citations([(passage, against)]))
        explanation = f"The {_where(passage)} speaks to this but does not plainly say it: “{found.quote}”"
        return ClaimCheck(claim, "not_found", explanation, _citations(supported[:1]))
    return None


def _otherwise(passage: Passage, found: Judged) -> str:
    """Why a claim is contradicted, and what the report says instead."""
    said = found.quote if not passage.from_metadata else f"{found.quote} (Ofsted's published metadata)"
    return f"{found.reason[0].upper()}{found.reason[1:]}. The {_where(passage)} says: “{said}”"


def _means(claim: str, weighed: tuple[Passage, Judged], entailment: Entailment) -> bool:
    passage, found = weighed
    return not needs_judging(claim, passage) or entailment.entails(claim, found.quote, source_of(passage))


def _moved(found: Judged) -> bool:
    return found.reason.startswith("the passage is about")


def _needed_overlap(found: Judged, substantive: bool) -> float:
    """Another place's report contradicts a claim only when it says the claim's own, many, words."""
    if not _moved(found):
        return CONTRADICTION_OVERLAP
    return PLACE_OVERLAP if substantive else 2.0  # a short claim matches too much to be "moved"


def _newer_contradiction(
    claim: str, supported: list[tuple[Passage, Judged]], contradicted: list[tuple[Passage, Judged]]
) -> tuple[Passage, Judged] | None:
    """For a claim about now ("is", "still", no year): a newer report that says otherwise wins."""
    if text.years(claim) or not _PRESENT.search(claim) or not supported or not contradicted:
        return None
    supporting = supported[0][0]
    for passage, found in contradicted:
        same_place = authority_key(passage.local_authority) == authority_key(supporting.local_authority)
        newer = (passage.date or "") > (supporting.date or "")
        if same_place and passage.primary and newer and found.score >= supported[0][1].score - 0.2:
            return passage, found
    return None


def _check_graded(claim: str, retriever: Retriever, reports: list[dict], years: set[int]) -> ClaimCheck | None:
    """A claim about grades, decided by the judgement table of the report it is about."""
    judged = [r for r in reports if r.get("judgements")]
    if years:
        judged = [r for r in judged if _years_of(r) & years]
    if not judged:
        return None
    judged.sort(key=lambda r: r.get("date") or "")
    if not years and _PRESENT.search(claim):
        judged = judged[-1:]  # "is rated", "still": the newest report decides
    weighed = []
    for record in reversed(judged):
        for passage in _cover_passages(retriever, record["report_id"], claim):
            weighed.append((passage, judge(claim, passage, retriever.grades_for(record["report_id"]))))
    return _verdict(claim, weighed, "", table=True)


def _cover_passages(retriever: Retriever, report_id: str, claim: str = "") -> list[Passage]:
    """The passages that state a report's grades: its cover, and where a claim names the board, the board's verdict.

    Later single inspections state the Local Safeguarding Children Board's grade where its section opens.
    """
    passages = retriever.passages_of(report_id)
    covers = [p for p in passages if p.section in (COVER_SECTION, METADATA_SECTION)]
    if not re.search(rf"\b(?:{dict(text.JUDGEMENT_AREAS)[SAFEGUARDING_BOARD]})\b", claim, re.I):
        return covers
    grade = str(retriever.records().get(report_id, {}).get(SAFEGUARDING_BOARD) or "")
    verdict = next((p for p in passages if p not in covers and grade and states_board_grade(p.text, grade)), None)
    if verdict and {area for area, _ in graded_claims(claim)} == {SAFEGUARDING_BOARD}:
        return [verdict]  # the board alone: its own verdict, not the council's cover, is the evidence
    return [*covers, verdict] if verdict else covers


def _reports_of(retriever: Retriever, authorities: list[str]) -> list[dict]:
    keys = {authority_key(a) for a in authorities}
    return [r for r in retriever.records().values() if authority_key(r.get("local_authority") or "") in keys]


def _years_of(record: dict) -> set[int]:
    """The years a report can be called by: when inspected and when published.

    A report out early in a year may be called by the year before, when its visit was.
    """
    stamps = [record.get(k) for k in ("date", "inspection_start_date", "inspection_end_date", "publication_date")]
    years = {int(s[:4]) for s in stamps if s}
    return years | {int(s[:4]) - 1 for s in stamps if s and len(s) >= 7 and s[5:7] <= "03"}


_REPORT_WORD = re.compile(r"\b(report|inspect\w*|re-?inspect\w*|visit\w*|ofsted|ilacs|published|judge?ment)\b", re.I)


def _past_grade_wrong(claim: str, place: str, retriever: Retriever, reports: list[dict]) -> ClaimCheck | None:
    """The claim's grade of the past it looks back to, when that year's own table gives another; else None.

    "Since it was judged outstanding in 2022" is wrong if the 2022 report judged it good, whatever
    the rest of the claim says of the later report.
    """
    for area, grade, year in past_grades(claim):
        checked = _check_graded(graded_statement(place, area, grade, year), retriever, reports, {year})
        if checked is not None and checked.verdict == "contradicted":
            return replace(checked, claim=claim)
    return None


def _report_years(claim: str) -> set[int]:
    """Years the claim gives as a report's: a report word within a few words of the year."""
    return {
        int(m.group(0))
        for m in text.YEAR.finditer(claim)
        if _REPORT_WORD.search(claim[max(0, m.start() - 30) : m.end() + 30])
    }


def _where(passage: Passage) -> str:
    when = passage.date[:7] if passage.date else "undated"
    return f"{passage.local_authority} {passage.kind} ({when}), page {passage.page}"


def _citations(found: list[tuple[Passage, Judged]]) -> list[Citation]:
    return [Citation(n, passage, judged.quote) for n, (passage, judged) in enumerate(found, start=1)]
