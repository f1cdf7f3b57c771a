"""Stage 2, clean: turn raw page text into the blocks a reader sees.

PDFs lose their running headers, footers and page numbers and get their wrapped lines re-joined
into paragraphs; news pages lose the site around the article (banners, navigation, "read more"
links, teasers about other stories, footers). Numbered paragraphs and bullets stay intact.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from index.load import MediaType, RawDocument


@dataclass
class Block:
    """A paragraph, bullet or heading, with the page it starts on."""

    page: int
    text: str
    kind: str = "paragraph"  # paragraph | bullet | heading


_NUMBERED = re.compile(r"^(\d{1,3})\.\s+\S")
#: Bullets as printed, Symbol and Wingdings glyphs included (private-use characters in PDFium's text).
_SYMBOL_BULLETS = "\uf0b7\uf0a7\uf06e\uf0be\uf02d\uf076\uf0d8\uf0fc"
_BULLET = re.compile(rf"^\s*([◼•▪■●◾➢►{_SYMBOL_BULLETS}]|-\s|–\s|\*\s)\s*")
_SENTENCE_END = re.compile(r"[.?!:;)\"”’]\s*$")
#: A judgement area's heading with its grade: "…help and protection: good", and in 2018–19 reports also
#: "…protection is outstanding", "…protection requires improvement" (Ofsted's area names only), "…: good.".
_AREA_HEADING = re.compile(r"^(?:the experiences and progress of|the impact of leaders|overall effectiveness)\b", re.I)
_GRADE_HEADING = re.compile(
    rf"(?::\s*|{_AREA_HEADING.pattern}.*\s(?:(?:is|are)\s+)?)"
    r"(outstanding|good|requires improvement( to be good)?|inadequate)\.?\s*$",
    re.I,
)
_EDGE_LINES = 3
# Headings Ofsted uses in every framework; seen on a line of their own they always start a section.
_KNOWN_HEADING = re.compile(
    r"^(what needs to improve( in this area of social work practice)?\??\d*|recommendations|executive summary|"
    r"summary for children and young people|information about this (inspection|local authority)|"
    r"areas covered by the visit|overview|findings and evaluation of progress|contents)$",
    re.I,
)


def clean(raw: RawDocument) -> list[Block]:
    """The document's blocks, in reading order, without furniture or site chrome."""
    if raw.media_type is MediaType.PDF:
        return _clean_pdf(raw.pages)
    return _clean_article(raw.pages[0])


# --- PDFs -------------------------------------------------------------------------------------


def _signature(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def running_lines(pages: list[list[str]]) -> set[str]:
    """Signatures of lines that repeat at the top or bottom of many pages (headers, footers)."""
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = {_signature(line) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:] if line.strip()}
        counts.update(edge)
    threshold = max(3, int(len(pages) * 0.4))
    return {sig for sig, n in counts.items() if n >= threshold}


def strip_furniture(pages: list[str]) -> list[list[str]]:
    """Each page's lines less running headers, footers and bare page numbers."""
    split = [[line.rstrip("\n") for line in page.split("\n")] for page in pages]
    running = running_lines(split) if len(split) >= 3 else set()
    cleaned = []
    for lines in split:
        keep = []
        last = len(lines) - 1
        for i, line in enumerate(lines):
            at_edge = i < _EDGE_LINES or i > last - _EDGE_LINES
            stripped = line.strip()
            if not stripped:
                continue
            if at_edge and (
                _signature(line) in running or re.fullmatch(r"(page\s*)?\d{1,3}(\s*of\s*\d+)?", stripped, re.I)
            ):
                continue
            keep.append(line)
        cleaned.append(_drop_footnotes(keep))
    return cleaned


_FOOTNOTE = re.compile(r"^\d{1,2} [A-Z][a-z]")


