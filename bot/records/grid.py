"""The comparison grid: a council's latest judgements beside its statistical neighbours' and region's.

The same rows feed the "How it compares" part of a brief, `briefing library --compare`, the REPL's
/compare and Slack's /compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.records.lookup import GRADE_ORDER, JOINT, area_label, grade_in, graded_reports
from index.authorities import lookup, neighbours_of, register
from index.retrieve import Retriever

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
        return grade if used == area else f"{grade} ({JOINT.get(used, 'as ' + area_label(used))})"

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
