"""Records questions about many councils: who holds which grade, and who moved between two inspections."""

from __future__ import annotations

from bot.records.lookup import (
    GRADE_ORDER,
    Cites,
    area_label,
    grade_in,
    graded_reports,
    grades_phrase,
    in_scope,
    pick,
    short,
    why_absent,
)
from bot.records.question import RecordQuestion
from index import text
from index.plan import in_period
from index.report import SAFEGUARDING_BOARD
from index.retrieve import Retriever


def history_lines(authority: str, graded: list[dict], area: str, asked: RecordQuestion, cites: Cites) -> list[str]:
    """One council's grade in one area at each graded inspection, oldest first."""
    if not graded:
        return [f"The library holds no graded inspection of {authority}."]
    steps = []
    for record in graded:
        grade, used = grade_in(record, area)
        said = grade or f"no grade ({why_absent(record, area)})"
        steps.append(f"{said} ({short(record)}){cites.mark(record, [used])}")
    opening = (
        f"{text.possessive(authority)} {area_label(area)} at each graded inspection the library holds, oldest first: "
    )
    lines = [opening + " → ".join(steps) + "."]
    if asked.ask == "since":
        latest, _ = grade_in(graded[-1], area)
        if latest:
            run = graded[-1]
            for record in reversed(graded[:-1]):
                if grade_in(record, area)[0] != latest:
                    break
                run = record
            mark = cites.mark(run, [area])
            lines.insert(0, f"{authority} has been {latest} for {area_label(area)} since its {short(run)}{mark}.")
    return lines


# long: one line per case of the ask (never, a grade asked, all grades), in the order they are said.
def standings(
    plan, asked: RecordQuestion, retriever: Retriever, members: list[str], cites: Cites, found: list[str]
) -> list[str]:
    """Each member's grade at its latest graded inspection (or in the asked period), grouped by the ask."""
    area = asked.area or "overall_effectiveness"
    rows, ungraded, history = _rows(plan, asked, retriever, members, area)
    when = {
        "ever": "at any graded inspection the library holds",
        "never": "at any graded inspection the library holds",
        "previous": "at their previous graded inspections",
        "first": "at their earliest graded inspections in the library",
    }.get(asked.moment, "at their latest graded inspections")
    if area == SAFEGUARDING_BOARD and asked.moment not in ("ever", "never", "previous", "first"):
        when = "at the latest single inspection that reviewed it (until 2018)"
    when = plan.period.phrase if plan.period else when
    lines = []
    if not rows:
        period = f" {plan.period.phrase}" if plan.period else ""
        return [f"None of them has a graded inspection in the library{period}."]

    def listing(chosen) -> str:
        return "; ".join(f"{a} ({g}, {short(r)}){cites.mark(r, [u])}" for a, r, g, u in chosen)

    with_grade = [row for row in rows if row[2]]
    absent = [row for row in rows if not row[2]]
    if asked.grades:
        wanted = [row for row in with_grade if row[2] in asked.grades]
        others = [row for row in with_grade if row[2] not in asked.grades]
        phrase = grades_phrase(asked.grades)
        if asked.moment == "never":
            # "Which councils have never been inadequate?": the ones none of whose inspections held were.
            found.extend(a for a, _, _, _ in others)

            def every(authority: str) -> str:
                judged = history.get(authority, [])
                years = text.listed([(r.get("date") or "undated")[:4] for r in judged])
                return f"{authority} ({years}){''.join(cites.mark(r, [area]) for r in judged)}"

            lines.append(
                f"{len(others)} of the {len(rows)} with a graded inspection in the library "
                f"were never judged {phrase} "
                f"for {area_label(area)} {when}"
                + (f": {'; '.join(every(a) for a, _, _, _ in others)}." if others else ".")
            )
            if wanted:
                lines.append(f"Judged {phrase} at least once: {listing(wanted)}.")
        else:
            found.extend(a for a, r, _, _ in sorted(wanted, key=lambda row: row[1].get("date") or "", reverse=True))
            lines.append(
                f"{len(wanted)} of the {len(rows)} with a graded inspection in the library were {phrase} for "
                f"{area_label(area)} {when}" + (f": {listing(wanted)}." if wanted else ".")
            )
            if others and (asked.ask == "which" or len(others) <= 12):
                lines.append(f"Not {phrase}: {listing(others)}.")
    else:
        for grade in GRADE_ORDER:
            chosen = [row for row in with_grade if row[2] == grade]
            if chosen:
                lines.append(f"{grade.capitalize()} for {area_label(area)} ({len(chosen)}) {when}: {listing(chosen)}.")
    if absent:
        lines.append(
            f"No {area_label(area)} grade ({len(absent)}): "
            + "; ".join(f"{a} ({why_absent(r, area)}, {short(r)}){cites.mark(r)}" for a, r, _, _ in absent)
            + "."
        )
    if ungraded:
        period = plan.period.phrase if plan.period else ""
        lines.append(f"No graded inspection in the library {period}: {text.listed(ungraded)}.".replace("  ", " "))
    return lines + _dating(plan, rows, cites)


