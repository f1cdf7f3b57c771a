"""What we know about one document in the library, in the words managers use."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class ReportKind(StrEnum):
    """The kinds of document the library holds; inspections outrank news about them."""

    ILACS = "ILACS inspection"
    SINGLE_INSPECTION = "single inspection"
    MONITORING_VISIT = "monitoring visit"
    FOCUSED_VISIT = "focused visit"
    NEWS = "news article"
    OTHER = "other"

    @property
    def is_primary(self) -> bool:
        """Ofsted's own words, as opposed to someone reporting them."""
        return self not in (ReportKind.NEWS, ReportKind.OTHER)


def is_primary(record: dict) -> bool:
    """Whether a report record (as stored) is Ofsted's own words: the rule of `ReportKind.is_primary`."""
    return record.get("kind") not in (ReportKind.NEWS, ReportKind.OTHER)


class Grade(StrEnum):
    """Ofsted's four-point scale."""

    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires improvement"
    INADEQUATE = "inadequate"


#: Judgement names as they appear in `Report.judgements`, in the order a reader expects them.
JUDGEMENT_NAMES = (
    "overall_effectiveness",
    "impact_of_leaders",
    "help_and_protection",
    "children_in_care",
    "care_leavers",
    "children_in_care_and_care_leavers",
    "adoption_performance",
    "leadership_management_governance",
)
#: The area name of the review of the Local Safeguarding Children Board (`Report.safeguarding_board`).
SAFEGUARDING_BOARD = "safeguarding_board"
#: How a reader names each judgement.
JUDGEMENT_LABELS = {
    "overall_effectiveness": "Overall effectiveness",
    "impact_of_leaders": "Impact of leaders",
    "help_and_protection": "Help and protection",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
    "children_in_care_and_care_leavers": "Children in care and care leavers",
    "adoption_performance": "Adoption performance",
    "leadership_management_governance": "Leadership, management and governance",
    SAFEGUARDING_BOARD: "Local Safeguarding Children Board",
}


class Paragraph(BaseModel):
    """A paragraph as a citation points at it: number (if the report numbers it) and page."""

    number: int | None = None
    page: int
    section: str = ""
    text: str
    bullet: bool = False


class Section(BaseModel):
    """A heading of the report and where it starts."""

    title: str
    page: int
    paragraphs: list[int] = Field(default_factory=list)


class Report(BaseModel):
    """One document, understood: who, when, what kind, what was judged, what it says where."""

    source: str
    kind: ReportKind = ReportKind.OTHER
    title: str = ""
    local_authority: str | None = None  # canonical (index/reference), so one council is one place
    authority_as_written: str | None = None  # the report's own wording ("Council of the Isles of Scilly")
    publication_date: date | None = None
    inspection_start_date: date | None = None
    inspection_end_date: date | None = None
    lead_inspector: str | None = None
    inspectors: list[str] = Field(default_factory=list)
    judgements: dict[str, Grade] = Field(default_factory=dict)
    #: The single inspection's separate review of the Local Safeguarding Children Board: not a judgement
    #: of the council's own services, so kept out of `judgements` ("good in every area" never counts it).
    safeguarding_board: Grade | None = None
    improvements: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    paragraphs: list[Paragraph] = Field(default_factory=list)
    url: str | None = None
    #: How Ofsted lists it: the provider's URN and the publication's title ("Children's services inspection").
    urn: str | None = None
    listed_as: str | None = None
    pages: int = 0
    #: The cover's own words (dates, lead inspector, judgement rows), verbatim, for citing them.
    cover_lines: list[str] = Field(default_factory=list)
    #: Facts filled from Ofsted's published metadata rather than read in the text.
    from_metadata: list[str] = Field(default_factory=list)

    @property
    def dated(self) -> date | None:
        """The date a reader should attach to this report's findings."""
        return self.publication_date or self.inspection_end_date or self.inspection_start_date
