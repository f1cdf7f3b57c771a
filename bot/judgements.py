"""Questions about judgements, dates and inspectors, answered from the report records: exact, instant, cited.

A grade, a date or a count is a table lookup, not something to ask a language model for. The
records hold every report's judgements, dates and lead inspector as read from its cover; this
module recognises questions that ask only for those ("What is Tameside's current rating?", "How
many authorities in the North West are inadequate?", "Which of our statistical neighbours are good
or better for help and protection?", "Who improved from inadequate to good?") and answers them with
each figure cited to the cover of the report that states it. Where a grade is absent, the answer
says why: the 2026 framework gives no overall grade, or the report's table could not be read.

The same look-ups feed the "How it compares" part of a brief and `briefing library --compare`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.citations import QUOTE_JOIN, Citation
from index import text
from index.authorities import lookup, neighbours_of, register
from index.chunk import COVER_SECTION, METADATA_SECTION, Passage
from index.report import JUDGEMENT_LABELS, JUDGEMENT_NAMES
from index.retrieve import QueryPlan, Retriever, in_period

#: Best first, as Ofsted ranks them.
GRADE_ORDER = ("outstanding", "good", "requires improvement", "inadequate")
_SECONDARY = ("news article", "other")
# When a report does not grade the area asked about under that name, the area it does grade instead.
_STANDS_FOR = {
    "impact_of_leaders": ("impact_of_leaders", "leadership_management_governance"),
    "leadership_management_governance": ("leadership_management_governance", "impact_of_leaders"),
    "children_in_care": ("children_in_care", "children_in_care_and_care_leavers"),
    "care_leavers": ("care_leavers", "children_in_care_and_care_leavers"),
    "children_in_care_and_care_leavers": ("children_in_care_and_care_leavers", "children_in_care", "care_leavers"),
}
# How a grid marks a grade given to a joint or differently named area.
_JOINT = {"children_in_care_and_care_leavers": "joint", "leadership_management_governance": "LMG"}
# The cover row that states each judgement (as printed in SIF and ILACS reports).
_ROW = {
    "overall_effectiveness": (
        r"overall effectiveness|overall judgement|children.s services in .* (are|is|requires?)|^overall"
    ),
    "impact_of_leaders": r"impact of leaders",
    "help_and_protection": r"help and protection",
    "children_in_care": r"children (in care|looked after)(?! and care leavers)|permanence",
    "care_leavers": r"(?<!children in care and )care leavers",
    "children_in_care_and_care_leavers": r"children in care and care leavers",
    "adoption_performance": r"adoption",
    "leadership_management_governance": r"leadership, management|governance",
}

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
_COMPARE = re.compile(r"\b(compare[sd]?|comparison|against|versus|vs|stack up|measure up|benchmark\w*)\b", re.I)
_RISE = re.compile(r"\b(improved|improving|improvement from|got better|went up|moved up|rose|risen|climbed)\b", re.I)
_FALL = re.compile(r"\b(declined|deteriorated|got worse|went down|fell|fallen|dropped|slipped)\b", re.I)
_CHANGE = re.compile(r"\b(changed?|changes|over time|history|trend|trajectory|journey|progress(ed)?)\b", re.I)
_GRADED = re.compile(
    r"\b(rat(ed|ing|ings)|grades?|graded|judge?ments?|judged|overall effectiveness|outstanding|good|inadequate|"
    r"requires improvement|how (is|are|was|were|did) .* (rated|judged))\b",
    re.I,
)
# A question that also asks what was said or done needs the reports' words, not only the figures.
_QUALITATIVE = re.compile(
    r"\b(what did (they|it|\w+) do|why|how did|what (helped|worked|made|changed)|say|said|says|praised|"
    r"strengths?|weakness(es)?|concerns?|practice|what do they|tell me about|summar[iy]se|brief me|describe|"
    r"explain|reasons?|and how|how so|doing)\b|\bhow\?\s*$",
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
    improvement requiring at least below above than less more got get gets received receive achieved moved went
    from to up down over time ago long been being has have had are is was were what their our its statistical
    stat neighbours neighbour similar comparable comparator comparators england national nationally nationwide
    country region regional area areas compare compared comparison versus vs same other others else also both
    all every each any none ever never first second third proportion share percentage fraction count counts
    rise rose risen fell fallen dropped slipped went history trend trajectory journey over currently today
    borough boroughs counties county unitary unitaries metropolitan districts district mets capital london
    there were they them it which whose me tell show give please does do did doing done get getting judge
    under year years month months across in of for the a an and or but with by on as be stand stands standing
    result results outcome outcomes score scores level levels position times visits visited not no longer
    aren't isn't wasn't weren't hasn't haven't didn't doesn't don't never ever go goes going gone move moves
    service higher lower longer anymore""",
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


