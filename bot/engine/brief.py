"""Pre-meeting briefings: an authority's reports turned into one cited page.

Everything the metadata can say (timeline, judgements, the improvement list) is assembled without
the model. Strengths and concerns are the reports' own sentences, chosen by retrieval and quoted
exactly; with a model, they are summarised through the same answer engine and citation checks.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.engine.answer import AnswerEngine
from bot.engine.brief_compare import how_it_compares
from bot.engine.brief_parts import Briefing, BriefSection, Bullet, TimelineEntry, findings, number_sources, passages_of
from bot.engine.summary import HEADLINE_SENTENCES, TABLE_ROW, summary_sentences
from bot.evidence.citations import Citation, best_quote, opening
from bot.records.improvements import improvement_bullets
from bot.records.lookup import board_verdict, cover_quote
from index import meaning, text
from index.authorities import authority_key, find_authorities, lookup, nearest, strip_authorities
from index.chunk import COVER_SECTION
from index.errors import UnknownAuthority
from index.plan import Filters
from index.report import is_primary
from index.retrieve import Retriever


def _reports_for(retriever: Retriever, reports: list[dict], authority: str) -> tuple[str, list[dict]]:
    key = authority_key(authority)
    mine = [r for r in reports if authority_key(r.get("local_authority") or "") == key]
    if not mine:
        held = sorted({r.get("local_authority") for r in reports if r.get("local_authority")})
        close = nearest(authority, held)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownAuthority(f"the library holds no reports on {authority!r}.{hint}")
    mine.sort(key=lambda r: r.get("date") or "")
    return mine[0]["local_authority"], mine


def _improvements(retriever: Retriever, report: dict, topic: str | None) -> list[Bullet]:
    """The latest report's improvement list, each item cited to the passage that states it."""
    return [Bullet(item, [cited]) for item, cited in improvement_bullets(retriever, report, topic)]


def _questions(improvements: list[Bullet], concerns: list[Bullet]) -> list[Bullet]:
    """Questions a manager could put, each tied to the finding that prompts it."""
    questions = []
    for bullet in improvements[:3]:
        subject = re.sub(r"\s*\([^)]*\)\s*$", "", bullet.text).rstrip(". ").removeprefix("The ")
        subject = subject[0].lower() + subject[1:] if subject else subject
        questions.append(
            Bullet(f"What has changed in {subject} since the inspection, and how do you know?", bullet.citations)
        )
    for bullet in concerns[:2]:
        questions.append(
            Bullet(
                f"Inspectors found: “{bullet.text}” What is the current position, and what evidence shows it?",
                bullet.citations,
            )
        )
    return questions


def _cover(retriever: Retriever, report: dict) -> list[Citation]:
    """The report's cover passage (dates, lead inspector, judgements), to cite metadata bullets to."""
    passages = passages_of(retriever, report["source"])
    for passage in passages:
        if passage.section == COVER_SECTION:
            # The rows that state the grades, each as the report prints it (the passage is the table rebuilt).
            return [Citation(0, passage, cover_quote(passage))]
    # News and letters have no cover table: their opening passage says what they are about.
    return [Citation(0, passages[0], opening(passages[0], 1))] if passages else []


def _board(retriever: Retriever, report: dict) -> list[Bullet]:
    """The review of the Local Safeguarding Children Board a single inspection carried, cited where it says so."""
    found = board_verdict(retriever, report)
    if not found:
        return []
    which = f"{report['kind']}, {report.get('date') or 'undated'}"
    grade = report["safeguarding_board"]
    return [Bullet(f"Review of the Local Safeguarding Children Board ({which}): {grade}.", [Citation(0, *found)])]


def _headline(retriever: Retriever, report: dict) -> Bullet | None:
    """What the report itself says first, after its judgement table: its summary, quoted.

    A brief's "headline findings" are the inspectors' own: the opening of the report's summary, not a
    sentence retrieval happened to rank first. None for a report without such a table (news, letters).
    """
    passages = [p for p in passages_of(retriever, report["source"]) if p.section != COVER_SECTION]
    for i, passage in enumerate(passages[:3]):
        rows = list(TABLE_ROW.finditer(passage.text))
        if not rows:
            continue
        source = passage
        summary = summary_sentences(passage.text[rows[-1].end() :])
        if not summary and i + 1 < len(passages) and passages[i + 1].page == passage.page:
            source = passages[i + 1]  # the table ends the passage: the summary opens the next one
            summary = summary_sentences(source.text)
        if not summary:
            return None
        quote = " ".join(re.sub(r"^\d{1,3}\.\s*(?=[A-Z])", "", s) for s in summary[:HEADLINE_SENTENCES])
        return Bullet(f"The report's summary opens: “{quote}”", [Citation(0, source, quote)])
    return None


