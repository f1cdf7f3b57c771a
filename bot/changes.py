"""What changed: the reports that reached the library, and for each a digest of what it says.

A digest is what a manager following a council wants the morning a report lands: the judgements
before and after (each cited to its report's cover), the report's own "what needs to improve"
list, and a few of its headline findings quoted exactly. It is a `Briefing`, so every surface
renders it as it renders a brief.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.engine.brief_parts import Briefing, BriefSection, Bullet, TimelineEntry, findings, number_sources
from bot.engine.summary import reads_alone
from bot.evidence.citations import Citation, opening
from bot.records.improvements import improvement_bullets
from bot.records.lookup import cover_of, cover_quote
from index.authorities import authority_key
from index.report import JUDGEMENT_LABELS, is_primary
from index.retrieve import Retriever
from index.sync import Arrival


@dataclass
class NewReport:
    """A report new since a date, with the council's report before it."""

    record: dict
    previous: dict | None
    arrived: str | None  # when sync added it (UTC), if it came that way

    def as_json(self) -> dict:
        """For `--json`."""
        return {
            "authority": self.record.get("local_authority"),
            "kind": self.record.get("kind"),
            "date": self.record.get("date"),
            "source": self.record.get("source"),
            "url": self.record.get("url"),
            "arrived": self.arrived,
            "judgements": self.record.get("judgements") or {},
            "previous": None
            if self.previous is None
            else {"date": self.previous.get("date"), "judgements": self.previous.get("judgements") or {}},
        }


def new_reports(
    retriever: Retriever, since: date, arrived: list[Arrival], authority: str | None = None
) -> list[NewReport]:
    """Reports published on or after `since`, or added by sync since then; oldest first."""
    when = {a.source: a.arrived for a in arrived}
    records = sorted(retriever.records().values(), key=lambda r: (r.get("date") or "", r.get("source") or ""))
    wanted_key = authority_key(authority) if authority else None
    found = []
    for record in records:
        if not is_primary(record) or not record.get("local_authority"):
            continue
        if wanted_key and authority_key(record["local_authority"]) != wanted_key:
            continue
        arrival = when.get(record["source"])
        published = (record.get("date") or "") >= since.isoformat()
        if published or (arrival or "")[:10] >= since.isoformat():
            found.append(NewReport(record, _previous(records, record), arrival))
    return found


def news_of(retriever: Retriever, record: dict) -> NewReport:
    """One report as news: with the council's graded report before it."""
    records = sorted(retriever.records().values(), key=lambda r: (r.get("date") or "", r.get("source") or ""))
    return NewReport(record, _previous(records, record), None)


def _previous(records: list[dict], record: dict) -> dict | None:
    """The council's last graded report before this one: what "before" means in a digest."""
    key = authority_key(record["local_authority"])
    earlier = [
        r
        for r in records
        if is_primary(r)
        and r.get("judgements")
        and authority_key(r.get("local_authority") or "") == key
        and (r.get("date") or "") < (record.get("date") or "")
    ]
    return earlier[-1] if earlier else None


#: A headline opening on a contrast or an addition ("However, …", "Also …") answers a sentence not shown.
_CONTINUES = re.compile(r"^(?:however|but|although|also|further)\b", re.I)


def _headlines(retriever: Retriever, council: str, record: dict, each: int = 2) -> list[Bullet]:
    """A few of the report's own sentences, praise then concern, each one that reads alone."""
    chosen = []
    for positive in (True, False):
        found = findings(retriever, council, record, None, positive, each * 3)
        chosen += [b for b in found if reads_alone(b.text) and not _CONTINUES.match(b.text)][:each]
    return chosen


def _year(record: dict | None) -> str:
    return (record or {}).get("date", "")[:4] or "undated"


def _cover_citation(retriever: Retriever, record: dict, area: str) -> list[Citation]:
    cover = cover_of(retriever, record)
    return [Citation(0, cover, cover_quote(cover, [area]))] if cover is not None else []


def _judgements(retriever: Retriever, new: NewReport) -> BriefSection:
    """Each judgement area before and after, each grade cited to the cover that gives it."""
    now = new.record.get("judgements") or {}
    before = (new.previous or {}).get("judgements") or {}
    was = f"Before ({_year(new.previous)})" if new.previous else "Before"
    columns = ("Judgement", was, f"Now ({_year(new.record)})")
    section = BriefSection("Judgements, before and after", columns=columns)
    for area in [a for a in JUDGEMENT_LABELS if a in now or a in before]:
        citations = []
        if area in now:
            citations += _cover_citation(retriever, new.record, area)
        if area in before and new.previous is not None:
            citations += _cover_citation(retriever, new.previous, area)
        old, fresh = before.get(area, "—"), now.get(area, "not judged")
        section.bullets.append(
            Bullet(f"{JUDGEMENT_LABELS[area]}: {old} → {fresh}", citations, cells=(JUDGEMENT_LABELS[area], old, fresh))
        )
    if not now:
        passages = retriever.passages_of(new.record["report_id"])
        cites = [Citation(0, passages[0], opening(passages[0], 1))] if passages else []
        section.bullets.append(Bullet(f"This {new.record.get('kind')} gives no graded judgements.", cites))
    return section


def digest(retriever: Retriever, new: NewReport) -> Briefing:
    """The digest of one new report: judgements before and after, its list, its headline findings."""
    record = new.record
    council = record["local_authority"]
    improvements = [Bullet(item, [cited]) for item, cited in improvement_bullets(retriever, record, None)]
    headlines = _headlines(retriever, council, record)
    sections = [
        _judgements(retriever, new),
        BriefSection("What Ofsted asked to improve", improvements),
        BriefSection("Headline findings", headlines),
    ]
    timeline = [TimelineEntry.of(r) for r in (new.previous, record) if r is not None]
    notes = [] if new.previous else [f"The library holds no earlier inspection of {council} to compare with."]
    return Briefing(
        council,
        None,
        datetime.now(UTC).isoformat(timespec="seconds"),
        timeline,
        sections,
        number_sources(sections),
        notes,
        title=f"New report: {council}, {record.get('kind')} published {record.get('date') or 'undated'}",
    )
