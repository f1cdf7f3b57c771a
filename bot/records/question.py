"""What a records question asks for, read from its words: a grade, a date, an inspector, a count, a change.

A grade, a date or a count is a table lookup, not something to ask a language model for. This
module recognises questions that ask only for those ("What is Tameside's current rating?", "How
many authorities in the North West are inadequate?", "Who improved from inadequate to good?"); the
other modules here answer them, each figure cited to the cover of the report that states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.records.lookup import GRADE_ORDER, area_label
from index import text
from index.plan import QueryPlan
from index.question import COMPARE, FALL, GRADE_HISTORY, RISE

_WHO = re.compile(
    r"\b(who led|lead inspector|who inspected|which inspectors?|who (was|were) the (lead )?inspectors?)\b", re.I
)


_SINCE_WHEN = re.compile(r"\b(since when|how long has|how long have)\b", re.I)


_WHEN = re.compile(
    r"\b(when (was|were|did|is|will)|what date|which date|last inspected|date of|dates of|how long ago|"
    r"how recent)\b",
    re.I,
)


_FRAMEWORK = re.compile(r"\b(framework|type of inspection|kind of inspection|sort of inspection|ILACS|SIF)\b", re.I)


_COUNT = re.compile(r"\b(how many|number of|what proportion|what share|what percentage|what fraction|count)\b", re.I)


_WHICH = re.compile(r"\b(which|who|list|name the|what are the)\b", re.I)


_EVER = re.compile(r"\b(ever|never)\b", re.I)


_PREVIOUS = re.compile(r"\b(previous|prior|before that|last but one|penultimate)\b", re.I)


_FIRST = re.compile(r"\b(first|earliest|oldest)\b", re.I)


_NUMBER_OF_INSPECTIONS = re.compile(
    r"\b(how many|number of)\b.*\b(inspections?|inspected|times|visits?|reports?)\b"
    r"|\b(which|what|who)\b.*\b(were|was|been|got) inspected\b",
    re.I,
)


_GRADED = re.compile(
    r"\b(rat(ed|ing|ings)|grades?|graded|judge?ments?|judged|overall effectiveness|outstanding|good|inadequate|"
    r"requires improvement|how (is|are|was|were|did) .* (rated|judged)|"
    r"(?:what|which)\W+(?:\w+\W+){0,8}?(?:did|does|do)\W+(?:\w+\W+){0,6}?(?:get|receive|achieve|score))\b",
    re.I,
)


# A question that also asks what was said or done needs the reports' words, not only the figures.
_QUALITATIVE = re.compile(
    r"\b(what did (they|it|\w+) do|why|how did|what (helped|worked|made|changed)|say|said|says|praised|"
    r"strengths?|weakness(es)?|concerns?|practice|what do they|tell me about|summar[iy]se|brief me|describe|"
    r"explain|reasons?|and how|how so|doing|what improvements?|improvements? (?:was|were|is|are) required)\b|"
    r"\bhow\?\s*$",
    re.I,
)


# Words a records question may use beyond places, areas, grades and dates.
_RECORD_WORDS = frozenset(
    re.findall(
        r"\S+",
        """rating rated ratings rate grade grades graded judgement judgements judgment judgments judged overall
    effectiveness ofsted ofsted's inspection inspections inspected inspect report reports latest current currently
    now still recent recently most last newest previous previously lead led inspector inspectors framework type kind
    sort ilacs sif single date dates published publication when since how many number which who whom list name
    authorities authority councils council las la local children's childrens services improved improving improve
    declined deteriorated changed change changes better worse best worst good outstanding inadequate requires
    improvement requiring required require at least below above than less more got get gets received receive achieved
    moved went from to up down over time ago long been being has have had are is was were what their our its statistical
    stat neighbours neighbour similar comparable comparator comparators england national nationally nationwide
    country region regional area areas compare compared comparison versus vs same other others else also both
    all every each any none ever never first second third proportion share percentage fraction count counts
    rise rose risen fell fallen dropped slipped went history trend trajectory journey over currently today
    borough boroughs counties county unitary unitaries metropolitan districts district mets capital london
    there were they them it which whose me tell show give please does do did doing done get getting judge
    under year years month months across in of for the a an and or but with by on as be stand stands standing
    result results outcome outcomes score scores level levels position times visits visited not no longer
    aren't isn't wasn't weren't hasn't haven't didn't doesn't don't never ever go goes going gone move moves
    service higher lower longer anymore re reinspection reinspected""",
    )
)


@dataclass(frozen=True)
class RecordQuestion:
    """What a records question asks for, read from its words."""

    ask: str  # rating | count | which | when | since | who | framework | change
    area: str | None  # a judgement area, or None for all of them
    grades: tuple[str, ...] = ()  # the grades asked about ("good or better" → outstanding, good)
    start: tuple[str, ...] = ()  # for "from inadequate to good": the grade moved from
    direction: str = ""  # up | down, for "who improved", "who declined"
    pure: bool = True  # False when the question also asks what the reports say
    moment: str = "latest"  # latest | previous | first | ever: which graded inspection the question is about


def read_record_question(plan: QueryPlan) -> RecordQuestion | None:
    """The records question this is, or None when it needs the reports' words (or is not about records)."""
    question = plan.question
    lowered = question.lower()
    area = _area(lowered)
    grades, start = _grades(lowered)
    direction = "up" if RISE.search(question) else "down" if FALL.search(question) else ""
    many = plan.group is not None or len(plan.filters.authorities) > 1 or _many(lowered)
    moment = (
        "no_longer" if re.search(r"\b(no longer|not any more|not anymore)\b", question, re.I)
        else "never" if re.search(r"\bnever\b", question, re.I)
        else "ever" if _EVER.search(question)
        else "previous" if _PREVIOUS.search(question)
        else "first" if _FIRST.search(question)
        else "latest"
    )  # fmt: skip
    if _NUMBER_OF_INSPECTIONS.search(question) and not grades:
        ask = "inspections"
    elif _WHO.search(question):
        ask = "who"
    elif _SINCE_WHEN.search(question):
        ask = "since"
    elif _WHEN.search(question):
        ask = "when"
    elif _FRAMEWORK.search(question) and not many:
        ask = "framework"
    elif start or direction or (GRADE_HISTORY.search(question) or plan.intent.change) and _GRADED.search(question):
        ask = "change"
    elif _COUNT.search(question) and (grades or _GRADED.search(question)):
        ask = "count"
    elif many and (grades or _GRADED.search(question)) and _WHICH.search(question):
        ask = "which"
    elif _GRADED.search(question) or grades:
        ask = "rating"
    elif (plan.group is not None and plan.group.kind != "nation" or len(plan.filters.authorities) > 1) and (
        COMPARE.search(question) or re.search(r"\b(better|worse|higher|lower) (?:rated )?than\b", question, re.I)
    ):
        ask = "rating"  # "How does Tameside compare with its statistical neighbours?": their grades side by side
    else:
        return None
    pure = _pure(plan)
    if not (plan.filters.authorities or plan.group) and ask == "rating" and re.match(r"\s*(who|which)\b", lowered):
        ask = "which"  # "Who was rated inadequate in 2021?", "Which is the best rated authority?"
    if not (plan.filters.authorities or plan.group):
        # "Who improved from inadequate to good?" is about every council the library holds;
        # "What is our rating?" needs to know which council "our" is.
        across = (
            ask == "inspections"
            or ask in ("count", "which", "change")
            and (many or re.match(r"\s*(who|which)\b", lowered))
        )
        if not across:
            return RecordQuestion("which_council", area, grades) if pure and not plan.unknown_places else None
    return RecordQuestion(ask, area, grades, start, direction, pure=pure, moment=moment)


