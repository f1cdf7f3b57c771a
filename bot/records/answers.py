"""Records questions answered: lines of figures, each cited to the cover of the report that states it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.evidence.citations import Citation
from bot.records.lookup import (
    Cites,
    area_label,
    describe,
    grade_in,
    graded_reports,
    grades_phrase,
    in_scope,
    inspections,
    pick,
    short,
    which_report,
    why_absent,
    year_of,
)
from bot.records.question import RecordQuestion
from bot.records.standings import changes, history_lines, standings
from index import text
from index.authorities import lookup
from index.plan import QueryPlan
from index.report import JUDGEMENT_NAMES
from index.retrieve import Retriever


@dataclass
class RecordAnswer:
    """Lines of an answer from the records, each figure cited to its report's cover."""

    lines: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    #: The councils the figures single out (movers, matches), most recent first: what to read about next.
    authorities: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The answer as shown."""
        return "\n".join(self.lines)


def answer_from_records(plan: QueryPlan, asked: RecordQuestion, retriever: Retriever) -> RecordAnswer:
    """The answer to a records question, every figure cited to the report that states it."""
    with retriever.one_version():  # one library version for every look-up, checked once
        return _answer_from_records(plan, asked, retriever)


def _answer_from_records(plan: QueryPlan, asked: RecordQuestion, retriever: Retriever) -> RecordAnswer:

    cites = Cites(retriever)
    out = RecordAnswer()
    group = plan.group
    named = [p.authority for p in plan.places if p.authority and p.authority in plan.filters.authorities]
    if group is not None and (group.kind != "nation" or asked.ask in ("count", "which", "change", "inspections")):
        members = list(plan.group_held)
        out.lines.append(plan.group_note)
        # Councils the question names beside the set ("Compare Wigan with Lancashire's neighbours") get their own line.
        for authority in named:
            if authority not in members and authority != group.of:
                out.lines += _about_one(plan, asked, retriever, authority, cites)
    elif plan.filters.authorities:
        members = list(plan.filters.authorities)
    else:
        members = [a for a in retriever.authorities() if lookup(a) is not None]
        out.lines.append(f"Across the {len(members)} authorities the library holds reports on:")
    one_by_one = (
        asked.ask in ("who", "when", "since", "framework")
        or group is None
        and bool(plan.filters.authorities)
        and (
            asked.ask in ("rating", "inspections")
            or asked.ask == "change"
            and not (asked.start or asked.direction)
            or asked.ask == "which"
            and not asked.grades
            and 1 <= len(plan.filters.authorities) <= 4
        )
    )
    if one_by_one and len(members) <= 12:
        # Named councils get one line each; a set is tallied.
        for authority in members:
            out.lines += _about_one(plan, asked, retriever, authority, cites)
    elif asked.ask == "change":
        out.lines += changes(plan, asked, retriever, members, cites, out.authorities)
    elif asked.ask == "inspections":
        out.lines += _inspection_counts(plan, retriever, members, cites)
    else:
        if group is not None and group.of and not asked.grades and retriever.reports_on(group.of):
            out.lines += _about_one(plan, asked, retriever, group.of, cites)  # itself, then the set
        out.lines += standings(plan, asked, retriever, members, cites, out.authorities)
    out.citations = cites.citations
    return out


def _matching(records: list[dict], asked: RecordQuestion) -> list[dict]:
    """The graded inspections that gave the grades asked about (for the area asked, else overall, else any)."""
    if not asked.grades:
        return records
    if asked.area:
        return [r for r in records if grade_in(r, asked.area)[0] in asked.grades]
    overall = [r for r in records if grade_in(r, "overall_effectiveness")[0] in asked.grades]
    return overall or [r for r in records if set((r.get("judgements") or {}).values()) & set(asked.grades)]


# long: one branch per kind of records question about a council, tried in the order that decides it.
def _about_one(plan, asked: RecordQuestion, retriever: Retriever, authority: str, cites: Cites) -> list[str]:
    visits = in_scope(plan, authority, inspections(retriever, authority))
    graded = [r for r in visits if r.get("judgements")]
    period = f" {plan.period.phrase}" if plan.period else ""
    owner = text.possessive(authority)
    if not visits:
        held = sorted({(r.get("date") or "")[:4] for r in inspections(retriever, authority) if r.get("date")})
        tail = f"; it holds inspections from {text.listed(held)}" if held else ""
        return [f"The library has no Ofsted inspection of {authority}{period}{tail}."]
    if asked.ask in ("who", "when") and asked.grades:
        # "When was St Helens rated inadequate?": the inspections that gave that grade, not the latest.
        visits = _matching(graded, asked)
        if not visits:
            phrase = grades_phrase(asked.grades)
            return [f"No graded inspection of {authority} the library holds{period} judged it {phrase}."]
    latest = visits[-1]
    if asked.ask == "who":
        lines = []
        for record in visits if plan.period or asked.grades else pick(visits, asked.moment):
            lead = record.get("lead_inspector")
            mark = cites.mark(record, what="lead", dated=True) if lead else ""
            who = f"was led by {lead}" if lead else "does not name its lead inspector in what the library read"
            lines.append(f"{owner} {which_report(record)} {who}{mark}.")
        return lines
    if asked.ask == "when":
        if asked.grades:
            area = asked.area or "overall_effectiveness"
            return [f"{owner} {describe(r)}{cites.mark(r, [area], dated=True)}." for r in visits]
        chosen = pick(visits, asked.moment)[0] if pick(visits, asked.moment) else latest
        which = {"previous": "previous report", "first": "earliest report"}.get(asked.moment, "latest report")
        lines = [f"{owner} {which} the library holds{period}: {describe(chosen)}{cites.mark(chosen, what='dates')}."]
        if asked.moment == "latest" and graded and graded[-1] is not latest:
            lines.append(f"Its latest graded inspection: {describe(graded[-1])}{cites.mark(graded[-1], what='dates')}.")
        return lines
    if asked.ask == "inspections":
        listed = "; ".join(f"{describe(r)}{cites.mark(r, what='dates')}" for r in visits)
        return [
            f"The library holds {len(visits)} Ofsted report{'s' * (len(visits) != 1)} on {authority}{period}: {listed}."
        ]
    if asked.ask == "framework":
        framework = {
            "ILACS inspection": "the inspection of local authority children's services (ILACS) framework",
            "single inspection": "the single inspection framework (SIF)",
        }.get(str(latest.get("kind")), f"a {latest.get('kind')}")
        mark = cites.mark(latest, what="dates")
        return [f"{owner} latest report{period} is a {which_report(latest)}, under {framework}{mark}."]
    area = asked.area or "overall_effectiveness"
    if asked.ask in ("since", "change"):
        return history_lines(authority, graded, area, asked, cites)
    if not graded:
        mark = cites.mark(latest, what="dates")
        newest = f" Its latest report{period} is a {describe(latest)}, which gives no judgements{mark}."
        return [f"The library holds no graded inspection of {authority}{period}.{newest}"]
    if asked.moment in ("ever", "never"):
        return _ever(authority, graded, asked, cites, period)
    if plan.period and plan.intent.latest:
        # "in 2023, and is it still?": the asked period, then the latest graded inspection.
        newest = graded_reports(retriever, authority)[-1:]
        shown = graded + [r for r in newest if r not in graded]
        return [_grades_line(authority, r, asked, cites, "inspection") for r in shown]
    if plan.period:
        return [_grades_line(authority, r, asked, cites, "inspection") for r in graded]
    shown = pick(graded, asked.moment)
    if not shown:
        return [f"The library holds only one graded inspection of {authority}, so there is no {asked.moment} one."]
    label = {"previous": "previous graded inspection", "first": "earliest graded inspection the library holds"}
    lines = [_grades_line(authority, shown[0], asked, cites, label.get(asked.moment, "latest graded inspection"))]
    if asked.moment == "latest" and visits[-1] is not graded[-1]:
        lines.append(f"A newer {describe(visits[-1])} gives no judgements{cites.mark(visits[-1], what='dates')}.")
    if asked.moment == "latest" and asked.grades and len(graded) > 1:
        grade, _ = grade_in(graded[-1], area)
        earlier = [r for r in graded[:-1] if grade_in(r, area)[0] in asked.grades]
        if grade not in asked.grades and earlier:
            then = earlier[-1]
            grade = grade_in(then, area)[0]
            lines.append(f"It was {grade} for {area_label(area)} at its {short(then)}{cites.mark(then, [area])}.")
    return lines


def _ever(authority: str, graded: list[dict], asked: RecordQuestion, cites: Cites, period: str) -> list[str]:
    """'Was it ever inadequate?': every graded inspection held, not only the latest."""
    if not asked.grades:
        years = text.listed(sorted({(r.get("date") or "")[:4] for r in graded}))
        return [f"The library holds {len(graded)} graded inspections of {authority}{period} ({years})."]
    area = asked.area or "overall_effectiveness"
    found = _matching(graded, asked)
    if found and not asked.area and all(grade_in(r, area)[0] not in asked.grades for r in found):
        # "Has Cheshire East ever been good?" is about overall effectiveness; another area is said as such.
        judged = [r for r in graded if grade_in(r, area)[0]]
        marks = "".join(cites.mark(r, [area]) for r in judged)
        lead = f"Not for overall effectiveness{marks}" if judged else "Its overall effectiveness was never graded"
        others = []
        for record in found:
            held = record.get("judgements") or {}
            areas = [a for a in JUDGEMENT_NAMES if held.get(a) in asked.grades]
            others.append(
                f"{held[areas[0]]} for {text.listed([area_label(a) for a in areas])} at its {short(record)}"
                f"{cites.mark(record, areas)}"
            )
        return [f"{lead}. {authority} was judged {'; '.join(others)}."]
    if found:
        said = []
        for record in found:
            held = record.get("judgements") or {}
            areas = [asked.area] if asked.area else [a for a in JUDGEMENT_NAMES if held.get(a) in asked.grades]
            if not asked.area and grade_in(record, "overall_effectiveness")[0] in asked.grades:
                areas = ["overall_effectiveness"]
            labels = text.listed([area_label(a) for a in areas])
            grade = grade_in(record, areas[0])[0]
            said.append(f"{grade} for {labels} at its {short(record)}{cites.mark(record, areas)}")
        verdict = "" if asked.moment == "never" else "Yes. "
        return [f"{verdict}{authority} was judged {'; '.join(said)}."]
    years = text.listed(sorted({(r.get("date") or "")[:4] for r in graded}))
    marks = "".join(cites.mark(r, [area]) for r in graded)
    phrase = grades_phrase(asked.grades)
    verdict = "" if asked.moment == "never" else "No. "
    held = f"{len(graded)} graded inspections of {authority} the library holds{period} ({years})"
    return [f"{verdict}None of the {held} judged {area_label(area)} {phrase}{marks}."]


def _grades_line(authority: str, record: dict, asked: RecordQuestion, cites: Cites, label: str) -> str:
    which = f"{text.possessive(authority)} {label} ({describe(record)})"
    area = asked.area
    if area:
        grade, used = grade_in(record, area)
        if not grade:
            why = why_absent(record, area)
            return f"{which} gives no {area_label(area)} grade: {why}{cites.mark(record, dated=True)}."
        verdict = ("Yes. " if grade in asked.grades else "No. ") if asked.grades else ""
        return f"{verdict}{which} judged {area_label(used)} {grade}{cites.mark(record, [used], dated=True)}."
    judgements = record.get("judgements") or {}
    parts = [f"{area_label(k)} {v}" for k in JUDGEMENT_NAMES for v in [judgements.get(k)] if v]
    overall = judgements.get("overall_effectiveness")
    verdict = ("Yes. " if overall in asked.grades else "No. ") if asked.grades and overall else ""
    line = f"{verdict}{which} judged {text.listed(parts)}{cites.mark(record, dated=True)}."
    if not overall:
        line += f" It gives no overall effectiveness grade: {why_absent(record, 'overall_effectiveness')}."
        if asked.grades:
            hits = [area_label(k) for k, v in judgements.items() if v in asked.grades]
            phrase = grades_phrase(asked.grades)
            line += f" Judged {phrase} in it: {text.listed(hits)}." if hits else f" None of its judgements is {phrase}."
    return line


def _inspection_counts(plan, retriever: Retriever, members: list[str], cites: Cites) -> list[str]:
    """How many of the set were inspected (in the period), with each council's inspections cited."""
    inspected = []
    by_visit = re.search(r"\binspected\b", plan.question, re.I) is not None
    for authority in members:
        visits = in_scope(plan, authority, inspections(retriever, authority), by_visit)
        if visits:
            marks = "".join(cites.mark(r, what="dates") for r in visits)
            years = text.listed([year_of(r, by_visit) for r in visits])
            inspected.append(f"{authority} ({years}){marks}")
    period = f" {plan.period.phrase}" if plan.period else ""
    what = "were inspected" if by_visit else "have an Ofsted report in the library"
    head = f"{len(inspected)} of the {len(members)} {what}{period}"
    return [head + (f": {'; '.join(inspected)}." if inspected else ".")]
