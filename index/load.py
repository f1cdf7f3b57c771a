"""Stage 1, load: find documents and read their raw text, page by page.

The type is decided by the file's content, never its name: the corpus holds HTML error pages
saved as `.pdf`, and news articles saved as `.txt`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from index.errors import UnreadableDocument


class MediaType(StrEnum):
    """What a file really is, judged from its bytes."""

    PDF = "pdf"
    HTML = "html"
    TEXT = "text"


@dataclass
class RawDocument:
    """A file's text before cleaning: one string per page (a single page for HTML and text)."""

    path: Path
    media_type: MediaType
    pages: list[str]
    html_title: str = ""
    content_hash: str = field(default="")


_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.I)
_ERROR_TITLE = re.compile(r"not found|error|page unavailable|access denied|forbidden|\b40[34]\b", re.I)
_MIN_WORDS = 20
#: Larger than any report or article we read by far (the corpus's largest PDF is a few MB, its
#: longest report under 100 pages); beyond these a file is a mistake or an attack, not a report.
MAX_PDF_BYTES = 64 * 1024 * 1024
MAX_TEXT_BYTES = 8 * 1024 * 1024
MAX_PAGES = 1000


def sniff(head: bytes) -> MediaType | None:
    """Tell the media type from a file's first bytes, or None when it is none we read."""
    if head.startswith(b"%PDF-"):
        return MediaType.PDF
    if _HTML_START.match(head):
        return MediaType.HTML
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        # A multi-byte character cut at the end of the sample is still text.
        if err.start < len(head) - 4:
            return None
    return MediaType.TEXT


def find_documents(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under the given files or folders, recursively, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") and child.name != "metadata.csv":
                    yield child
        elif path.is_file():
            yield path
        else:
            raise UnreadableDocument(f"{path}: no such file or folder")


def load(path: Path) -> RawDocument:
    """Read one file's text; raise UnreadableDocument with a one-line reason if we cannot use it."""
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(4096)
            limit = MAX_PDF_BYTES if head.startswith(b"%PDF-") else MAX_TEXT_BYTES
            if size > limit:
                raise UnreadableDocument(
                    f"{path}: too large to be a report ({size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB)"
                )
            # Read what the file holds, one byte over the cap at most: a file growing as we read stays
            # capped, and a small file does not reserve the cap's worth of memory.
            data = head + file.read(max(min(size, limit) + 1 - len(head), 1))
            if len(data) > limit:
                raise UnreadableDocument(f"{path}: too large to be a report (over {limit / 1e6:.0f} MB)")
    except OSError as err:
        raise UnreadableDocument(f"{path}: cannot read ({err.strerror})") from err
    if not data.strip():
        raise UnreadableDocument(f"{path}: empty file")
    media = sniff(data[:4096])
    if media is None:
        raise UnreadableDocument(f"{path}: not a PDF, HTML or text document")
    if media is MediaType.PDF:
        pages = _pdf_pages(path, data)
        title = ""
    elif media is MediaType.HTML:
        title, pages = _html_pages(path, data)
    else:
        pages = [data.decode("utf-8", errors="replace")]
        title = ""
    if sum(len(p.split()) for p in pages) < _MIN_WORDS:
        raise UnreadableDocument(f"{path}: no readable text (scanned or empty {media.value})")
    return RawDocument(path=path, media_type=media, pages=pages, html_title=title)


def _pdf_pages(path: Path, data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise UnreadableDocument(f"{path}: broken PDF ({err})") from err
    try:
        if len(pdf) > MAX_PAGES:
            raise UnreadableDocument(f"{path}: {len(pdf):,} pages, too many for a report (the limit is {MAX_PAGES:,})")
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            # PDFium writes a hyphen it takes for a line-end break as U+0002: in these reports it is the
            # hyphen of a compound ("multi-agency", "out-of-hours"), and searches and quotes need it.
            said = textpage.get_text_bounded().replace("\r\n", "\n").replace("\r", "\n")
            pages.append(said.replace("\x02", "-"))
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


def _html_title(html: str) -> str:
    """The first <title>'s text, found in linear time.

    A lazy `<title>(.*?)</title>` search restarts at every `<title>` when none is closed: a page of
    repeated open tags took minutes. The title is looked for in the head, and is short.
    """
    opening = re.search(r"<title\b[^>]{0,200}>", html[:65536], re.I)
    if not opening:
        return ""
    rest = html[opening.end() : opening.end() + 2000]
    end = rest.lower().find("</title")
    return re.sub(r"\s+", " ", rest[: end if end >= 0 else 0]).strip()


def _html_pages(path: Path, data: bytes) -> tuple[str, list[str]]:
    html = data.decode("utf-8", errors="replace")
    title = _html_title(html)
    if _ERROR_TITLE.search(title):
        raise UnreadableDocument(f"{path}: HTML error page ({title!r}), not a report")
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_precision=True)
    if not text:
        raise UnreadableDocument(f"{path}: HTML page with no article text")
    return title, [text]