def _area(lowered: str) -> str | None:
    for name, pattern in text.JUDGEMENT_AREAS:
        if re.search(rf"\b({pattern})\b", lowered):
            return name
    return None


def _grades(lowered: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The grades asked about, and for "from X to Y" the grade moved from."""
    moved = re.search(rf"\bfrom ({'|'.join(GRADE_ORDER)}) to ({'|'.join(GRADE_ORDER)})\b", lowered)
    if moved:
        return (moved.group(2),), (moved.group(1),)
    away = re.search(
        rf"\b(?:from|no longer|out of)\s+(?:being\s+|rated\s+|judged\s+)?({'|'.join(GRADE_ORDER)})\b", lowered
    )
    if away:
        # "improved from inadequate", "no longer inadequate": moved away from that grade, to any other.
        return tuple(g for g in GRADE_ORDER if g != away.group(1)), (away.group(1),)
    if re.search(r"\b(best|highest|top)[- ]rated\b", lowered):
        return ("outstanding",), ()
    if re.search(r"\b(worst|lowest)[- ]rated\b", lowered):
        return ("inadequate",), ()
    negated = re.search(
        rf"(?:\bnot|n't|\bno longer)\s+(?:been\s+|be\s+)?(?:(?:rated|judged|graded)\s+)?(?:as\s+)?"
        rf"({'|'.join(GRADE_ORDER)})"
        rf"(?! or (?:better|worse))\b",
        lowered.replace("’", "'"),
    )
    if negated and negated.group(1) == "good":
        return ("requires improvement", "inadequate"), ()  # "not good" is Ofsted's "below good"
    if negated:
        return tuple(g for g in GRADE_ORDER if g != negated.group(1)), ()  # "no longer inadequate"
    if re.search(r"\b(good or better|at least good|good or outstanding|outstanding or good)\b", lowered):
        return ("outstanding", "good"), ()
    if re.search(r"\b(requires improvement or worse|below good|less than good|not good|worse than good|"
                 r"inadequate or requires improvement|requires improvement or inadequate)\b", lowered):  # fmt: skip
        return ("requires improvement", "inadequate"), ()
    found = [text.grade_of(m.group(0)) for m in text.GRADE.finditer(lowered)]
    return tuple(g for g in GRADE_ORDER if g in found), ()


def _many(lowered: str) -> bool:
    return bool(re.search(r"\b(authorities|councils|las|local authorities|who else|anyone|any other)\b", lowered))


def _pure(plan: QueryPlan) -> bool:
    """Whether nothing is left of the question once places, sets, dates, areas and grades are read out."""
    question = plan.question
    if _QUALITATIVE.search(question):
        return False
    rest = question.lower().replace("’", "'")
    names = [p.said for p in plan.places] + [*plan.filters.authorities, *plan.unknown_places]
    if plan.group:
        names += [*plan.group.said.split(" "), plan.group.of or ""]  # the set's words, each on its own
    for name in sorted(filter(None, names), key=len, reverse=True):
        rest = re.sub(rf"\b{re.escape(name.lower())}(?:'s)?", " ", rest)
    for _, pattern in text.JUDGEMENT_AREAS:
        rest = re.sub(rf"\b({pattern})\b", " ", rest)
    if plan.period and plan.period.said:
        rest = rest.replace(plan.period.said.lower(), " ")
    words = re.findall(r"[a-z][a-z']*", rest)
    return all(w in _RECORD_WORDS or w in text.STOP_WORDS or w.removesuffix("'s") in _RECORD_WORDS for w in words)


def reports_question(question: str, asked: RecordQuestion, authorities: list[str]) -> str:
    """For a mixed question, the part about the reports' words, put to the councils the figures single out.

    "Who improved from inadequate to good, and what did they do?" → the progress the reports of the
    improvers describe; the figures themselves are never left to the model.
    """
    clause = next(
        (part for part in re.split(r",\s*|\band\s+(?=what|how|why)", question) if _QUALITATIVE.search(part)), ""
    )
    clause = re.sub(r"\b(they|them|their|it|its)\b", text.listed(authorities) if authorities else "they", clause)
    topic = f" {area_label(asked.area)}" if asked.area else ""
    if asked.ask == "change":
        return f"{clause.strip(' ?.')}: what progress and improvements since the last inspection{topic}?"
    return f"{clause.strip(' ?.')}{topic}?"
