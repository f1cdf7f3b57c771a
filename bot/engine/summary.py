"""A report's own summary: the inspectors' verdict on the whole, before the numbered findings.

How a topic changed between two inspections, or how two councils compare on it, is what an
Ofsted summary says in one sentence ("services for care leavers have improved too slowly",
"recruitment … has stabilised the workforce"). Retrieval ranks the detailed paragraphs higher (they
say more about the topic), so a side's account can miss the verdict a manager asked for.
"""

from __future__ import annotations

import re

from bot.engine.quotes import HOPES, closest
from bot.evidence.citations import Citation, date_label, gist
from bot.evidence.claims import improvement_section
from index import meaning, text
from index.chunk import COVER_SECTION, Passage
from index.retrieve import Retriever

#: A row of a report's opening judgement table, as its first page prints it: the report's summary follows the last.
TABLE_ROW = re.compile(
    r"\b(?:Overall effectiveness|care leavers|children in care|help and protection|children and families)\s+"
    r"(?:Outstanding|Good|Inadequate|Requires improvement to be good)\b",
    re.I,
)
#: A table's row read as a sentence ("governance Good The…", "Requires improvement 2.1"): not the summary.
ROW_TEXT = re.compile(r"\b[a-z]+\s+(?:Outstanding|Good|Inadequate|Requires improvement)\b|\bimprovement\s+\d")
#: A whole sentence: a capital (or a quote's mark) to its full stop, not the end of a passage cut mid-sentence.
_WHOLE = re.compile(r"^[\"'‘“(]?[A-Z0-9].*[.!?][\"'’”)]*$", re.S)
#: A sentence that opens on what the one before it said ("This includes…", "They…") means little quoted alone.
_LEANS_BACK = re.compile(r"^\W*(?:this|these|that|those|they|it|its|such|as a result|consequently)\b", re.I)
#: The sections a summary is printed under: an inspection's opening ("Inspection of …") or its executive summary.
_SUMMARY_SECTION = re.compile(
    r"^\s*(?:executive summary|summary of findings|overall effectiveness|inspection of)\b", re.I
)
COVER_PAGES = 2  # a judgement table is printed on a report's first pages, never later
SUMMARY_PASSAGES = 12  # a summary is a page or two: a report read as one page (HTML) is not all summary
HEADLINE_SENTENCES = 2  # how much of a report's summary a brief's "at a glance" quotes
SUMMARY_WORDS = 6  # a sentence with fewer words is a heading, not a finding
SUMMARY_CLOSENESS = 0.3  # a summary sentence must be this close in meaning to the topic to be quoted for it
TOPIC_WORD_SHARE = 0.3  # a topic word held by more of the library's passages ("children", "care") names no topic
SAID_SHARE = 0.6  # a summary sentence sharing this much of an answer sentence's gist is said already


def summary_sentences(said: str) -> list[str]:
    """The sentences of a summary's text worth quoting: findings, not headings; none if it opens on table rows.

    A table that runs on into the text ("2.1 Adoption performance Good …") is not a summary at all.
    """
    read = [" ".join(s.split()).lstrip("•–- ") for line in text.continued_lines(said) for s in text.sentences(line)]
    sentences = [s for s in read if len(text.content_words(s)) >= SUMMARY_WORDS and _WHOLE.match(s)]
    return [] if any(ROW_TEXT.search(s) for s in sentences[:2]) else sentences


def reads_alone(sentence: str) -> bool:
    """Whether a sentence means something quoted alone: not "This resulted in…", "As a result, …"."""
    return not _LEANS_BACK.match(sentence)


def summary_of(passages: list[Passage]) -> list[tuple[Passage, str]]:
    """A report's summary, sentence by sentence: what follows its judgement table, up to its numbered findings.

    Older reports print it under "Executive summary", newer ones straight after the table; a
    report with neither (a letter, an article) has none here.
    """
    found: list[tuple[Passage, str]] = []
    read = 0
    page = 0  # the summary's last page: its own headings ("Help and protection") there are still the summary
    for p in passages:
        if p.section == COVER_SECTION:
            continue
        rows = list(TABLE_ROW.finditer(p.text)) if p.page <= COVER_PAGES else []
        if rows:
            body = p.text[rows[-1].end() :]
        elif p.paragraph or improvement_section(p.section):
            if found:
                break  # the numbered findings, or the list of what to improve, follow the summary
            continue
        elif _SUMMARY_SECTION.match(p.section):
            body, page = p.text, p.page
        elif p.page == page:
            body = p.text
        elif found:
            break
        else:
            continue
        sentences = summary_sentences(body)
        found += [(p, s) for s in sentences]
        page = p.page if sentences else page
        read += bool(sentences)
        if read >= SUMMARY_PASSAGES:
            break
    return found


def side_summary(
    retriever: Retriever, report_id: str, topic: str, searched: str, said: list[str], n: int
) -> tuple[str, Citation] | None:
    """The sentence of a report's summary on the topic, verbatim and cited; None if it has none or it is said.

    On the topic means it says one of the topic's own words that few passages hold ("workforce", not
    "children"; of housing for care leavers, "housing" and "care leavers" both) and is close in meaning to
    `searched` (the topic with the reports' words for it). A verdict praises, finds fault or says
    which way things moved: "this term is used throughout this report" is on the topic, but says
    nothing of it.
    """
    named = {w for w in text.content_words(topic) if 0.0 < retriever.lexical.share_with(w) < TOPIC_WORD_SHARE}
    # "Housing for care leavers" is about housing, for care leavers: a sentence must say both.
    group = _judged_group(topic)
    whom = group if named - group else set()
    named = (named - group) or named
    if not named:
        return None
    told = [gist(s) for s in said]
    found = [
        (p, s)
        for p, s in summary_of(retriever.passages_of(report_id))
        if named & text.content_words(s)
        and whom <= text.content_words(s)
        and reads_alone(s)
        and not HOPES.search(s)  # "will help", "should": hoped for, not a verdict
        and (meaning.praises(s) or meaning.criticises(s) or meaning.directions(s))
        and not any(len(gist(s) & g) >= SAID_SHARE * max(1, len(gist(s))) for g in told)
    ]
    best = closest(retriever, searched or topic, [s for _, s in found], SUMMARY_CLOSENESS)
    if best is None:
        return None
    passage, sentence = found[best]
    return f"The {date_label(passage)}'s summary: “{sentence}” [{n}]", Citation(n, passage, sentence)


def _judged_group(topic: str) -> set[str]:
    """The words of a judgement area the topic names ("care leavers", "leadership"): who, not what, it is about."""
    found = [m.group(0) for _, pattern in text.JUDGEMENT_AREAS for m in re.finditer(rf"\b(?:{pattern})\b", topic, re.I)]
    return text.content_words(" ".join(found))
