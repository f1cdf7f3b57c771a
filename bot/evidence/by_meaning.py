"""When the rules decide nothing, the judge reads the claim's closest windows for what they mean.

The rules call a claim supported only when a window holds most of its words, and contradicted only
when such a window changes one of its facts. A manager's paraphrase ("straight away" for "no
delay") shares too few words for either, and a reversed claim ("gone from strength to strength"
against "a deterioration") shares no flipped word. Those claims used to come back "nothing decides
this". Here the windows closest to the claim in meaning (by the library's own embedder), from the
council and report the claim names, are put to the judge with two questions (does it state every
part of the claim; is the claim consistent with it). Only a firm Yes to both makes the claim
supported, and the rules' fact checks must still pass on the words the judge read.

The judge never calls a claim contradicted on its own: the default model cannot tell a window that
refutes a claim from one that bears it out (see `ModelEntailment.states_firmly`). A claim is
contradicted here only when the closest window states its opposite by the rules' own reading
(`bot.evidence.opposition`: another figure, an opposite word or quantity, things moving the
other way, praise against fault) and the judge does not read that window as the claim.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.evidence.claims import Judged, disagreement, windows
from bot.evidence.entailment import Entailment, source_of
from bot.evidence.opposition import opposition
from index import text
from index.authorities import authority_key
from index.chunk import COVER_SECTION, METADATA_SECTION, Passage
from index.plan import Filters
from index.retrieve import Retriever

#: Windows read, each from its own passage, closest first: each costs up to two short model calls.
MEANING_WINDOWS = 2
#: Words of the paragraph around a window the judge also reads: the deciding clause is often next door.
CONTEXT_WORDS = 90
#: Passages of the named report searched for the claim, beside those the rules weighed.
SEARCHED = 6
#: Passages whose sentences are embedded and compared, in the order found (the named report's search first).
PASSAGES_READ = 12
#: Closeness (cosine) below which a window is not about the claim at all.
MIN_CLOSENESS = 0.45
#: Closeness the closest window needs before its opposite statement contradicts the claim.
CONTRADICTING = 0.55

Closeness = Callable[[str, list[str]], list[float]]
#: A claim that compares ("better supported than in Luton", "more than before"): left to the rules.
_COMPARES = re.compile(r"\bthan\b|\bcompared (?:with|to)\b|\bunlike\b|\bas (?:\w+ )?as\b", re.I)


def read_by_meaning(
    claim: str,
    passages: list[Passage],
    entailment: Entailment,
    closeness: Closeness,
    *,
    places: list[str],
    reports: set[str] | None,
    grades: Callable[[str], dict[str, str]],
) -> tuple[Passage, Judged] | None:
    """The window the judge firmly reads as the claim, or the closest one stating its opposite; None if neither.

    The `Judged` says which ("supported" or "contradicted") and quotes the words read.

    Only passages of the council the claim names, and of the reports of the year it names
    (`reports`, when given), are read: a claim about "its 2026 inspection" is not decided by the
    2015 report. Cover pages are left to the judgement table.
    """
    if _COMPARES.search(claim):
        return None  # one report's words cannot bear out a comparison with another place or time
    keys = {authority_key(p) for p in places}
    eligible = [
        p
        for p in passages
        if p.section not in (COVER_SECTION, METADATA_SECTION)
        and authority_key(p.local_authority or "") in keys
        and (reports is None or p.report_id in reports)
    ]
    units = [(p, w) for p in eligible[:PASSAGES_READ] for w in windows(p)]
    close = closeness(claim, [w for _, w in units])
    best: dict[str, tuple[float, Passage, str]] = {}
    for (passage, window), near in zip(units, close, strict=True):
        if near >= MIN_CLOSENESS and near > best.get(passage.id, (-1.0,))[0]:
            best[passage.id] = (near, passage, window)
    ranked = sorted(best.values(), key=lambda b: -b[0])
    for near, passage, window in ranked[:MEANING_WINDOWS]:
        read = _with_context(window, passage)
        graded = grades(passage.report_id)
        if any(disagreement(claim, words, passage, graded) for words in (window, read)):
            continue  # a changed number, year or "not", or one the words do not give, is never outvoted by a Yes
        if entailment.states_firmly(claim, read, source_of(passage)):
            return passage, Judged("supported", read, near)
    return _said_otherwise(claim, ranked[0], entailment, grades) if ranked else None


def _said_otherwise(
    claim: str,
    closest: tuple[float, Passage, str],
    entailment: Entailment,
    grades: Callable[[str], dict[str, str]],
) -> tuple[Passage, Judged] | None:
    """The window closest in meaning, when it states the claim's opposite and the judge does not read it as the claim.

    Only the closest window, and only when it is plainly about the same thing (`CONTRADICTING`): a
    report holds praise and fault side by side, and a window further off may be of another service
    (two windows were tried: a faithful claim with a doubting judge came back contradicted).
    """
    near, passage, window = closest
    if near < CONTRADICTING:
        return None
    reason = opposition(claim, window, passage, grades(passage.report_id))
    if reason and not entailment.entails(claim, window, source_of(passage)):
        return passage, Judged("contradicted", window, near, reason)
    return None


def _with_context(window: str, passage: Passage) -> str:
    """The window and the sentence after it (else before it) in its paragraph, up to `CONTEXT_WORDS` words.

    More of the paragraph made the judge's Yes looser, not surer: one neighbour is what it reads best.
    """
    target = " ".join(window.split())
    for line in text.continued_lines(passage.text):
        flat = [re.sub(r"^\d{1,3}\.\s+", "", " ".join(p.split())) for p in text.sentences(line)]
        inside = [i for i, p in enumerate(flat) if p and p in target]
        if not inside or target not in " ".join(flat):
            continue
        start, end = inside[0], inside[-1]
        size = sum(len(flat[i].split()) for i in range(start, end + 1))
        if end + 1 < len(flat) and size + len(flat[end + 1].split()) <= CONTEXT_WORDS:
            end += 1  # the sentence after first: a finding's reason or scope runs on
        elif start > 0 and size + len(flat[start - 1].split()) <= CONTEXT_WORDS:
            start -= 1
        return " ".join(flat[start : end + 1])
    return window


def read_in_scope(
    claim: str,
    passages: list[Passage],
    entailment: Entailment,
    retriever: Retriever,
    *,
    places: list[str],
    reports: set[str] | None,
) -> tuple[Passage, Judged] | None:
    """`read_by_meaning` over the passages the rules weighed and the named report searched on its own.

    The report the claim names is searched alone: the council's other reports may crowd it out of a
    search over all of them.
    """  # fmt: skip
    found: dict[str, Passage] = {}
    if reports:
        within = Filters(authorities=places, report_ids=sorted(reports))
        found.update({h.passage.id: h.passage for h in retriever.search(claim, within, k=SEARCHED).hits})
    for passage in passages:
        found.setdefault(passage.id, passage)
    return read_by_meaning(
        claim, list(found.values()), entailment, retriever.closeness,
        places=places, reports=reports, grades=retriever.grades_for,
    )  # fmt: skip
