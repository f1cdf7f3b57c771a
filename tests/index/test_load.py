import pytest

from index.errors import UnreadableDocument
from index.load import MediaType, find_documents, load, sniff
from tests.fixtures.library import LETTER, OFSTED

HTML_ERROR_PAGES = sorted(p for p in OFSTED.rglob("*.pdf") if p.read_bytes()[:5] != b"%PDF-")


def test_type_is_decided_by_content_not_extension():
    assert sniff(b"%PDF-1.7 ...") is MediaType.PDF
    assert sniff(b"\n<!DOCTYPE html><html>") is MediaType.HTML
    assert sniff("Plain words, ünïcode too".encode()) is MediaType.TEXT
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\x00") is None


def test_corpus_has_html_error_pages_saved_as_pdf():
    assert len(HTML_ERROR_PAGES) >= 3


@pytest.mark.parametrize("path", HTML_ERROR_PAGES, ids=lambda p: p.parent.name)
def test_html_error_page_is_refused_with_one_line_naming_the_file(path):
    with pytest.raises(UnreadableDocument) as err:
        load(path)
    message = str(err.value)
    assert str(path) in message and "error page" in message and "\n" not in message


def test_empty_broken_and_binary_files_are_refused(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    for name, reason in [("empty.pdf", "empty"), ("broken.pdf", "broken PDF"), ("image.txt", "not a PDF")]:
        with pytest.raises(UnreadableDocument, match=reason):
            load(tmp_path / name)


def test_pdf_pages_and_text_letter_load():
    report = load(OFSTED / "lancashire" / "2023-01-26-childrens-services-inspection.pdf")
    assert report.media_type is MediaType.PDF and len(report.pages) == 11
    letter = load(LETTER)
    assert letter.media_type is MediaType.TEXT and "Monitoring visit of Lancashire" in letter.pages[0]


def test_a_compound_hyphen_pdfium_marks_as_a_control_character_is_read_as_a_hyphen():
    report = load(OFSTED / "wakefield" / "2022-01-05-childrens-services-inspection.pdf")
    said = " ".join(report.pages)
    assert "\x02" not in said and "out-of-hours (OOH)" in said.replace("\n", " ")


def test_symbol_font_bullets_are_bullets():
    from index.clean import clean

    blocks = clean(load(OFSTED / "bracknell-forest" / "2017-07-14-childrens-services-inspection.pdf"))
    meals = [b for b in blocks if "primary schools is" in b.text]
    assert meals and all(b.kind == "bullet" for b in meals)
    assert not any(ord(ch) in range(0xF000, 0xF100) for b in blocks for ch in b.text)


def test_find_documents_recurses_and_skips_metadata(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.txt").write_text("x")
    (tmp_path / "a" / "metadata.csv").write_text("path\n")
    assert [p.name for p in find_documents([tmp_path])] == ["x.txt"]
    with pytest.raises(UnreadableDocument, match="no such file"):
        list(find_documents([tmp_path / "missing"]))


def test_a_news_page_saved_as_html_keeps_the_article_and_drops_the_page_furniture(tmp_path):
    article = [p.strip() for p in LETTER.read_text().split("\n\n") if len(p.strip()) > 120][:4]
    page = (
        "<!DOCTYPE html><html><head><title>Monitoring visit of Lancashire children's services</title></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/jobs'>Jobs at the council</a></li></ul></nav>"
        "<div class='cookie-banner'>We use cookies to improve this site. Accept all cookies</div>"
        "<main><article><h1>Monitoring visit of Lancashire children's services</h1>"
        + "".join(f"<p>{paragraph}</p>" for paragraph in article)
        + "</article></main><footer>Copyright The Council. Privacy notice. Contact us.</footer></body></html>"
    )
    (tmp_path / "news.html").write_text(page)
    loaded = load(tmp_path / "news.html")
    text = " ".join(loaded.pages)
    assert loaded.media_type is MediaType.HTML and loaded.html_title.startswith("Monitoring visit of Lancashire")
    assert all(paragraph.split()[-1] in text for paragraph in article)  # every paragraph, to its last word
    assert "Jobs at the council" not in text and "Accept all cookies" not in text and "Privacy notice" not in text
