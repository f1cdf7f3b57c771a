"""How an authority compares, in a brief.

Its latest judgements beside its neighbours' and region's, and what the better-rated neighbours'
reports praise; and a topic across an authority and its neighbours.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.brief_parts import Briefing, BriefSection, Bullet, findings, number_sources
from bot.evidence.citations import Citation
from bot.records.grid import COLUMNS, Standing, better, comparison
from bot.records.lookup import GRADE_ORDER, cover_of, cover_quote, short
from index import text
from index.authorities import lookup, neighbours_of
from index.errors import UnknownAuthority
from index.question import region_label
from index.report import is_primary
from index.retrieve import Retriever


def _row(retriever: Retriever, standing: Standing) -> Bullet:
    """One authority's latest judgements as a table row, cited to the cover that states them."""
    record = standing.record
    grades = [standing.cell(area) for area, _ in COLUMNS]
    relation = "—" if standing.relation == "itself" else standing.relation
    if record is None:
        cells = (standing.authority, relation, "no graded inspection in the library", *grades)
        return Bullet(f"{standing.authority}: no graded inspection in the library.", [], cells=cells)
    cover = cover_of(retriever, record)
    citations = [Citation(0, cover, cover_quote(cover))] if cover else []
    said = "; ".join(f"{label.lower()} {g}" for (_, label), g in zip(COLUMNS, grades, strict=True) if g != "—")
    cells = (standing.authority, relation, short(record), *grades)
    return Bullet(f"{standing.authority} ({relation}), {short(record)}: {said}.", citations, cells=cells)


def _tally(rows: list[Standing], area: str) -> str:
    counts = {g: sum(1 for r in rows if r.grade(area) == g) for g in GRADE_ORDER}
    shown = [f"{n} {g}" for g, n in counts.items() if n]
    absent = sum(1 for r in rows if r.record and not r.grade(area))
    tail = f"; {absent} with no {area.replace('_', ' ')} grade" if absent else ""
    return ", ".join(shown) + tail if shown else tail.removeprefix("; ")


def how_it_compares(retriever: Retriever, authority: str, *, region: bool = True) -> BriefSection:
    """The authority's latest judgements beside its statistical neighbours' and its region's, cited.

    Where a neighbour was rated better on a judgement, what its report praises on that judgement is
    quoted, so the comparison says what good looks like nearby, not only who scored higher.
    """
    rows = comparison(retriever, authority)
    if not region:
        rows = [r for r in rows if r.relation in ("itself", "statistical neighbour")]
    subject, others = rows[0], rows[1:]
    neighbours = [r for r in others if r.relation == "statistical neighbour"]
    nearby = [r for r in others if r.relation not in ("statistical neighbour",)]
    section = BriefSection(
        "How it compares",
        columns=("Authority", "Compared as", "Latest graded inspection", *(label for _, label in COLUMNS)),
    )
    section.bullets += [_row(retriever, r) for r in rows]
    cite = {r.authority: b.citations for r, b in zip(rows, section.bullets, strict=True)}
    held = [r for r in neighbours if r.record]
    section.bullets += _tallies(subject, neighbours, held, nearby, cite)
    section.bullets += _rated_better(retriever, subject, held, cite)
    return section


def _tallies(
    subject: Standing, neighbours: list[Standing], held: list[Standing], nearby: list[Standing], cite: dict
) -> list[Bullet]:
    """How many neighbours (and other councils of the region) the library holds, and their overall grades."""
    bullets: list[Bullet] = []
    total = len(neighbours_of(subject.authority))
    if neighbours and not held:
        bullets.append(
            Bullet(
                f"None of {text.possessive(subject.authority)} {total} statistical neighbours has a graded "
                "inspection in the library, so there is nothing to set beside it."
            )  # fmt: skip
        )
    elif neighbours:
        bullets.append(
            Bullet(
                f"{len(held)} of {text.possessive(subject.authority)} {total} statistical neighbours have a graded "
                f"inspection in the library; at their latest, overall effectiveness: "
                f"{_tally(held, 'overall_effectiveness')}.",
                [c for r in held for c in cite[r.authority]],
            )
        )
    graded_nearby = [r for r in nearby if r.record]
    if nearby and graded_nearby:
        bullets.append(
            Bullet(
                f"{len(graded_nearby)} of the {len(nearby)} other authorities in {region_label(nearby[0].relation)} "
                "that are not among its statistical neighbours have a graded "
                f"inspection in the library; at their latest, overall effectiveness: "
                f"{_tally(graded_nearby, 'overall_effectiveness')}.",
                [c for r in graded_nearby for c in cite[r.authority]],
            )
        )
    return bullets


def _rated_better(retriever: Retriever, subject: Standing, held: list[Standing], cite: dict) -> list[Bullet]:
    """For each judgement, the neighbours rated better, and what the best one's report praises there."""
    bullets: list[Bullet] = []
    praised = 0
    for area, label in COLUMNS[1:]:
        own = subject.grade(area)
        ahead = sorted(
            (r for r in held if better(r.grade(area), own)),
            key=lambda r: (GRADE_ORDER.index(r.grade(area) or "inadequate"), str(r.record.get("date") or "")),
        )
        if not own or not ahead:
            continue
        names = "; ".join(f"{r.authority} ({r.grade(area)}, {short(r.record)})" for r in ahead)
        bullets.append(
            Bullet(
                f"{label}: {subject.authority} was judged {own}; statistical neighbours rated better: {names}.",
                [c for r in ahead for c in cite[r.authority]] + cite[subject.authority],
            )
        )
        if praised < 2:
            best = ahead[0]
            heading = dict(text.JUDGEMENT_AREAS).get(area)
            for bullet in findings(retriever, best.authority, best.record, None, True, 1, section=heading):
                bullet.note = f"{best.authority}, {best.grade(area)} for {label.lower()}, {short(best.record)}"
                bullets.append(bullet)
                praised += 1
    return bullets


def neighbours_brief(retriever: Retriever, authority: str, topic: str | None) -> Briefing:
    """A topic across an authority and its statistical neighbours: their grades side by side, then their words."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    found = lookup(authority)
    if found is None:
        raise UnknownAuthority(f"{authority!r} is not an English children's services authority")
    sections = [how_it_compares(retriever, found.name, region=False)]
    for standing in comparison(retriever, found.name)[: 1 + len(found.neighbours)]:
        reports = [r for r in retriever.reports_on(standing.authority) if is_primary(r)]
        if not reports:
            continue
        latest = reports[-1]
        bullets = findings(retriever, standing.authority, latest, topic, True, 2)
        bullets += findings(retriever, standing.authority, latest, topic, False, 1)
        relation = "" if standing.relation == "itself" else ", statistical neighbour"
        sections.append(BriefSection(f"{standing.authority} ({short(latest)}{relation})", bullets))
    notes = []
    missing = [n for n in neighbours_of(found.name) if not retriever.reports_on(n)]
    if missing:
        notes.append(f"The library has no report on {text.listed(missing)}, so they are missing from this comparison.")
    sources = number_sources(sections)
    return Briefing(found.name, topic, now, [], sections, sources, notes)
