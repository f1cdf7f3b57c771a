import pytest

from index.clean import clean
from index.load import load
from tests.fixtures.library import OFSTED, SEEDS

NEWS_PAGES = [p for p in sorted(SEEDS.iterdir()) if not p.name.startswith("001_")]
CHROME = [
    "WillisPalmer launches",
    "Remote Assessment Service",
    "Read Full Story",
    "Read more",
    "Make an Enquiry",
    "Knowledge & Resources",
    "Youth Offending",
    "More court days",
    "children’s homes registered",
    "Subscribe Today",
    "Parkside",
    "Mackman",
    "linkedin",
]


@pytest.mark.parametrize("page", NEWS_PAGES, ids=lambda p: p.name[:3])
def test_news_pages_keep_the_article_and_lose_the_site(page):
    text = "\n".join(b.text for b in clean(load(page)))
    for chrome in CHROME:
        assert chrome not in text, chrome
    assert "Ofsted" in text and len(text.split()) > 150


def test_pdf_running_headers_and_page_numbers_are_removed_and_paragraphs_rejoined():
    blocks = clean(load(OFSTED / "lancashire" / "2023-01-26-childrens-services-inspection.pdf"))
    text = [b.text for b in blocks]
    assert not any(t.startswith("Inspection of Lancashire local authority children’s services 28") for t in text)
    numbered = [int(t.split(".")[0]) for t in text if t[:1].isdigit() and t.split(".")[0].isdigit()]
    assert numbered[:10] == list(range(1, 11))
    para4 = next(t for t in text if t.startswith("4. "))
    # paragraph 4 runs over a page break and must come back whole
    assert "the circumstances of siblings" in para4 and "\n" not in para4


def test_bullets_stay_separate_items():
    blocks = clean(load(OFSTED / "lancashire" / "2023-01-26-childrens-services-inspection.pdf"))
    bullets = [b for b in blocks if b.kind == "bullet"]
    assert len(bullets) >= 4
    assert any("return home interviews" in b.text for b in bullets)


@pytest.mark.parametrize(
    ("report", "heading"),
    [
        # The improvement list's last bullet is still open when the wrapped graded heading starts.
        ("suffolk/2024-08-21", "The experiences and progress of children who need help and protection: requires"),
        # 2018–19 reports: "is outstanding", "requires improvement" without a colon.
        ("bexley/2018-08-20", "The experiences and progress of children who need help and protection is outstanding"),
        ("kirklees/2019-08-05", "The experiences and progress of children who need help and protection requires"),
    ],
)
def test_the_graded_heading_after_the_improvement_list_starts_its_own_section(report, heading):
    council, date = report.split("/")
    path = next((OFSTED / council).glob(f"{date}*.pdf"))
    blocks = clean(load(path))
    at = next(i for i, b in enumerate(blocks) if b.kind == "heading" and b.text.startswith(heading))
    improve = next(
        i for i, b in enumerate(blocks) if b.kind == "heading" and b.text.startswith("What needs to improve")
    )
    assert improve < at
    listed = blocks[improve + 1 : at]
    assert listed and not any(heading[:40] in b.text for b in listed)  # the heading is not glued to the last item
    assert blocks[at + 1].text.startswith("1. ")
