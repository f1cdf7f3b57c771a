"""Briefs over the small real library, without the model (the model's part is the answer engine's)."""

import json
import re
import zipfile

import pytest

from bot.engine.brief import build_brief
from bot.render import document
from index.errors import UnknownAuthority
from tests.fixtures.library import briefing


def _brief(library, authority, topic=None):
    return build_brief(library.retriever, library.store.reports(), authority, topic)


def test_lancashire_brief_timeline_and_citations(small_library):
    brief = _brief(small_library, "Lancashire")
    inspections = [
        (t.date[:4], t.judgements.get("overall_effectiveness"))
        for t in brief.timeline
        if t.kind in ("single inspection", "ILACS inspection")
    ]
    # Reports are dated by publication (the 2023 one was inspected in late 2022).
    assert inspections == [("2015", "inadequate"), ("2018", "requires improvement"), ("2023", "good"), ("2026", None)]
    titles = [s.title for s in brief.sections]
    assert titles == [
        "At a glance", "How it compares", "Strengths", "Concerns", "What Ofsted asked to improve", "Questions to ask"
    ]  # fmt: skip
    for section in brief.sections:
        assert section.bullets, section.title
        for bullet in section.bullets:
            if "no graded inspection in the library" in bullet.cells or bullet.text.startswith("None of"):
                assert not bullet.citations  # a council the library lacks has nothing to cite, and says so
                continue
            assert bullet.citations, bullet.text
            for c in bullet.citations:
                assert c.quote and all(part in c.passage.text.replace("• ", "") for part in c.quote.split(" … "))
    improve = next(s for s in brief.sections if s.title == "What Ofsted asked to improve")
    assert any("young carers" in b.text for b in improve.bullets)


def test_at_a_glance_quotes_the_summary_the_latest_report_opens_with(small_library):
    brief = _brief(small_library, "Lancashire")
    glance = next(s for s in brief.sections if s.title == "At a glance")
    (headline,) = [b for b in glance.bullets if b.text.startswith("The report's summary opens:")]
    (cited,) = headline.citations
    assert cited.passage.date.startswith("2026") and cited.passage.page == 1
    assert cited.quote in headline.text and cited.quote in cited.passage.text
    assert not re.search(r"\b(?:Good|Outstanding|Inadequate)\b", cited.quote)  # the summary, not the table's rows


def test_strengths_and_concerns_lead_with_the_reports_own_summary_verdicts(small_library):
    from bot.engine.brief_parts import findings
    from bot.engine.summary import HEADLINE_SENTENCES, ROW_TEXT, summary_of

    retriever = small_library.retriever
    report = next(r for r in retriever.reports_on("St Helens") if (r.get("date") or "").startswith("2019"))
    summary = [s for _, s in summary_of(retriever.passages_of(report["report_id"]))]
    concerns = findings(retriever, "St Helens", report, None, False, 4)
    # The inspectors' verdicts after what "at a glance" quotes, each reading alone ("This has led…" does not).
    assert concerns[0].text in summary[HEADLINE_SENTENCES:]
    assert not any(b.text.startswith(("This ", "They ", "These ")) for b in concerns)
    assert not any(b.text in summary[:HEADLINE_SENTENCES] for b in concerns)
    assert len({b.text for b in concerns}) == len(concerns)
    # No bullet is the judgement table run on into the summary's first sentence.
    assert not any(ROW_TEXT.search(b.text) for b in concerns + findings(retriever, "St Helens", report, None, True, 4))


def test_topic_narrows_the_brief(small_library):
    brief = _brief(small_library, "Lancashire", "young carers")
    improve = next(s for s in brief.sections if s.title == "What Ofsted asked to improve")
    assert [b for b in improve.bullets if "young carers" in b.text] == improve.bullets


def test_unknown_authority_lists_nearest_names(small_library):
    with pytest.raises(UnknownAuthority, match="Lancashire"):
        _brief(small_library, "Lancashir")


def test_markdown_json_and_docx(small_library, tmp_path):
    brief = _brief(small_library, "St Helens")
    md = document.markdown(brief)
    assert md.startswith("# Briefing: St Helens") and "## Sources" in md
    payload = brief.as_json()
    assert {"authority", "topic", "generated_at", "timeline", "sections", "sources"} <= set(payload)
    json.dumps(payload)
    path = document.docx(brief, tmp_path / "brief.docx")
    with zipfile.ZipFile(path) as docx:
        xml = docx.read("word/document.xml").decode()
    assert "St Helens" in xml and "Sources" in xml


def test_brief_cli_json(small_library_dir):
    out = briefing(
        "brief", "Lancashire", "--no-llm", "--format", "json", env={"BRIEFING_DATA_DIR": str(small_library_dir)}
    )
    payload = json.loads(out)
    assert payload["authority"] == "Lancashire" and len(payload["timeline"]) >= 4


