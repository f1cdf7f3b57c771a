"""A report's own summary, read from real reports: the verdict a change or a comparison side quotes."""

from __future__ import annotations

from bot.engine.summary import ROW_TEXT, side_summary, summary_of
from bot.evidence.claims import improvement_section


def _report(retriever, authority: str, year: str) -> dict:
    return next(r for r in retriever.reports_on(authority) if (r.get("date") or "").startswith(year))


def _verbatim(passage, sentence: str) -> bool:
    return sentence in " ".join(passage.text.split())


def test_a_reports_summary_is_what_follows_its_judgement_table_up_to_its_numbered_findings(small_library):
    retriever = small_library.retriever
    report = _report(retriever, "St Helens", "2023")
    summary = summary_of(retriever.passages_of(report["report_id"]))
    assert summary[0][1].startswith("Since a judgement of inadequate for overall effectiveness")
    assert len(summary) >= 5
    assert all(_verbatim(p, s) for p, s in summary)
    # Not the table's rows, not "What needs to improve?", not the numbered findings after it.
    assert not any(p.paragraph or improvement_section(p.section) or ROW_TEXT.search(s) for p, s in summary)


def test_an_older_reports_summary_of_findings_is_read_under_its_own_headings(small_library):
    retriever = small_library.retriever
    report = _report(retriever, "St Helens", "2015")
    sentences = [s for _, s in summary_of(retriever.passages_of(report["report_id"]))]
    # Bullets under "Help and protection", "Leadership and management" on the summary's page, bullet marks gone.
    assert "Domestic violence services for children and their families are underdeveloped." in sentences
    assert any(s.startswith("Early help services do not support some children") for s in sentences)
    # The recommendations that follow it are what Ofsted asked for, not its summary.
    assert not any(s.startswith("Ensure") for s in sentences)


def test_a_side_gets_its_reports_summary_verdict_on_the_topic_once(small_library):
    retriever = small_library.retriever
    report = _report(retriever, "North East Lincolnshire", "2025")["report_id"]
    topic = "workforce stability"
    line, citation = side_summary(retriever, report, topic, topic, [], 4)
    assert line.startswith("The September 2025 report's summary: “") and line.endswith("” [4]")
    assert "workforce" in citation.quote and _verbatim(citation.passage, citation.quote)
    assert citation.n == 4 and citation.passage.report_id == report
    # Said already by the side (its sentence or the passage words it cites): not quoted again.
    assert side_summary(retriever, report, topic, topic, [citation.quote], 4) is None


def test_a_summary_that_does_not_speak_of_the_topic_gives_nothing(small_library):
    retriever = small_library.retriever
    report = _report(retriever, "North East Lincolnshire", "2025")["report_id"]
    # Words every report holds name no topic to look for.
    assert side_summary(retriever, report, "children's services", "children's services", [], 1) is None
    # A topic the summary never mentions.
    topic = "unregistered children's homes"
    assert side_summary(retriever, report, topic, topic, [], 1) is None
    # "These strengthened relationships…" leans on the sentence before it: it is not quoted alone.
    leaning = side_summary(retriever, report, "agency partnerships", "agency partnerships", [], 1)
    assert leaning is None or not leaning[1].quote.startswith(("These", "This", "They"))
    # A news article has no summary of this kind.
    news = next(r for r in retriever.reports_on("Lancashire") if not r.get("date"))
    assert summary_of(retriever.passages_of(news["report_id"])) == []


def test_a_topic_for_a_group_needs_a_sentence_on_both_the_thing_and_the_group(small_library):
    retriever = small_library.retriever
    report = _report(retriever, "Lancashire", "2026")["report_id"]
    topic = "foster homes for children in care"
    line, citation = side_summary(retriever, report, topic, topic, [], 2)
    assert "foster homes" in citation.quote and "children in care" in citation.quote
    # The same sentence says nothing of foster homes for care leavers.
    topic = "foster homes for care leavers"
    assert side_summary(retriever, report, topic, topic, [], 2) is None