def _drop_footnotes(lines: list[str]) -> list[str]:
    """Footnotes ('1 The areas for improvement have been…') sit below the text at the page's end."""
    for i in range(len(lines) - 1, max(len(lines) - 8, 0) - 1, -1):
        if _FOOTNOTE.match(lines[i].strip()) and i > len(lines) // 2:
            return lines[:i]
    return lines


def _clean_pdf(pages: list[str]) -> list[Block]:
    page_lines = strip_furniture(pages)
    widths = sorted(len(line.strip()) for lines in page_lines for line in lines)
    full = widths[int(len(widths) * 0.9)] if widths else 80
    blocks: list[Block] = []
    open_block: Block | None = None  # a paragraph still being written, possibly across pages

    def close() -> None:
        nonlocal open_block
        if open_block is not None:
            open_block.text = _tidy(open_block.text)
            if open_block.text:
                blocks.append(open_block)
        open_block = None

    for page_no, lines in enumerate(page_lines, start=1):
        i = 0
        while i < len(lines):
            line = lines[i]
            text = line.strip()
            nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
            starts_item = bool(_NUMBERED.match(text) or _BULLET.match(text))
            heading, used = (None, 0) if starts_item else _heading_at(text, nxt, open_block, full)
            if heading is not None:
                close()
                blocks.append(Block(page_no, _tidy(heading), "heading"))
                i += used
                continue
            if starts_item:
                close()
                kind = "bullet" if _BULLET.match(text) and not _NUMBERED.match(text) else "paragraph"
                open_block = Block(page_no, text, kind)
            elif open_block is None and _looks_like_heading(text, full):
                blocks.append(Block(page_no, _tidy(text), "heading"))
                i += 1
                continue
            elif open_block is None:
                open_block = Block(page_no, text)
            else:
                open_block.text = _join(open_block.text, text)
            if _ends_paragraph(line, full):
                close()
            i += 1
    close()
    return blocks


#: Contact details (an email, a web address, a phone number, a postcode): letterheads and footers,
#: never a heading.
_CONTACT = re.compile(
    r"\S@\S+\.\w|\bwww\.|https?://|(?:^|\s)(?:\+44 ?|0)\d{2,4}(?: \d{3,4}){1,2}\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b"
)


def _is_letterhead(text: str) -> bool:
    """A short block of contact details with no sentence in it: the sender's address, phone, email."""
    return bool(_CONTACT.search(text)) and not _SENTENCE_END.search(text) and len(text.split()) <= 12


def _heading_at(text: str, nxt: str, open_block: Block | None, full: int) -> tuple[str | None, int]:
    """A heading starting on this line (not a list item), and how many lines it takes; (None, 0) if none.

    A list's last item may end on a line pdfium kept a trailing space on, so it reads as still open; a
    capitalised line after its full stop can still be the next section's graded heading. Headings with
    a grade ("... help and protection: good") often wrap onto two lines.
    """
    after_stop = (
        open_block is not None
        and text[:1].isupper()
        and (
            bool(_SENTENCE_END.search(open_block.text))
            or (open_block.kind == "bullet" and bool(_AREA_HEADING.match(text)))
        )
    )
    if after_stop and _GRADE_HEADING.search(text):
        return text, 1
    if open_block is None or open_block.kind == "heading" or after_stop:
        joined = f"{text} {nxt}"
        if not _GRADE_HEADING.search(text) and _GRADE_HEADING.search(joined) and len(joined) < 2 * full:
            return joined, 2
    return (text, 1) if _KNOWN_HEADING.match(text) else (None, 0)


def _looks_like_heading(text: str, full: int) -> bool:
    if _SENTENCE_END.search(text) and not text.endswith("?"):
        return False
    if _CONTACT.search(text):
        return False
    if _GRADE_HEADING.search(text):
        return True
    words = text.split()
    return 0 < len(words) <= 12 and len(text) < 0.7 * full and text[:1].isupper() and not text.endswith(",")


def _ends_paragraph(line: str, full: int) -> bool:
    text = line.strip()
    if not _SENTENCE_END.search(text):
        return False
    # pdfium keeps the trailing space of a line that wraps; a paragraph's last line has none.
    return not line.endswith(" ") or len(text) < 0.6 * full


