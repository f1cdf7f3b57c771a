"""Briefs over the small real library, without the model (the model's part is the answer engine's)."""

import json
import zipfile

import pytest

from bot.brief import build_brief
from bot.render import document
from index.errors import UnknownAuthority
from tests.conftest import briefing


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
    assert titles == ["At a glance", "Strengths", "Concerns", "What Ofsted asked to improve", "Questions to ask"]
    for section in brief.sections:
        assert section.bullets, section.title
        for bullet in section.bullets:
            assert bullet.citations, bullet.text
            for c in bullet.citations:
                assert c.quote and c.quote in c.passage.text.replace("• ", "")
    improve = next(s for s in brief.sections if s.title == "What Ofsted asked to improve")
    assert any("young carers" in b.text for b in improve.bullets)


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
    from tests.conftest import SEEDS

    page = tmp_path / "news.txt"
    page.write_text((SEEDS / "003_c51d486b98f2551b.txt").read_text().replace("St Helens", "Wigan"))
    ingest([page], small_library.store, small_library.embedder)
    brief = _brief(small_library, "Wigan")
    assert any("only news coverage" in note for note in brief.notes)
    glance = brief.sections[0]
    assert glance.bullets and all(b.citations for b in glance.bullets)


def test_brief_request_reads_authority_and_topic():
    from bot.brief import brief_request

    held = ["Lancashire", "North East Lincolnshire", "St Helens"]
    assert brief_request(" NE Lincs front door", held) == ("North East Lincolnshire", "front door")
    assert brief_request("Lancashire's care leavers", held) == ("Lancashire", "care leavers")
    assert brief_request("St Helens", held) == ("St Helens", None)
    assert brief_request("Lancashir", held) == ("Lancashir", None)  # build_brief then suggests the nearest name