def test_news_only_authority_gets_a_brief_that_says_so(small_library, tmp_path):
    from index.ingest import ingest
    from tests.fixtures.library import SEEDS

    page = tmp_path / "news.txt"
    page.write_text((SEEDS / "003_c51d486b98f2551b.txt").read_text().replace("St Helens", "Wigan"))
    ingest([page], small_library.store, small_library.embedder)
    brief = _brief(small_library, "Wigan")
    assert any("only news coverage" in note for note in brief.notes)
    glance = brief.sections[0]
    assert glance.bullets and all(b.citations for b in glance.bullets)


def test_brief_request_reads_authority_and_topic():
    from bot.engine.brief import brief_request

    held = ["Lancashire", "North East Lincolnshire", "St Helens"]
    assert brief_request(" NE Lincs front door", held) == ("North East Lincolnshire", "front door")
    assert brief_request("Lancashire's care leavers", held) == ("Lancashire", "care leavers")
    assert brief_request("St Helens", held) == ("St Helens", None)
    assert brief_request("Lancashir", held) == ("Lancashir", None)  # build_brief then suggests the nearest name


def test_how_it_compares_sets_the_authority_beside_its_neighbours_and_region(small_library, tmp_path):
    brief = _brief(small_library, "St Helens")
    compares = next(s for s in brief.sections if s.title == "How it compares")
    rows = {row.cells[0]: row.cells for row in compares.rows}
    assert rows["St Helens"][1:4] == ("—", "ILACS inspection, published September 2023", "good")
    assert rows["Halton"][1:3] == ("statistical neighbour", "no graded inspection in the library")
    assert rows["Lancashire"][1] == "North West" and rows["Lancashire"][3] == "—"  # 2026: no overall grade
    assert len(compares.rows) == 1 + 10 + 19  # itself, ten neighbours (four in the North West), the rest of the region
    assert any(p.text.startswith("None of St Helens' 10 statistical neighbours has a graded") for p in compares.points)
    md = document.markdown(brief)
    assert "| Authority | Compared as | Latest graded inspection | Overall | Leaders |" in md
    assert "| St Helens | — | ILACS inspection, published September 2023 [" in md
    path = document.docx(brief, tmp_path / "brief.docx")
    with zipfile.ZipFile(path) as docx:
        xml = docx.read("word/document.xml").decode()
        media = [n for n in docx.namelist() if n.startswith("word/media/")]
    assert "How it compares" in xml and "8FD19E" in xml  # the grid, its good cells shaded
    assert media, "the chart of judgements over time is embedded"


def test_a_topic_across_statistical_neighbours(small_library):
    from bot.engine.brief_compare import neighbours_brief

    brief = neighbours_brief(small_library.retriever, "Sefton", "care leavers")
    assert brief.authority == "Sefton" and brief.sections[0].title == "How it compares"
    titles = [s.title for s in brief.sections[1:]]
    assert titles == [
        "Lancashire (ILACS inspection, published August 2026, statistical neighbour)",
        "St Helens (ILACS inspection, published September 2023, statistical neighbour)",
    ]
    assert any("no report on Wirral" in n for n in brief.notes)
    for section in brief.sections[1:]:
        assert section.bullets
        for bullet in section.bullets:
            assert "care" in bullet.text.lower() or "leaver" in bullet.text.lower()
            assert all(c.quote in c.passage.text for c in bullet.citations)
    quotes: dict[int, set[str]] = {}
    for section in brief.sections:
        for bullet in section.bullets:
            for c in bullet.citations:
                quotes.setdefault(c.n, set()).add(c.quote)
    assert all(len(q) == 1 for q in quotes.values()), "one number, one quote"
    with pytest.raises(UnknownAuthority, match="Narnia"):
        neighbours_brief(small_library.retriever, "Narnia", None)


def test_a_docx_with_control_characters_in_its_topic_is_written(small_library, tmp_path):
    brief = _brief(small_library, "St Helens", "care\x07 leavers")
    path = document.docx(brief, tmp_path / "brief.docx")
    with zipfile.ZipFile(path) as docx:
        assert "Briefing: St Helens — care leavers" in docx.read("word/document.xml").decode()


def test_a_brief_s_topic_is_weighed_by_how_rare_its_words_are_in_the_report():
    from bot.engine.brief_parts import _topic_test
    from index import text
    from tests.fixtures.passages import passage

    report = [
        passage(
            "Multi-agency partners attend strategy meetings. Multi-agency plans are reviewed. Multi-agency audits help."
        ),
        passage("Contacts at the front door are screened promptly by qualified social workers."),
    ]
    on_topic = _topic_test("multi-agency front door", report)
    assert on_topic(text.content_words("Contacts at the front door are screened promptly."))
    assert not on_topic(text.content_words("Multi-agency partners attend strategy meetings."))
    assert _topic_test(None, report)(text.content_words("anything at all"))
    # What the reports call it is on the topic too, said whole ("MASH" for the front door).
    assert on_topic(text.content_words("The MASH screens contacts within a day."))
    listed = _topic_test("front door and audits", report)  # a topic that lists things is on any of them
    assert listed(text.content_words("Multi-agency audits help.")) and not listed(
        text.content_words("Plans are reviewed.")
    )
