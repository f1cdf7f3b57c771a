from index.chunk import count_tokens, passages
from index.ingest import apply_sidecar
from index.load import load
from index.text import squeeze
from index.understand import read_report
from tests.fixtures.library import LETTER, OFSTED


def test_passages_respect_sections_budget_and_carry_context():
    report = read_report(OFSTED / "st-helens" / "2023-09-04-childrens-services-inspection.pdf")
    found = passages(report, max_tokens=220)
    assert len(found) > 40
    for p in found:
        assert count_tokens(p.text) <= 220
        assert p.header.startswith("St Helens | ILACS inspection")
        assert p.page >= 1
    by_number = [p for p in found if p.paragraph]
    assert by_number and all(p.section for p in by_number)
    sections = {p.section for p in found}
    assert len(sections) >= 4


def test_cover_passage_is_the_reports_own_words():
    source = OFSTED / "st-helens" / "2023-09-04-childrens-services-inspection.pdf"
    report = read_report(source)
    cover = passages(report)[0]
    assert cover.section == "Judgements" and cover.page == 1
    assert "Lead inspector: Russel Breyer" in cover.text
    assert "The experiences and progress of care leavers Outstanding" in cover.text.splitlines()
    front = squeeze(" ".join(load(source).pages[:2]))
    for line in cover.text.splitlines():
        assert squeeze(line) in front, line  # every line stands in the PDF as printed


def test_facts_only_the_metadata_gives_are_labelled_not_quoted():
    report = read_report(OFSTED / "st-helens" / "2023-09-04-childrens-services-inspection.pdf")
    report.judgements.pop("care_leavers")
    report = apply_sidecar(report, {"care_leavers": "outstanding"})
    cover, metadata = passages(report)[:2]
    assert metadata.from_metadata and not cover.from_metadata
    assert metadata.section == "Ofsted's published metadata" and "care leavers: outstanding" in metadata.text


def test_ids_are_stable_and_change_with_content():
    report = read_report(LETTER)
    first = [p.id for p in passages(report)]
    assert first == [p.id for p in passages(read_report(LETTER))]
    assert len(set(first)) == len(first)
    report.paragraphs[3].text += " Changed."
    assert [p.id for p in passages(report)] != first