def _rows(
    plan, asked: RecordQuestion, retriever: Retriever, members: list[str], area: str
) -> tuple[list[tuple[str, dict, str | None, str]], list[str], dict[str, list[dict]]]:
    """(council, record, grade, area graded) for each member with a graded inspection in scope; the rest."""
    rows: list[tuple[str, dict, str | None, str]] = []
    ungraded: list[str] = []
    history: dict[str, list[dict]] = {}  # for "never": every inspection that graded the area
    for authority in members:
        graded = in_scope(plan, authority, graded_reports(retriever, authority))
        if area == SAFEGUARDING_BOARD:
            # Boards were reviewed only until 2018: the latest review, not the latest inspection, is their grade.
            graded = [r for r in graded if r.get(SAFEGUARDING_BOARD)] or graded
        if not graded:
            ungraded.append(authority)
            continue
        if asked.moment in ("ever", "never") and asked.grades:
            # "Which councils have never been inadequate?": any graded inspection held, not only the latest.
            hits = [r for r in graded if grade_in(r, area)[0] in asked.grades]
            judged = [r for r in graded if grade_in(r, area)[0]]
            history[authority] = judged
            record = hits[-1] if hits else (judged or graded)[-1]
        else:
            record = pick(graded, asked.moment)[0] if pick(graded, asked.moment) else graded[-1]
        grade, used = grade_in(record, area)
        rows.append((authority, record, grade, used))
    return rows, ungraded, history


def _dating(plan, rows: list[tuple[str, dict, str | None, str]], cites: Cites) -> list[str]:
    """When the inspections span years: say so, since an older grade is history, not the current state."""
    dated = sorted((r for _, r, _, _ in rows if r.get("date")), key=lambda r: r["date"])
    if not dated or plan.period or dated[0]["date"][:4] == dated[-1]["date"][:4]:
        return []
    oldest, newest = dated[0], dated[-1]
    return [
        f"These inspections date from {oldest['date'][:4]}{cites.mark(oldest, what='dates')} to "
        f"{newest['date'][:4]}{cites.mark(newest, what='dates')}: an older grade is history, not the current state."
    ]


# long: who moved, between which inspections, said in one place so each line cites both reports.
def changes(
    plan, asked: RecordQuestion, retriever: Retriever, members: list[str], cites: Cites, found: list[str]
) -> list[str]:
    """Who moved between grades from one graded inspection to the next."""
    area = asked.area or "overall_effectiveness"
    moves = []
    for authority in members:
        graded = graded_reports(retriever, authority)
        for j, after in enumerate(graded):
            if plan.period and not in_period(after, plan.period):
                continue  # "improved in 2023": the later inspection is in the period, the earlier one need not be
            now = grade_in(after, area)[0]
            if asked.start:
                # "from inadequate to good": an earlier inspection with the first grade, however many came between.
                earlier = [r for r in graded[:j] if grade_in(r, area)[0] in asked.start]
                before = earlier[-1] if earlier else None
                if before is None or (asked.grades and now not in asked.grades):
                    continue
                if any(m[0] == authority and m[1] is before for m in moves):
                    continue  # one move per earlier inspection: Croydon's 2017 grade moved once, not twice
                if asked.moment == "no_longer" and after is not graded[-1]:
                    # "no longer inadequate": judged on the latest inspection, from the last one with that grade
                    continue
            else:
                before = graded[j - 1] if j else None
            was = grade_in(before, area)[0] if before else None
            if not (was and now) or was == now:
                continue
            rise = GRADE_ORDER.index(now) < GRADE_ORDER.index(was)
            if not asked.start and asked.grades and now not in asked.grades:
                continue
            if asked.direction and rise != (asked.direction == "up"):
                continue
            moves.append((authority, before, was, after, now))
    if asked.start and len(asked.grades) == len(GRADE_ORDER) - 1:
        what = f"away from {text.listed(asked.start, 'or')}"  # "improved from inadequate": to any other grade
    elif asked.start:
        what = f"from {text.listed(asked.start, 'or')} to {text.listed(asked.grades, 'or')}"
    else:
        what = {"up": "up a grade or more", "down": "down a grade or more"}.get(asked.direction, "between grades")
    label = area_label(area)
    moves.sort(key=lambda m: m[3].get("date") or "", reverse=True)
    found.extend(dict.fromkeys(m[0] for m in moves))
    moves.sort(key=lambda m: m[0])
    between = "graded inspections" if asked.start else "consecutive graded inspections"
    named = plan.group is None and bool(plan.filters.authorities)
    if not moves:
        who = text.listed(members, "or") if named else f"the {len(members)} authorities"
        if named:
            lines = [f"No. {text.listed(members, 'or')} did not move {what} for {label} between {between} held."]
            for authority in members[:4]:
                lines += history_lines(authority, graded_reports(retriever, authority), area, asked, cites)
            return lines
        return [f"None of {who} moved {what} for {label} between {between} the library holds."]
    # Councils the question names are answered by name; a set is counted first, councils then moves.
    councils = len({m[0] for m in moves})
    head = f"{councils} of the {len(members)} authorities moved {what} for {label} between {between} in the library"
    head += f" ({len(moves)} moves):" if len(moves) != councils else ":"
    lines = [] if named else [head]
    for authority, before, was, after, now in moves:
        first, second = cites.mark(before, [area]), cites.mark(after, [area])
        said = f"{was} ({short(before)}){first} → {now} ({short(after)}){second}."
        lines.append(f"{'Yes. ' if named and not lines else ''}{authority} moved {what} for {label}: {said}"
                     if named else f"{authority}: {said}")  # fmt: skip
    return lines