def read_record_question(plan: QueryPlan) -> RecordQuestion | None:
    """The records question this is, or None when it needs the reports' words (or is not about records)."""
    question = plan.question
    lowered = question.lower()
    area = _area(lowered)
    grades, start = _grades(lowered)
    direction = "up" if _RISE.search(question) else "down" if _FALL.search(question) else ""
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
    elif start or direction or (_CHANGE.search(question) or plan.intent.change) and _GRADED.search(question):
        ask = "change"
    elif _COUNT.search(question) and (grades or _GRADED.search(question)):
        ask = "count"
    elif many and (grades or _GRADED.search(question)) and _WHICH.search(question):
        ask = "which"
    elif _GRADED.search(question) or grades:
        ask = "rating"
    elif (plan.group is not None and plan.group.kind != "nation" or len(plan.filters.authorities) > 1) and (
        _COMPARE.search(question) or re.search(r"\b(better|worse|higher|lower) (?:rated )?than\b", question, re.I)
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
    topic = f" {_label(asked.area)}" if asked.area else ""
    if asked.ask == "change":
        return f"{clause.strip(' ?.')}: what progress and improvements since the last inspection{topic}?"
    return f"{clause.strip(' ?.')}{topic}?"


# ---- look-ups over the records ---------------------------------------------------------------------


def graded_reports(retriever: Retriever, authority: str) -> list[dict]:
    """One council's inspections that carry judgements, oldest first."""
    return [r for r in retriever.reports_on(authority) if r.get("judgements") and r.get("kind") not in _SECONDARY]


def inspections(retriever: Retriever, authority: str) -> list[dict]:
    """One council's Ofsted reports (inspections and visits, graded or not), oldest first."""
    return [r for r in retriever.reports_on(authority) if r.get("kind") not in _SECONDARY]


def grade_in(record: dict, area: str) -> tuple[str | None, str]:
    """The grade a report gives an area (or the area it grades instead), and the area it came from."""
    judgements = record.get("judgements") or {}
    if area in ("children_in_care", "care_leavers") and "children_in_care_and_care_leavers" in judgements:
        # A report that judges the two together has one grade for both, whatever else the metadata says.
        return judgements["children_in_care_and_care_leavers"], "children_in_care_and_care_leavers"
    for name in _STANDS_FOR.get(area, (area,)):
        if name in judgements:
            return judgements[name], name
    return None, area


def why_absent(record: dict, area: str) -> str:
    """Why a report has no grade for an area, in a reader's words."""
    judgements = record.get("judgements") or {}
    if not judgements:
        return f"the {record.get('kind') or 'report'} gives no judgements"
    if area == "overall_effectiveness" and new_framework(record):
        return "the 2026 framework has no overall grade"
    if area == "adoption_performance" and "impact_of_leaders" in judgements:
        return "adoption is not judged separately under the ILACS framework"
    return f"its {JUDGEMENT_LABELS.get(area, area).lower()} grade could not be read from the report"


def new_framework(record: dict) -> bool:
    """A report under the 2026 framework: four judgements and no overall grade."""
    judgements = record.get("judgements") or {}
    return (
        "overall_effectiveness" not in judgements
        and "impact_of_leaders" in judgements
        and str(record.get("date") or "")[:4] >= "2025"
    )


def cover_of(retriever: Retriever, record: dict) -> Passage | None:
    """The passage that holds a report's cover facts: its judgement table, else Ofsted's metadata."""
    passages = retriever.passages_of(record["report_id"])
    return next((p for p in passages if p.section == COVER_SECTION), None) or next(
        (p for p in passages if p.section == METADATA_SECTION), None
    )


def cover_quote(cover: Passage, areas: list[str] | None = None, what: str = "grades", dated: bool = False) -> str:
    """The cover rows that state the facts cited: the areas' judgement rows, the dates or the lead inspector.

    `dated` adds the dates rows, for a line that also gives the inspection's dates.
    """
    if cover.section != COVER_SECTION:
        return cover.text
    lines = [line for line in cover.text.splitlines() if line.strip()]
    dates = [line for line in lines if re.match(r"inspection dates?|report published", line, re.I)]
    if what == "dates":
        return QUOTE_JOIN.join(dates)
    if what == "lead":
        rows = [line for line in lines if line.lower().startswith("lead inspector")]
    else:
        rows = [line for line in lines if text.GRADE.search(line) and not line.lower().startswith("lead inspector")]
        if areas:
            wanted = [r for r in rows if any(re.search(_ROW[a], r, re.I) for a in areas if a in _ROW)]
            rows = wanted or rows
    return QUOTE_JOIN.join([*dates, *rows] if dated and rows else rows)


class _Cites:
    """Numbers citations in order of first use, one per report and fact."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, str], int] = {}

    def mark(self, record: dict, areas: list[str] | None = None, what: str = "grades", dated: bool = False) -> str:
        cover = cover_of(self.retriever, record)
        if cover is None and what == "dates" and record.get("date"):
            # A letter has no cover table: its dates are in its opening sentences.
            start = str(record.get("inspection_start_date") or record["date"])
            month = text.MONTHS[int(start[5:7]) - 1].capitalize()
            return self._in_text(record, f"{int(start[8:10])} {month}", f"{month} {start[:4]}", start[:4])
        if cover is None:
            return ""
        quote = cover_quote(cover, areas, what, dated)
        if not quote and what == "lead" and record.get("lead_inspector"):
            # Older reports name their lead inspector on a later page, not on the cover.
            surname = str(record["lead_inspector"]).split(",")[0].split()[-1]
            cover = next((p for p in self.retriever.passages_of(record["report_id"]) if surname in p.text), None)
            if cover is None:
                return ""
            quote = next((line for line in cover.text.splitlines() if surname in line), cover.text)
        return self._number(record, cover, quote or cover.text)

    def _in_text(self, record: dict, *needles: str) -> str:
        """Cite the first sentence of the report that holds the first needle found (a date, a year)."""
        passages = self.retriever.passages_of(record["report_id"])
        for needle in needles:
            for passage in passages:
                sentence = next((x for x in text.sentences(passage.text) if needle in x), None)
                if sentence:
                    return self._number(record, passage, sentence)
        return ""

    def _number(self, record: dict, passage: Passage, quote: str) -> str:
        key = (record["report_id"], quote)
        if key not in self._numbers:
            self._numbers[key] = len(self.citations) + 1
            self.citations.append(Citation(self._numbers[key], passage, quote))
        return f" [{self._numbers[key]}]"


def _which(record: dict, describe) -> str:
    """'ILACS inspection (inspected …, published …)': a report named with its dates."""
    kind, _, dates = describe(record).partition(", ")
    return f"{kind} ({dates})" if dates else kind


def short(record: dict) -> str:
    """'ILACS inspection, published July 2023': which report, briefly."""
    when = _month_year(record.get("publication_date") or record.get("date") or "")
    return f"{record.get('kind') or 'report'}, {'published ' + when if when else 'undated'}"


def _month_year(iso: str) -> str:
    if not iso or len(iso) < 7:
        return iso
    return f"{text.MONTHS[int(iso[5:7]) - 1].capitalize()} {iso[:4]}"


def _label(area: str) -> str:
    return JUDGEMENT_LABELS.get(area, area.replace("_", " ")).lower()


def _in_scope(plan: QueryPlan, authority: str, records: list[dict], by_visit: bool = False) -> list[dict]:
    """The records of one council the question's period allows (all of them when it names none).

    `by_visit`: only when inspectors visited counts ("inspected in 2024"), not when the report came out.
    """
    if plan.period is None:
        return records
    if by_visit:
        return [r for r in records if any(plan.period.holds(d) for d in _visit_dates(r))]
    return [r for r in records if in_period(r, plan.period)]


def _visit_dates(record: dict) -> list[date]:
    return [
        date.fromisoformat(str(record[k])[:10])
        for k in ("inspection_start_date", "inspection_end_date")
        if record.get(k)
    ]


def _year(record: dict, by_visit: bool) -> str:
    """The year a list shows beside a report: of the visit for "inspected", else of the report."""
    visit = record.get("inspection_start_date") if by_visit else None
    return str(visit or record.get("date") or "undated")[:4]


# ---- answers -----------------------------------------------------------------------------------------


def answer_from_records(plan: QueryPlan, asked: RecordQuestion, retriever: Retriever) -> RecordAnswer:
    """The answer to a records question, every figure cited to the report that states it."""
    with retriever.one_version():  # one library version for every look-up, checked once
        return _answer_from_records(plan, asked, retriever)


def _answer_from_records(plan: QueryPlan, asked: RecordQuestion, retriever: Retriever) -> RecordAnswer:
    from bot.answer import describe

    cites = _Cites(retriever)
    out = RecordAnswer()
    group = plan.group
    named = [p.authority for p in plan.places if p.authority and p.authority in plan.filters.authorities]
    if group is not None and (group.kind != "nation" or asked.ask in ("count", "which", "change", "inspections")):
        members = list(plan.group_held)
        out.lines.append(plan.group_note)
        # Councils the question names beside the set ("Compare Wigan with Lancashire's neighbours") get their own line.
        for authority in named:
            if authority not in members and authority != group.of:
                out.lines += _about_one(plan, asked, retriever, authority, cites, describe)
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
            out.lines += _about_one(plan, asked, retriever, authority, cites, describe)
    elif asked.ask == "change":
        out.lines += _changes(plan, asked, retriever, members, cites, out.authorities)
    elif asked.ask == "inspections":
        out.lines += _inspection_counts(plan, retriever, members, cites)
    else:
        if group is not None and group.of and not asked.grades and retriever.reports_on(group.of):
            out.lines += _about_one(plan, asked, retriever, group.of, cites, describe)  # itself, then the set
        out.lines += _standings(plan, asked, retriever, members, cites, out.authorities)
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


def _pick(records: list[dict], moment: str) -> list[dict]:
    """The latest, previous or first of some inspections, oldest first."""
    if moment == "previous":
        return records[-2:-1]
    if moment == "first":
        return records[:1]
    return records[-1:]


def _about_one(plan, asked: RecordQuestion, retriever: Retriever, authority: str, cites: _Cites, describe) -> list[str]:
    visits = _in_scope(plan, authority, inspections(retriever, authority))
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
            phrase = _grades_phrase(asked.grades)
            return [f"No graded inspection of {authority} the library holds{period} judged it {phrase}."]
    latest = visits[-1]
    if asked.ask == "who":
        lines = []
        for record in visits if plan.period or asked.grades else _pick(visits, asked.moment):
            lead = record.get("lead_inspector")
            mark = cites.mark(record, what="lead", dated=True) if lead else ""
            who = f"was led by {lead}" if lead else "does not name its lead inspector in what the library read"
            lines.append(f"{owner} {_which(record, describe)} {who}{mark}.")
        return lines
    if asked.ask == "when":
        if asked.grades:
            area = asked.area or "overall_effectiveness"
            return [f"{owner} {describe(r)}{cites.mark(r, [area], dated=True)}." for r in visits]
        chosen = _pick(visits, asked.moment)[0] if _pick(visits, asked.moment) else latest
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
        return [f"{owner} latest report{period} is a {_which(latest, describe)}, under {framework}{mark}."]
    area = asked.area or "overall_effectiveness"
    if asked.ask in ("since", "change"):
        return _history(authority, graded, area, asked, cites)
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
        return [_grades_line(authority, r, asked, cites, describe, "inspection") for r in shown]
    if plan.period:
        return [_grades_line(authority, r, asked, cites, describe, "inspection") for r in graded]
    shown = _pick(graded, asked.moment)
    if not shown:
        return [f"The library holds only one graded inspection of {authority}, so there is no {asked.moment} one."]
    label = {"previous": "previous graded inspection", "first": "earliest graded inspection the library holds"}
    lines = [
        _grades_line(authority, shown[0], asked, cites, describe, label.get(asked.moment, "latest graded inspection"))
    ]
    if asked.moment == "latest" and visits[-1] is not graded[-1]:
        lines.append(f"A newer {describe(visits[-1])} gives no judgements{cites.mark(visits[-1], what='dates')}.")
    if asked.moment == "latest" and asked.grades and len(graded) > 1:
        grade, _ = grade_in(graded[-1], area)
        earlier = [r for r in graded[:-1] if grade_in(r, area)[0] in asked.grades]
        if grade not in asked.grades and earlier:
            then = earlier[-1]
            lines.append(
                f"It was {grade_in(then, area)[0]} for {_label(area)} at its {short(then)}{cites.mark(then, [area])}."
            )
    return lines


def _ever(authority: str, graded: list[dict], asked: RecordQuestion, cites: _Cites, period: str) -> list[str]:
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
                f"{held[areas[0]]} for {text.listed([_label(a) for a in areas])} at its {short(record)}"
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
            labels = text.listed([_label(a) for a in areas])
            grade = grade_in(record, areas[0])[0]
            said.append(f"{grade} for {labels} at its {short(record)}{cites.mark(record, areas)}")
        verdict = "" if asked.moment == "never" else "Yes. "
        return [f"{verdict}{authority} was judged {'; '.join(said)}."]
    years = text.listed(sorted({(r.get("date") or "")[:4] for r in graded}))
    marks = "".join(cites.mark(r, [area]) for r in graded)
    phrase = _grades_phrase(asked.grades)
    verdict = "" if asked.moment == "never" else "No. "
    held = f"{len(graded)} graded inspections of {authority} the library holds{period} ({years})"
    return [f"{verdict}None of the {held} judged {_label(area)} {phrase}{marks}."]


def _grades_line(authority: str, record: dict, asked: RecordQuestion, cites: _Cites, describe, label: str) -> str:
    which = f"{text.possessive(authority)} {label} ({describe(record)})"
    area = asked.area
    if area:
        grade, used = grade_in(record, area)
        if not grade:
            return f"{which} gives no {_label(area)} grade: {why_absent(record, area)}{cites.mark(record, dated=True)}."
        verdict = ("Yes. " if grade in asked.grades else "No. ") if asked.grades else ""
        return f"{verdict}{which} judged {_label(used)} {grade}{cites.mark(record, [used], dated=True)}."
    judgements = record.get("judgements") or {}
    parts = [f"{_label(k)} {v}" for k in JUDGEMENT_NAMES for v in [judgements.get(k)] if v]
    overall = judgements.get("overall_effectiveness")
    verdict = ("Yes. " if overall in asked.grades else "No. ") if asked.grades and overall else ""
    line = f"{verdict}{which} judged {text.listed(parts)}{cites.mark(record, dated=True)}."
    if not overall:
        line += f" It gives no overall effectiveness grade: {why_absent(record, 'overall_effectiveness')}."
        if asked.grades:
            hits = [_label(k) for k, v in judgements.items() if v in asked.grades]
            phrase = _grades_phrase(asked.grades)
            line += f" Judged {phrase} in it: {text.listed(hits)}." if hits else f" None of its judgements is {phrase}."
    return line


def _history(authority: str, graded: list[dict], area: str, asked: RecordQuestion, cites: _Cites) -> list[str]:
    if not graded:
        return [f"The library holds no graded inspection of {authority}."]
    steps = []
    for record in graded:
        grade, used = grade_in(record, area)
        said = grade or f"no grade ({why_absent(record, area)})"
        steps.append(f"{said} ({short(record)}){cites.mark(record, [used])}")
    opening = f"{text.possessive(authority)} {_label(area)} at each graded inspection the library holds, oldest first: "
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
            lines.insert(0, f"{authority} has been {latest} for {_label(area)} since its {short(run)}{mark}.")
    return lines


def _standings(
    plan, asked: RecordQuestion, retriever: Retriever, members: list[str], cites: _Cites, found: list[str]
) -> list[str]:
    """Each member's grade at its latest graded inspection (or in the asked period), grouped by the ask."""
    area = asked.area or "overall_effectiveness"
    rows: list[tuple[str, dict, str | None, str]] = []
    ungraded: list[str] = []
    history: dict[str, list[dict]] = {}  # for "never": every inspection that graded the area
    for authority in members:
        graded = _in_scope(plan, authority, graded_reports(retriever, authority))
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
            record = _pick(graded, asked.moment)[0] if _pick(graded, asked.moment) else graded[-1]
        grade, used = grade_in(record, area)
        rows.append((authority, record, grade, used))
    when = {
        "ever": "at any graded inspection the library holds",
        "never": "at any graded inspection the library holds",
        "previous": "at their previous graded inspections",
        "first": "at their earliest graded inspections in the library",
    }.get(asked.moment, "at their latest graded inspections")
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
        phrase = _grades_phrase(asked.grades)
        if asked.moment == "never":
            # "Which councils have never been inadequate?": the ones none of whose inspections held were.
            found.extend(a for a, _, _, _ in others)

            def every(authority: str) -> str:
                judged = history.get(authority, [])
                years = text.listed([(r.get("date") or "undated")[:4] for r in judged])
                return f"{authority} ({years}){''.join(cites.mark(r, [area]) for r in judged)}"

            lines.append(
                f"{len(others)} of the {len(rows)} with a graded inspection in the library were never judged {phrase} "
                f"for {_label(area)} {when}" + (f": {'; '.join(every(a) for a, _, _, _ in others)}." if others else ".")
            )
            if wanted:
                lines.append(f"Judged {phrase} at least once: {listing(wanted)}.")
        else:
            found.extend(a for a, r, _, _ in sorted(wanted, key=lambda row: row[1].get("date") or "", reverse=True))
            lines.append(
                f"{len(wanted)} of the {len(rows)} with a graded inspection in the library were {phrase} for "
                f"{_label(area)} {when}" + (f": {listing(wanted)}." if wanted else ".")
            )
            if others and (asked.ask == "which" or len(others) <= 12):
                lines.append(f"Not {phrase}: {listing(others)}.")
    else:
        for grade in GRADE_ORDER:
            chosen = [row for row in with_grade if row[2] == grade]
            if chosen:
                lines.append(f"{grade.capitalize()} for {_label(area)} ({len(chosen)}) {when}: {listing(chosen)}.")
    if absent:
        lines.append(
            f"No {_label(area)} grade ({len(absent)}): "
            + "; ".join(f"{a} ({why_absent(r, area)}, {short(r)}){cites.mark(r)}" for a, r, _, _ in absent)
            + "."
        )
    if ungraded:
        period = plan.period.phrase if plan.period else ""
        lines.append(f"No graded inspection in the library {period}: {text.listed(ungraded)}.".replace("  ", " "))
    dated = sorted((r for _, r, _, _ in rows if r.get("date")), key=lambda r: r["date"])
    if dated and not plan.period and dated[0]["date"][:4] != dated[-1]["date"][:4]:
        oldest, newest = dated[0], dated[-1]
        lines.append(
            f"These inspections date from {oldest['date'][:4]}{cites.mark(oldest, what='dates')} to "
            f"{newest['date'][:4]}{cites.mark(newest, what='dates')}: an older grade is history, not the current state."
        )
    return lines


def _changes(
    plan, asked: RecordQuestion, retriever: Retriever, members: list[str], cites: _Cites, found: list[str]
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
    label = _label(area)
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
                lines += _history(authority, graded_reports(retriever, authority), area, asked, cites)
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


def _inspection_counts(plan, retriever: Retriever, members: list[str], cites: _Cites) -> list[str]:
    """How many of the set were inspected (in the period), with each council's inspections cited."""
    inspected = []
    by_visit = re.search(r"\binspected\b", plan.question, re.I) is not None
    for authority in members:
        visits = _in_scope(plan, authority, inspections(retriever, authority), by_visit)
        if visits:
            marks = "".join(cites.mark(r, what="dates") for r in visits)
            years = text.listed([_year(r, by_visit) for r in visits])
            inspected.append(f"{authority} ({years}){marks}")
    period = f" {plan.period.phrase}" if plan.period else ""
    what = "were inspected" if by_visit else "have an Ofsted report in the library"
    head = f"{len(inspected)} of the {len(members)} {what}{period}"
    return [head + (f": {'; '.join(inspected)}." if inspected else ".")]


def _grades_phrase(grades: tuple[str, ...]) -> str:
    if set(grades) == {"outstanding", "good"}:
        return "good or better"
    if set(grades) == {"requires improvement", "inadequate"}:
        return "below good"
    return text.listed(grades, "or")


# ---- comparisons for briefs and `library --compare` ---------------------------------------------------

#: The grid's columns: the judgements every framework has in some form, in a reader's order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("overall_effectiveness", "Overall"),
    ("impact_of_leaders", "Leaders"),
    ("help_and_protection", "Help and protection"),
    ("children_in_care", "Children in care"),
    ("care_leavers", "Care leavers"),
)


@dataclass
class Standing:
    """One council's latest judgements as a row of a comparison."""

    authority: str
    relation: str  # "itself" | "statistical neighbour" | the region's name
    record: dict | None  # its latest graded inspection, None if the library has none

    def grade(self, area: str) -> str | None:
        """The grade for an area at that inspection (or the area it grades instead)."""
        return grade_in(self.record, area)[0] if self.record else None

    def cell(self, area: str) -> str:
        """The grade as a grid shows it, marked when the report judged the area jointly with another."""
        if not self.record:
            return "—"
        grade, used = grade_in(self.record, area)
        if not grade:
            return "—"
        return grade if used == area else f"{grade} ({_JOINT.get(used, 'as ' + _label(used))})"

    def as_json(self) -> dict:
        """As `library --compare --json` shows it."""
        record = self.record or {}
        return {
            "authority": self.authority,
            "relation": self.relation,
            "report": record.get("source"),
            "kind": record.get("kind"),
            "date": record.get("date"),
            "judgements": {area: self.grade(area) for area, _ in COLUMNS},
        }


def council_named(words: str, retriever: Retriever) -> str | None:
    """The one council some typed words name, as a question would read them ("lancs", "Lancashrie")."""
    found = lookup(words)
    if found is not None:
        return found.name
    named = [p.authority for p in retriever.plan(words).places if p.authority]
    return named[0] if len(set(named)) == 1 else None


def comparison(retriever: Retriever, authority: str) -> list[Standing]:
    """The council, its statistical neighbours, then the rest of its region, each at its latest graded inspection.

    Neighbours and region are each ordered latest inspection first; councils the library has no
    graded inspection of stay in the list (with no record), so a partial set never looks whole.
    """
    with retriever.one_version():
        return _comparison(retriever, authority)


def _comparison(retriever: Retriever, authority: str) -> list[Standing]:
    found = lookup(authority)
    if found is None:
        return []
    neighbours = neighbours_of(found.name)
    region = [a.name for a in register() if a.current and a.region == found.region]
    region = [r for r in region if r != found.name and r not in neighbours]

    def latest_first(names: list[str], relation: str) -> list[Standing]:
        rows = [Standing(n, relation, _latest_graded(retriever, n)) for n in names]
        held = sorted((r for r in rows if r.record), key=lambda r: str(r.record.get("date") or ""), reverse=True)
        return held + [r for r in rows if not r.record]

    rows = [Standing(found.name, "itself", _latest_graded(retriever, found.name))]
    return rows + latest_first(neighbours, "statistical neighbour") + latest_first(region, found.region)


def _latest_graded(retriever: Retriever, authority: str) -> dict | None:
    graded = graded_reports(retriever, authority)
    return graded[-1] if graded else None


def better(grade: str | None, than: str | None) -> bool:
    """Whether one grade is above another on Ofsted's scale."""
    return bool(grade and than) and GRADE_ORDER.index(grade) < GRADE_ORDER.index(than)