def _join(left: str, right: str) -> str:
    if left.endswith("-") and not left.endswith(" -") and right[:1].islower():
        return left[:-1] + right
    return f"{left} {right}"


def _tidy(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\ufffe", "").replace("\u2002", " ")
    text = re.sub(f"[{_SYMBOL_BULLETS}]", "•", text)  # a bullet glyph left inside a line: one a reader can see
    return re.sub(r"\s+", " ", text).strip()


# --- News pages and plain text --------------------------------------------------------------

_CHROME_LINE = re.compile(
    r"^(read (more|full story|the full (story|article))|make an enquiry|contact us|subscribe( today)?|"
    r"share( this)?( article)?|tweet|print|back to top|sign up|log ?in|register|menu|search|"
    r"knowledge (&|and) resources|related (articles|stories|news)|more news|latest news|you may also like|"
    r"keep abreast of the latest news.*)$",
    re.I,
)
_TEASER_HEADING = re.compile(
    r"^(knowledge (&|and) resources|related (articles|stories|news|content)|more news|latest news|"
    r"you may also like|more from|recommended|popular stories)\b",
    re.I,
)
_LINK_MARKER = re.compile(r"^(read (more|full story|the full (story|article)))$", re.I)
_FOOTER_HINT = re.compile(
    r"(\bcontact us\b|\btel[:.]|\bwebsite design\b|©|copyright|all rights reserved|privacy policy|"
    r"cookie|\b[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}\b|facebook|linkedin|twitter|instagram)",
    re.I,
)


def _clean_article(text: str) -> list[Block]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = _drop_banner(lines)
    lines = _drop_teasers(lines)
    paragraphs = _paragraphs(lines)
    paragraphs = _drop_trailing_chrome(paragraphs)
    blocks = []
    for para in paragraphs:
        tidy = _tidy(para)
        if not tidy or _CHROME_LINE.match(tidy) or _is_letterhead(tidy):
            continue
        if _BULLET.match(para):
            kind = "bullet"
        elif _looks_like_heading(tidy, 200):
            kind = "heading"
        else:
            kind = "paragraph"
        blocks.append(Block(1, tidy, kind))
    return blocks


def _drop_banner(lines: list[str]) -> list[str]:
    """A promo above the article ends in a cluster of link lines near the top: drop through it."""
    last_chrome = -1
    for i, line in enumerate(lines[:25]):
        if line.strip() and _CHROME_LINE.match(line.strip()):
            last_chrome = i
    return lines[last_chrome + 1 :]


def _drop_teasers(lines: list[str]) -> list[str]:
    """Cut at a related-stories heading, and drop any story stub that ends in a 'read more' link."""
    for i, line in enumerate(lines):
        if _TEASER_HEADING.match(line.strip()):
            lines = lines[:i]
            break
    out: list[str] = []
    for line in lines:
        if _LINK_MARKER.match(line.strip()):
            # Remove the stub before the link: back to the previous blank-line-separated title.
            while out and not out[-1].strip():
                out.pop()
            cut = len(out)
            blanks = 0
            while cut > 0 and blanks < 4:
                cut -= 1
                if not out[cut].strip():
                    blanks += 1
            del out[cut:]
            continue
        out.append(line)
    return out


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if _BULLET.match(stripped) and current:
            paragraphs.append(" ".join(current))
            current = []
        current.append(stripped)
        if _BULLET.match(stripped):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _drop_trailing_chrome(paragraphs: list[str]) -> list[str]:
    """Footers and tag lists after the article: lines that are not sentences, or site boilerplate."""
    end = len(paragraphs)
    while end > 0:
        para = paragraphs[end - 1].strip()
        if _FOOTER_HINT.search(para) or not _SENTENCE_END.search(para) or _CHROME_LINE.match(para):
            end -= 1
            continue
        break
    return paragraphs[:end]