def _reports_asked(name: str, mine: list[dict], years: set[int] | None) -> tuple[list[dict], list[str], int | None]:
    """Ofsted's own reports up to the one the brief is of, a note why, and its year when it is not the latest."""
    primary = [r for r in mine if is_primary(r)]
    if not years or not primary:
        return primary, [], None
    # A report asked for by its year may be one the reader could not class (a 2013 looked-after
    # children inspection): it is still the report asked for.
    pool = primary if any(_of_years(r, years) for r in primary) else mine
    chosen, note, older = _as_of(name, pool, years)
    return [r for r in chosen[:-1] if is_primary(r)] + chosen[-1:], [note] if note else [], older


def _of_years(report: dict, years: set[int]) -> bool:
    return (report.get("date") or "")[:4] in {str(y) for y in years}


def _as_of(name: str, primary: list[dict], years: set[int]) -> tuple[list[dict], str, int | None]:
    """The reports up to the one of the years asked for, a note if it is not the latest, and its year if older."""
    asked = [i for i, r in enumerate(primary) if _of_years(r, years)]
    latest = primary[-1]
    when = f"{latest.get('kind')}, published {text.month_year(latest.get('date') or '', unknown='undated')}"
    if not asked:
        said = text.listed(sorted(str(y) for y in years), "or")
        return primary, f"The library has no report on {name} from {said}; this brief is of its latest ({when}).", None
    chosen = primary[: asked[-1] + 1]
    if chosen[-1] is latest:
        return chosen, "", None
    year = int((chosen[-1].get("date") or "0")[:4])
    return chosen, f"This brief is of the {year} report, as asked; the latest is the {when}.", year


def _glance(retriever: Retriever, reports: list[dict], newest: bool = True) -> list[Bullet]:
    """The judgements and summary of the report the brief is of (the newest, unless one was asked for)."""
    judged = [r for r in reports if r.get("judgements")]
    bullets = []
    if judged and (newest or judged[-1] is reports[-1]):
        latest = judged[-1]
        grades = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in latest["judgements"].items())
        which = "Latest judgements" if newest else "Judgements"
        bullets.append(
            Bullet(
                f"{which} ({latest['kind']}, {latest.get('date') or 'undated'}): {grades}.",
                _cover(retriever, latest),
            )
        )
        graded = [r for r in judged if "overall_effectiveness" in r["judgements"]]
        if len(graded) > 1:
            trend = [f"{r['judgements']['overall_effectiveness']} ({(r.get('date') or '')[:4]})" for r in graded]
            cites = [c for r in graded for c in _cover(retriever, r)]
            bullets.append(Bullet("Overall effectiveness over time: " + " → ".join(trend) + ".", cites))
        if "overall_effectiveness" not in latest["judgements"]:
            bullets.append(
                Bullet(
                    f"The {'latest ' if newest else ''}report gives no overall effectiveness grade "
                    "(the 2026 framework has none).",
                    _cover(retriever, latest),
                )
            )
        bullets += _board(retriever, latest)
        if headline := _headline(retriever, latest):
            bullets.append(headline)
    elif reports and not newest:
        # An older report asked for by its year, graded or not in the records: its own summary, not another's grades.
        asked = reports[-1]
        none = Bullet("The library's records hold no judgements for this report.", _cover(retriever, asked))
        bullets += _board(retriever, asked) or [none]
        if headline := _headline(retriever, asked):
            bullets.append(headline)
    elif reports:
        sources = [c for r in reports for c in _cover(retriever, r)][:3]
        bullets.append(
            Bullet("The library holds no graded inspection for this authority; only the documents below.", sources)
        )
    return bullets


def brief_request(words: str, held: list[str]) -> tuple[str | None, str | None]:
    """Read '/brief Tameside front door' as (authority, topic), the same in the REPL and in Slack."""
    named = find_authorities(words, held)
    if not named:
        return (words.strip() or None), None
    return named[0], (strip_authorities(words, named) or None)


