"""Look-ups in the report records: a council's reports, a grade and why it is absent, the cover that states it.

Every figure an answer shows is cited to its report's cover through `Cites`; where a grade is
absent the answer says why (the 2026 framework gives no overall grade, or the table could not be read).
"""

from __future__ import annotations

import re
from datetime import date

from bot.evidence.citations import QUOTE_JOIN, Citation
from index import text
from index.chunk import COVER_SECTION, METADATA_SECTION, Passage
from index.plan import QueryPlan, in_period
from index.report import JUDGEMENT_LABELS, SAFEGUARDING_BOARD, is_primary
from index.retrieve import Retriever
from index.understand import board_row

#: Best first, as Ofsted ranks them.
GRADE_ORDER = ("outstanding", "good", "requires improvement", "inadequate")


# When a report does not grade the area asked about under that name, the area it does grade instead.
_STANDS_FOR = {
    "impact_of_leaders": ("impact_of_leaders", "leadership_management_governance"),
    "leadership_management_governance": ("leadership_management_governance", "impact_of_leaders"),
    "children_in_care": ("children_in_care", "children_in_care_and_care_leavers"),
    "care_leavers": ("care_leavers", "children_in_care_and_care_leavers"),
    "children_in_care_and_care_leavers": ("children_in_care_and_care_leavers", "children_in_care", "care_leavers"),
}


# How a grid marks a grade given to a joint or differently named area.
JOINT = {"children_in_care_and_care_leavers": "joint", "leadership_management_governance": "LMG"}


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
    SAFEGUARDING_BOARD: r"safeguarding children board|\blscb\b",
}


def graded_reports(retriever: Retriever, authority: str) -> list[dict]:
    """One council's inspections that carry judgements, oldest first."""
    return [r for r in retriever.reports_on(authority) if r.get("judgements") and is_primary(r)]


def inspections(retriever: Retriever, authority: str) -> list[dict]:
    """One council's Ofsted reports (inspections and visits, graded or not), oldest first."""
    return [r for r in retriever.reports_on(authority) if is_primary(r)]


def grade_in(record: dict, area: str) -> tuple[str | None, str]:
    """The grade a report gives an area (or the area it grades instead), and the area it came from."""
    if area == SAFEGUARDING_BOARD:
        return record.get(SAFEGUARDING_BOARD), area
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
    if area == SAFEGUARDING_BOARD and record.get("kind") == "single inspection":
        return "no review of the Local Safeguarding Children Board could be read in it (re-inspections had none)"
    if area == SAFEGUARDING_BOARD:
        return "it does not review the Local Safeguarding Children Board (single inspections did, until 2018)"
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


class Cites:
    """Numbers citations in order of first use, one per report and fact."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, str], int] = {}

    def mark(self, record: dict, areas: list[str] | None = None, what: str = "grades", dated: bool = False) -> str:
        """A citation mark for this record's figures, numbered once per record and quote."""
        cover = cover_of(self.retriever, record)
        if cover is None and what == "dates" and record.get("date"):
            # A letter has no cover table: its dates are in its opening sentences.
            start = str(record.get("inspection_start_date") or record["date"])
            month = text.MONTHS[int(start[5:7]) - 1].capitalize()
            return self._in_text(record, f"{int(start[8:10])} {month}", f"{month} {start[:4]}", start[:4])
        if cover is None:
            return ""
        quote = cover_quote(cover, areas, what, dated)
        if what == "grades" and areas == [SAFEGUARDING_BOARD] and not re.search(_ROW[SAFEGUARDING_BOARD], quote, re.I):
            # Later single inspections state the board's grade where its own section opens, not on the cover.
            found = board_verdict(self.retriever, record)
            return self._number(record, *found) if found else ""
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


def states_board_grade(words: str, grade: str) -> bool:
    """Whether the words state the board's verdict as `grade` (not "the LSCB is good at…")."""
    row = board_row(words)
    found = text.GRADE.search(row) if row else None
    return bool(found) and text.grade_of(found.group(0)) == grade


def board_verdict(retriever: Retriever, record: dict) -> tuple[Passage, str] | None:
    """Where a report states its verdict on the Local Safeguarding Children Board: the passage and sentence."""
    grade = str(record.get(SAFEGUARDING_BOARD) or "")
    if not grade:
        return None
    for passage in retriever.passages_of(record["report_id"]):
        sentence = next((x for x in text.sentences(passage.text) if states_board_grade(x, grade)), None)
        if sentence:
            return passage, sentence
    return None


def which_report(record: dict) -> str:
    """'ILACS inspection (inspected …, published …)': a report named with its dates."""
    kind, _, dates = describe(record).partition(", ")
    return f"{kind} ({dates})" if dates else kind


def short(record: dict) -> str:
    """'ILACS inspection, published July 2023': which report, briefly."""
    when = text.month_year(record.get("publication_date") or record.get("date") or "")
    return f"{record.get('kind') or 'report'}, {'published ' + when if when else 'undated'}"


def describe(record: dict) -> str:
    """'ILACS inspection, inspected 8 to 12 May 2023, published 12 July 2023' from a report record."""
    parts = [str(record.get("kind") or "report")]
    start, end = record.get("inspection_start_date"), record.get("inspection_end_date")
    if start and end and start != end:
        parts.append(f"inspected {text.long_date(start)} to {text.long_date(end)}")
    elif start or end:
        parts.append(f"inspected {text.long_date(start or end)}")
    if record.get("publication_date"):
        parts.append(f"published {text.long_date(record['publication_date'])}")
    elif not (start or end) and record.get("date"):
        parts.append(f"dated {text.long_date(record['date'])}")
    return ", ".join(parts)


def area_label(area: str) -> str:
    """'help and protection': a judgement area as a sentence names it."""
    label = JUDGEMENT_LABELS.get(area, area.replace("_", " "))
    return label if area == SAFEGUARDING_BOARD else label.lower()  # the board's name is a proper noun


def in_scope(plan: QueryPlan, authority: str, records: list[dict], by_visit: bool = False) -> list[dict]:
    """The records of one council the question's period allows (all of them when it names none).

    `by_visit`: only when inspectors visited counts ("inspected in 2024"), not when the report came out.
    """
    if plan.period is None:
        return records
    if by_visit:
        return [r for r in records if any(plan.period.holds(d) for d in visit_dates(r))]
    return [r for r in records if in_period(r, plan.period)]


def visit_dates(record: dict) -> list[date]:
    """The days inspectors were on site (the report's date when none are recorded)."""
    return [
        date.fromisoformat(str(record[k])[:10])
        for k in ("inspection_start_date", "inspection_end_date")
        if record.get(k)
    ]


def year_of(record: dict, by_visit: bool) -> str:
    """The year a list shows beside a report: of the visit for "inspected", else of the report."""
    visit = record.get("inspection_start_date") if by_visit else None
    return str(visit or record.get("date") or "undated")[:4]


def pick(records: list[dict], moment: str) -> list[dict]:
    """The latest, previous or first of some inspections, oldest first."""
    if moment == "previous":
        return records[-2:-1]
    if moment == "first":
        return records[:1]
    return records[-1:]


def grades_phrase(grades: tuple[str, ...]) -> str:
    """'good or better': the grades a question asked about, as it would say them."""
    if set(grades) == {"outstanding", "good"}:
        return "good or better"
    if set(grades) == {"requires improvement", "inadequate"}:
        return "below good"
    return text.listed(grades, "or")
