"""The grades a sentence claims, and the grades a report's words state: read apart from the other facts.

"Care leavers were judged good", "an outstanding grade for help and protection", "good across the
board, care leavers included": each grade is bound to the judgement area it is said of (or to every
area), so a claim is weighed against the report's own row for that area, whatever framework named it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from index import text
from index.authorities import authority_key, read_places
from index.chunk import Passage
from index.report import SAFEGUARDING_BOARD

_AREAS = text.JUDGEMENT_AREAS
_JUDGEMENT_CUE = re.compile(
    r"\b(judged|judgements?|judgments?|rated?|ratings?|graded|grades?|overall effectiveness|found to be|"
    r"experiences and progress)\b",
    re.I,
)
_COPULA = re.compile(
    r"(\b(is|are|was|were|remains?|been|be|as|from|to|is an?|are an?|was an?)\s+(still\s+|now\s+|currently\s+|rated\s+|"
    r"judged\s+|graded\s+)?|:\s*|^\s*)$",
    re.I,
)
_GRADE_NOUN = re.compile(
    r"\s+(grade|judge?ment|rating|overall|authority|council|service|services|in|for|at|and|by|from|to|since)\b", re.I
)


def graded_claims(sentence: str) -> list[tuple[str, str]]:
    """(area, grade) pairs a sentence states: each grade bound to the area named just before it.

    "Good practice" and "good-quality support" describe work, not a judgement; "an outstanding
    grade", "care leavers: outstanding" and "is still inadequate" state one. With no area named,
    a grade is the overall judgement. Areas listed together ("help and protection and children in
    care were both outstanding") all take the grade.
    """
    return [(area, grade) for area, grade, _ in graded_claims_at(sentence)]


# Between two areas listed together: only "and", a comma, or "the experiences and progress of".
_LISTED_TOGETHER = re.compile(
    r"^[\s,]*(?:and|&|as well as)?[\s,]*(?:the\s+)?(?:(?:experiences and progress|progress|experiences) of\s+)?"
    r"(?:the\s+)?$",
    re.I,
)


def graded_claims_at(sentence: str) -> list[tuple[str, str, int]]:
    """`graded_claims` with where each grade word ends (to pair grades with the years after them)."""
    if not text.GRADE.search(sentence):
        return []
    areas = _area_mentions(sentence)
    cued = bool(_JUDGEMENT_CUE.search(sentence))
    claims = []
    since = 0  # where the previous grade ended: areas after it and before this grade share this grade
    aimed = False  # the previous grade was a target: one listed after it ("…and outstanding by 2019") is too
    for match in text.GRADE.finditer(sentence):
        before, after = sentence[: match.start()], sentence[match.end() :]
        # "Good across the board" (just after the grade); "its other three areas good" (just before it).
        follows = EVERY_AREA_WORDS.match(after.lstrip(" ,"))
        describes_work = re.match(r"-|\s+[a-z]", after) and not _GRADE_NOUN.match(after) and not follows
        precedes = EVERY_AREA_WORDS.search(sentence[since : match.start()])
        if (follows or precedes) and _EXCEPT.match(after[follows.end() + 1 :] if follows else after):
            continue  # the exception is not bound to an area here: no grade is read rather than a wrong one
        every = follows or precedes
        if aimed := _aimed_for(sentence[since : match.start()], aimed):
            since = match.end()  # the areas named for a target are used up by it
            continue
        if describes_work:
            continue
        if not (cued or areas) and not _COPULA.search(before):
            continue
        preceding = [a for a in areas if a[1] < match.start()]
        listed = _listed_run([a for a in preceding if a[1] >= since], sentence)
        # "requires improvement in every area in 2015, good overall in 2023": words that gave this grade
        # to every area are used up, not read again before the next grade.
        since_last = since
        since = match.end() + (len(after) - len(after.lstrip(" ,")) + follows.end() if follows else 0)
        if len(listed) > 1:
            # "help and protection and children in care both outstanding": every area listed gets the grade.
            claims += [(area, text.grade_of(match.group(0)), match.end()) for area, _, _ in listed]
            continue
        # "Help and protection was good in all areas" grades one area, not every one.
        if every and not [a for a in preceding if a[1] >= since_last]:
            claims.append((EVERY_AREA, text.grade_of(match.group(0)), match.end()))
            continue
        if preceding:
            area = max(preceding, key=lambda a: a[1])[0]
        elif (
            (later := [a for a in areas if a[1] > match.end()])
            and later[0][0] != SAFEGUARDING_BOARD  # "judged good … with its LSCB": the board is no grade's object
            and not _CLAUSE_END.search(sentence[match.end() : later[0][1]])
        ):
            area = later[0][0]  # "an outstanding grade for care leavers": the area named after, in its clause
        else:
            area = "overall_effectiveness"
        claims.append((area, text.grade_of(match.group(0)), match.end()))
    return claims


#: A verb that states what is (or was): a grade after it is given, whatever aim came before.
_FINITE = r"(?:is|are|was|were|has|have|had|been|remains?|remained)\b"
#: A grade hoped for, not given: "required services to be judged good", "its ambition to become outstanding".
_AIM = re.compile(
    r"\b(?:aim\w*|ambitions?|aspir\w*|targets?|goals?|striv\w+|required|requires? (?:it|them|the|services)|"
    r"expect\w*|plans?|want\w*|hop\w+|intend\w*|intention|working towards|on track|should|must|needs? to)\s+"
    rf"(?:(?!{_FINITE})\w+\s+){{0,3}}?(?:to be|to become|of becoming|to achieve|to reach|be)\s+"
    r"(?:(?:judged|rated|graded|assessed|seen|as)\s+){0,2}$",
    re.I,
)
#: What joins a target grade to the next in a list of targets: its deadline, then "and" or a comma
#: (never a verb of its own: "…by 2019 and was judged inadequate" is a grade given).
_NEXT_TARGET = re.compile(
    rf"^\s*(?:by\s+[^,;.]{{0,30}}?)?\s*(?:,\s*and|,|and|then)\s*(?:(?!{_FINITE})\w+\s+){{0,2}}$", re.I
)


def _aimed_for(before: str, previous_aimed: bool) -> bool:
    """Whether a grade is one aimed for (a target, a contract's terms), not one a report gave.

    `before` is the sentence since the previous grade: "good by October 2017 and outstanding by
    October 2019" are two targets when the first is one.
    """
    return bool(_AIM.search(before) or (previous_aimed and _NEXT_TARGET.match(before)))


#: Where one clause ends: a grade before it is not given to an area named after it ("good in 2016, and its
#: care leavers outstanding" grades the council overall, then its care leavers).
_CLAUSE_END = re.compile(r";|,\s*(?:and|but|while|whereas|although)\b", re.I)

#: A grade given to every judgement at once, in a manager's words.
EVERY_AREA = "every_area"
EVERY_AREA_WORDS = re.compile(
    r"\b(across the board|in (?:all|every|each) (?:\w+ )?(?:areas?|judge?ments?)|(?:all|every|each) (?:\w+ )?"
    r"(?:areas|judge?ments)|on every (?:judge?ment|count|measure)|(?:its |the )?(?:other|remaining) (?:\w+ )?"
    r"(?:areas?|judge?ments?))\b(?!\s+(?:for|of|to|where|in which)\b)",  # not "all areas for improvement"
    re.I,
)
#: "Good in every area except help and protection": an exception this reader does not bind, so no every-area grade.
_EXCEPT = re.compile(r"^[\s,]*(?:\w+\s+){0,3}?(?:except|apart from|other than|but not|bar|save|excluding)\b", re.I)


def _listed_run(areas: list[tuple[str, int, int]], sentence: str) -> list[tuple[str, int, int]]:
    """The areas named together just before a grade: the last one, and those joined to it by "and" or commas."""
    run = areas[-1:]
    for previous in reversed(areas[:-1]):
        if not _LISTED_TOGETHER.match(sentence[previous[2] : run[0][1]]):
            break
        run.insert(0, previous)
    # "Overall, help and protection was good": "overall" opens the sentence, it is not listed.
    return [a for a in run if a[0] != "overall_effectiveness"] if len(run) > 1 else run


def _area_mentions(sentence: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    taken: list[tuple[int, int]] = []
    for area, pattern in _AREAS:
        for match in re.finditer(rf"\b({pattern})\b", sentence, re.I):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append(match.span())
            found.append((area, match.start(), match.end()))
    return sorted(found, key=lambda a: a[1])


def stated_grades(window: str) -> dict[str, str]:
    """Grades a window of report text states, by area ('The experiences and progress of care leavers Good').

    Areas are read most specific first, and each label read is masked so that "care leavers" inside
    "children in care and care leavers" is not read again as an area of its own.
    """
    found: dict[str, str] = {}
    for area, pattern in _AREAS:
        label = re.compile(rf"\b({pattern})\b", re.I)
        for match in re.finditer(rf"{label.pattern}[^.;#]{{0,60}}?{text.GRADE.pattern}", window, re.I):
            found.setdefault(area, text.grade_of(match.group(match.lastindex)))
        window = label.sub(lambda m: "#" * len(m.group(0)), window)
    return found


_LOOKS_BACK = re.compile(
    r"\b(?:(?:since|after)\b(?!\s+then\b)[^.;]{0,45}?|(?:previous|last|earlier|prior|preceding)\s+"
    r"(?:inspection|visit|report)[^.;]{0,20}?)\b(19[89]\d|20[0-4]\d)\b(?:[^.;,]{0,25}?,?\s+when\b[^.;,]{0,60})?",
    re.I,
)


def looked_back_years(sentence: str) -> set[int]:
    """Years a claim names as the past its report looks back to ("since the 2021 inspection"), not as the report's."""
    return {int(m.group(1)) for m in _LOOKS_BACK.finditer(sentence)}


def looked_back_spans(sentence: str) -> list[tuple[int, int]]:
    """Where a claim speaks of that past: from "since" (or "the previous inspection") to its year."""
    return [(s, e) for s, e, _ in _looked_back(sentence)]


def grades_given(claim: str) -> list[tuple[str, str, int]]:
    """The grades a claim gives its report (as `graded_claims_at`), not those of the past it looks back to.

    A grade said of another council than the claim's own ("…alongside Cumberland, and Cumbria's
    services had been rated requires improvement") is that council's, told in this report's words.
    "Services had moved forward since they were judged good in 2022" claims a change: the earlier
    grade is its background, which the report's words state ("since the last inspection in 2022,
    when services were judged to be good"); the claim is weighed by those words, not by a table.
    """
    back = looked_back_spans(claim)
    named = [authority_key(r.authority) for r in read_places(claim) if r.authority]
    own = named[0] if named else ""
    given = [g for g in graded_claims_at(claim) if not any(s < g[2] <= e for s, e in back)]
    return [g for g in given if _place_before(claim, g[2]) in ("", own)]  # not another council's grade


def past_grades(claim: str) -> list[tuple[str, str, int]]:
    """(area, grade, year) for each grade a claim gives the past it looks back to.

    "Since it was judged good in 2022"; "since the 2019 inspection, when it was judged inadequate".
    """
    back = _looked_back(claim)
    return [(a, g, y) for a, g, at in graded_claims_at(claim) for s, e, y in back if s < at <= e]


def _looked_back(sentence: str) -> list[tuple[int, int, int]]:
    return [(*m.span(), int(m.group(1))) for m in _LOOKS_BACK.finditer(sentence)]


def grade_conflict(sentence: str, window: str, passage: Passage, grades: Mapping[str, str]) -> str:
    """Why the window (or the report's known `grades`) gives a claimed area another grade; "" if none does.

    A grade the claim gives the past it looks back to ("since it was judged good in 2022") is that
    year's report's, not this one's: it is weighed only against a report of that year.
    """
    year = int(passage.date[:4]) if passage.date else 0
    back = [(s, e, y) for s, e, y in _looked_back(sentence) if y != year]
    own = authority_key(passage.local_authority or "")
    given = [(a, g, at) for a, g, at in graded_claims_at(sentence) if not any(s < at <= e for s, e, _ in back)]
    claims = [(a, g) for a, g, at in given if _place_before(sentence, at) in ("", own)]
    if elsewhere := [(a, g) for a, g, at in given if (a, g) not in claims]:
        # Another council's grade, told in this report's words: those words decide it, never this report's table.
        for area, grade in elsewhere:
            if (said := _told_grades(window, area)) and grade not in said:
                return f"the report's words give that council {said[0]}, not {grade}"
    if not claims:
        return ""
    stated = {**stated_grades(f"{passage.section}. {window}"), **{k: v for k, v in grades.items() if v}}
    return _grades_against(claims, stated, {area for area, _ in claims if area != EVERY_AREA})


def unstated_grade(sentence: str, window: str, passage: Passage) -> str:
    """A grade the claim gives another council that the window does not state: nothing here bears it out."""
    own = authority_key(passage.local_authority or "")
    for area, _, at in graded_claims_at(sentence):
        if _place_before(sentence, at) not in ("", own) and not _told_grades(window, area):
            return "the report's words do not give that grade"
    return ""


def _told_grades(window: str, area: str) -> list[str]:
    """The grades the window's words give an area: its bound rows, else every grade word it says."""
    stated = stated_grades(window)
    if parts := _stated_parts(area, stated, set()):
        return [stated[part] for part in parts]
    return [text.grade_of(m.group(0)) for m in text.GRADE.finditer(window)]


def _grades_against(claims: list[tuple[str, str]], stated: Mapping[str, str], named: set[str]) -> str:
    """Why `stated` gives a claimed area another grade; "" if none does."""
    for area, grade in claims:
        parts = _stated_parts(area, stated, named)
        if not parts and area == EVERY_AREA:
            continue  # a row of one named area says nothing of the others (see `_rows_gap`)
        if not parts:
            shown = "judgement" if area == EVERY_AREA else f"{area.replace('_', ' ')} grade"
            return f"the report gives no {shown}"
        for part in parts:
            if stated[part] != grade:
                return f"the report judged {part.replace('_', ' ')} {stated[part]}, not {grade}"
    return ""


#: Frameworks name the same judgement differently: the claim's area, and what a report may call it instead.
_SAME_AREA = {
    "children_in_care": ["children_in_care_and_care_leavers"],
    "care_leavers": ["children_in_care_and_care_leavers"],
    "impact_of_leaders": ["leadership_management_governance"],
    "leadership_management_governance": ["impact_of_leaders"],
}


def _place_before(sentence: str, at: int) -> str:
    """The council named last before a grade ("Cumbria's services were judged…"): whose grade it is; "" if none.

    A report may give another council's grade in its own words (the predecessor authority's, a
    neighbour's): that grade is weighed by those words, never by this report's own table.
    """
    named = [
        (m.start(), authority_key(r.authority))
        for r in read_places(sentence[:at])
        if r.authority
        for m in re.finditer(rf"\b{re.escape(r.said)}\b", sentence[:at])
    ]
    return max(named)[1] if named else ""


def _stated_parts(area: str, stated: Mapping[str, str], named: set[str]) -> list[str]:
    """The report's judgements a claimed area stands for ("every area": all those the claim does not name)."""
    if area == EVERY_AREA:
        # The board's review is not one of the council's own areas: "good in every area" never counts it.
        others = [a for a in stated if a not in named and a != SAFEGUARDING_BOARD]
        return [a for a in others if not any(a in _SAME_AREA.get(n, []) for n in named)]
    if area in stated:
        return [area]
    if area == "children_in_care_and_care_leavers":
        return [a for a in ("children_in_care", "care_leavers") if a in stated]
    return [a for a in _SAME_AREA.get(area, []) if a in stated][:1]


def grades_per_year(claim: str) -> list[tuple[str, str, int]]:
    """(area, grade, year) for each grade of a claim that names two or more years: each to its nearest year."""
    years = [(int(m.group(0)), m.start()) for m in text.YEAR.finditer(claim)]
    if len({y for y, _ in years}) < 2:
        return []
    return [(area, grade, _year_of(at, years, claim)) for area, grade, at in graded_claims_at(claim)]


def graded_statement(place: str, area: str, grade: str, year: int) -> str:
    """One grade of a change across years, said alone: "In 2021, Bedford was judged good in every area"."""
    if area == EVERY_AREA:
        return f"In {year}, {place} was judged {grade} in every area."
    return f"In {year}, {area.replace('_', ' ')} in {place} was judged {grade}."


def _year_of(at: int, years: list[tuple[int, int]], claim: str) -> int:
    """The year a grade (ending at `at`) is given for: the one just after it in its clause, else the last before it.

    "Good in 2023"; "requires improvement overall in its 2024 inspection"; but in "judged good, and in
    2024 it was judged good" the first grade's year is not 2024.
    """
    after = [y for y, where in years if 0 <= where - at <= 25 and not _CLAUSE_END.search(claim[at:where])]
    before = [y for y, where in years if where < at]
    return after[0] if after else before[-1] if before else years[0][0]
