"""What changed: the reports new since a date, and a digest whose every grade is its report's cover."""

from datetime import date

from bot.changes import digest, new_reports, news_of
from index.sync import Arrival


def _record(retriever, authority: str, year: str) -> dict:
    return next(
        r
        for r in retriever.records().values()
        if r.get("local_authority") == authority and (r["date"] or "").startswith(year)
    )


def test_new_means_published_since_or_added_by_sync_since(small_library):
    retriever = small_library.retriever
    published = [(n.record["local_authority"], n.record["date"]) for n in new_reports(retriever, date(2025, 1, 1), [])]
    assert published == [("North East Lincolnshire", "2025-09-03"), ("Lancashire", "2026-08-20")]
    old = _record(retriever, "St Helens", "2019")
    synced = Arrival(
        old["source"], "St Helens", old["date"], "Children's services inspection", "", "2026-12-01T06:00:00+00:00"
    )
    found = new_reports(retriever, date(2026, 11, 30), [synced])
    assert [(n.record["date"], n.arrived) for n in found] == [("2019-11-04", synced.arrived)]
    assert new_reports(retriever, date(2025, 1, 1), [], authority="st helens") == []


def test_a_digest_gives_grades_before_and_after_each_cited_to_the_cover_that_states_it(small_library):
    retriever = small_library.retriever
    brief = digest(retriever, news_of(retriever, _record(retriever, "St Helens", "2023")))
    assert brief.title == "New report: St Helens, ILACS inspection published 2023-09-04"
    (judgements, improvements, headlines) = brief.sections
    assert judgements.columns == ("Judgement", "Before (2019)", "Now (2023)")
    overall = next(b for b in judgements.bullets if b.cells[0] == "Overall effectiveness")
    assert overall.cells[1:] == ("inadequate", "good")
    now, before = overall.citations
    assert now.passage.date.startswith("2023") and before.passage.date.startswith("2019")
    assert "Good" in now.quote and "Inadequate" in before.quote  # the covers' own rows
    assert all(b.citations for section in brief.sections for b in section.bullets)
    assert improvements.bullets and all(b.citations[0].quote for b in improvements.bullets)
    for bullet in headlines.bullets:  # quoted exactly from the passage cited
        assert bullet.text in bullet.citations[0].passage.text