def build_brief(
    retriever: Retriever,
    reports: list[dict],
    authority: str | None,
    topic: str | None = None,
    *,
    engine: AnswerEngine | None = None,
    on_section: callable | None = None,
    years: set[int] | None = None,
) -> Briefing:
    """Assemble the brief; `engine` (with a model) rewrites strengths and concerns as cited summaries.

    `years` names the report the brief is of ("…from the 2013 inspection"); else it is of the latest.
    """
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if authority is None:
        if not topic:
            raise UnknownAuthority("a brief needs an authority, a topic, or both")
        return _compare(retriever, topic, now)
    name, mine = _reports_for(retriever, reports, authority)
    primary, notes, older = _reports_asked(name, mine, years)
    latest = primary[-1] if primary else mine[-1]
    earlier = [r for r in primary[:-1]]
    if not primary:
        notes.append(f"The library holds only news coverage of {name}; this brief is built from it.")
    timeline = [TimelineEntry.of(r) for r in mine]
    sections: list[BriefSection] = []

    def add(section: BriefSection) -> None:
        sections.append(section)
        if on_section:
            on_section(section.title)

    add(BriefSection("At a glance", _glance(retriever, primary or mine, newest=older is None)))
    if lookup(name) is not None:
        add(how_it_compares(retriever, name))
    strengths = findings(retriever, name, latest, topic, True, 4)
    concerns = findings(retriever, name, latest, topic, False, 4)
    if earlier:
        previous = earlier[-1]
        later = f"superseded by the {(latest.get('date') or '')[:4]} {latest.get('kind')}"
        for bullet in findings(retriever, name, previous, topic, False, 2):
            bullet.note = f"{(previous.get('date') or '')[:4]} finding, {later}"
            concerns.append(bullet)
    if engine is not None and engine.llm is not None:
        strengths = _summarise(engine, name, latest, topic, "strengths", strengths, praise=True)
        concerns = _summarise(engine, name, latest, topic, "weaknesses and concerns", concerns, praise=False)
    add(BriefSection("Strengths", strengths))
    add(BriefSection("Concerns", concerns))
    improvements = _improvements(retriever, latest, topic)
    add(BriefSection("What Ofsted asked to improve", improvements))
    add(BriefSection("Questions to ask", _questions(improvements, [c for c in concerns if not c.note])))
    sources = number_sources(sections)
    return Briefing(name, topic, now, timeline, sections, sources, notes, year=older)


def _summarise(
    engine: AnswerEngine,
    name: str,
    report: dict,
    topic: str | None,
    what: str,
    fallback: list[Bullet],
    *,
    praise: bool,
) -> list[Bullet]:
    """Let the model phrase the findings, one verified sentence per bullet; keep the quotes if it fails.

    A checked sentence still goes under the heading it fits: a weakness never appears as a strength.
    """
    when = (report.get("date") or "")[:4]
    question = (
        f"What {what} did Ofsted find in {name}'s {when} {report.get('kind')}"
        + (f" about {topic}" if topic else "")
        + "?"
    )
    answer = engine.ask(question, filters=Filters(authorities=[name]))
    if answer.status != "answered" or not answer.citations:
        return fallback
    by_n = {c.n: c for c in answer.citations}
    bullets = []
    for sentence in text.answer_sentences(answer.text):
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
        cites = [by_n[n] for n in numbers if n in by_n]
        said = " ".join(c.quote for c in cites)
        fits = meaning.praises(said) if praise else meaning.criticises(said)
        if cites and fits:
            bullets.append(Bullet(re.sub(r"\s*\[\d+\]", "", sentence).strip(), cites))
    return bullets or fallback


def _compare(retriever: Retriever, topic: str, now: str) -> Briefing:
    """A topic across authorities, newest first."""
    hits = retriever.search(topic, Filters(), k=30).hits
    by_authority: dict[str, list] = {}
    for hit in sorted(hits, key=lambda h: h.passage.date, reverse=True):
        by_authority.setdefault(hit.passage.local_authority or "Unknown", []).append(hit)
    sections = []
    for authority, group in list(by_authority.items())[:8]:
        bullets = []
        for hit in group[:2]:
            quote, _ = best_quote(topic, hit.passage)
            quote = quote or opening(hit.passage, 1)
            bullets.append(Bullet(quote, [Citation(0, hit.passage, quote)], note=hit.passage.date[:4]))
        sections.append(BriefSection(f"{authority} ({group[0].passage.date[:4] or 'undated'})", bullets))
    sources = number_sources(sections)
    return Briefing(None, topic, now, [], sections, sources)
