"""Stage 3, understand: read a cleaned document the way a manager would and fill in its `Report`.

Ofsted has printed the same facts in different places over the years: the 2015 single
inspection (SIF) puts judgements in a numbered list with an overall sentence, ILACS (2018+) in a
"Judgement / Grade" table, the 2026 framework drops the overall grade, and letters state their date
and inspectors in prose. Each fact has a small, separately testable reader.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from index.authorities import KNOWN_AUTHORITIES, authority_key, display_name, find_authorities
from index.clean import Block
from index.load import MediaType, RawDocument
from index.report import Grade, Paragraph, Report, ReportKind, Section
from index.text import MONTHS

_MONTHS = {m: i for i, m in enumerate(MONTHS, 1)}
_MONTH = "(" + "|".join(MONTHS) + ")"
_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s+(\d{{4}})\b", re.I)
_GRADE = r"(outstanding|good|requires\s+improvement(?:\s+to\s+be\s+good)?|inadequate)"


def understand(raw: RawDocument, blocks: list[Block]) -> Report:
    """The `Report` record for one document."""
    front = _front_text(raw)
    kind = report_kind(raw, front)
    start, end = inspection_dates(front, kind)
    canonical, as_written = local_authority(front, kind, blocks)
    report = Report(
        source=str(raw.path),
        kind=kind,
        local_authority=canonical,
        authority_as_written=as_written,
        inspection_start_date=start,
        inspection_end_date=end,
        publication_date=publication_date(front, kind),
        lead_inspector=lead_inspector(raw, front),
        inspectors=inspectors(front),
        judgements=judgements(front, kind),
        cover_lines=cover_lines(front, kind, "\n".join(raw.pages[-3:]) if len(raw.pages) > 2 else ""),
        pages=len(raw.pages),
    )
    report.sections, report.paragraphs = structure(blocks)
    if review := board_review(raw.pages, front):
        report.safeguarding_board = review[0]
        _keep_verdict(report, *review[1:])
    report.improvements = improvements(blocks, kind)
    report.title = title(report, blocks, raw)
    return report


def _front_text(raw: RawDocument) -> str:
    """The first pages, where reports put who, when and what was judged."""
    text = "\n".join(raw.pages[:2]) if raw.media_type is MediaType.PDF else raw.pages[0][:6000]
    return text.replace("\u2019", "'").replace("\u00a0", " ")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- kind ---------------------------------------------------------------------------------------


def report_kind(raw: RawDocument, front: str) -> ReportKind:
    """What sort of document this is, from the words Ofsted uses for each."""
    head = _flat(front[:3000]).lower()
    cover = head[:600]
    if (
        raw.media_type is MediaType.PDF
        and "inspection of services for children in need of help and protection" in cover
    ):
        return ReportKind.SINGLE_INSPECTION
    has_table = re.search(r"judgement\s+grade", head) is not None
    if raw.media_type is MediaType.PDF and has_table and "inspection date" in head:
        return ReportKind.ILACS
    is_letter = "ofsted" in head and ("dear " in head or "this letter" in head)
    if re.search(r"monitoring visit (of|to)\b", head) and is_letter:
        return ReportKind.MONITORING_VISIT
    if re.search(r"focused visit (of|to)\b", head) and is_letter:
        return ReportKind.FOCUSED_VISIT
    if raw.media_type is not MediaType.PDF and "ofsted" in head:
        return ReportKind.NEWS
    if raw.media_type is MediaType.PDF and re.search(r"inspection of .{0,80}children's services", cover):
        return ReportKind.ILACS
    return ReportKind.OTHER


# --- dates --------------------------------------------------------------------------------------


def _to_date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), _MONTHS[month.lower()], int(day))
    except ValueError:
        return None


def parse_date_range(text: str) -> tuple[date | None, date | None]:
    """'28 November to 9 December 2022', '27 and 28 February 2018', '14 September 2015 – 8 October 2015'."""
    text = _flat(text)
    pattern = re.compile(
        rf"(\d{{1,2}})(?:\s+{_MONTH})?(?:\s+(\d{{4}}))?\s*(?:to|–|-|and|until)\s*(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})",
        re.I,
    )
    match = pattern.search(text)
    if match:
        d1, m1, y1, d2, m2, y2 = match.groups()
        end = _to_date(d2, m2, y2)
        start = _to_date(d1, m1 or m2, y1 or y2)
        if start and end and start > end and not y1:
            start = _to_date(d1, m1 or m2, str(int(y2) - 1))
        return start, end
    single = _DATE.search(text)
    if single:
        day = _to_date(*single.groups())
        return day, day
    return None, None


def inspection_dates(front: str, kind: ReportKind) -> tuple[date | None, date | None]:
    """When inspectors were on site."""
    match = re.search(r"inspection dates?\s*:?\s*(.{5,80})", front, re.I)
    if match:
        return parse_date_range(match.group(1))
    flat = _flat(front)
    visit = re.search(r"(?:visit|inspection)[^.]{0,80}?\b(?:on|between|from)\s+(\d{1,2}[^.]{0,40}?\d{4})", flat, re.I)
    if visit:
        return parse_date_range(visit.group(1))
    return None, None


def publication_date(front: str, kind: ReportKind) -> date | None:
    """The date a report was published, or a letter dated; only where the text states it."""
    match = re.search(r"report published\s*:?\s*(\d{1,2}\s+\w+\s+\d{4})", front, re.I)
    if match:
        return parse_date_range(match.group(1))[0]
    if kind in (ReportKind.MONITORING_VISIT, ReportKind.FOCUSED_VISIT):
        # A letter's date stands on a line of its own near the top.
        for line in front.split("\n")[:40]:
            only_date = _DATE.fullmatch(line.strip())
            if only_date:
                return _to_date(*only_date.groups())
    return None


# --- people -------------------------------------------------------------------------------------

_TITLES = re.compile(
    r",?\s*(His|Her)\s+Majesty'?s\s+(Inspector|Inspectors)\b.*$|,?\s*\bHMI\b.*$|,?\s*Ofsted Inspector.*$|"
    r",?\s*Social Care Regulatory Inspector.*$",
    re.I,
)


def _clean_name(name: str) -> str:
    name = _TITLES.sub("", name.strip())
    name = re.sub(r"\s*-\s*", "-", name)  # "Thomson -Jones" as printed
    return _flat(name).strip(" ,.;:")


def lead_inspector(raw: RawDocument, front: str) -> str | None:
    """The lead inspector: on the cover of ILACS reports, at the end of older ones."""
    match = re.search(r"lead inspector\s*:?\s*([^\n]+)", front, re.I)
    if not match:
        tail = "\n".join(raw.pages[-3:])
        match = re.search(r"lead inspector\s*:?\s*([^\n]+)", tail, re.I)
    if match:
        name = _clean_name(match.group(1))
        return name or None
    inspectors_found = inspectors(front)
    return inspectors_found[0] if inspectors_found else None


def inspectors(front: str) -> list[str]:
    """Inspectors a letter names, as in 'The inspectors were A, HMI, and B, Ofsted Inspector.'."""
    flat = _flat(front)
    match = re.search(r"(?:the )?inspectors were\s+(.+?)\.(?:\s|$)", flat, re.I)
    if not match:
        return []
    parts = re.split(r",|\band\b", match.group(1))
    names = []
    for part in parts:
        name = _clean_name(part)
        if re.fullmatch(r"[A-Z][\w'’-]+(\s+[A-Z][\w'’-]+)+", name):
            names.append(name)
    return names


# --- authority ----------------------------------------------------------------------------------


def local_authority(front: str, kind: ReportKind, blocks: list[Block]) -> tuple[str | None, str | None]:
    """The council the document is about: its canonical name, and the name as the document writes it."""
    flat = _flat(front[:1500])
    patterns = [
        # Older covers put the council's name on the line above the title.
        r"^\W*\d?\s*(.{2,60}?) Inspection of (?:local authority )?children's (?:social care )?services",
        r"^\W*\d?\s*(.{2,60}?) Inspection of services for children in need",
        r"Inspection of (.{2,80}?) local\s+authority children's services",
        r"Inspection of (.{2,80}?) children's services",
        r"(?:Monitoring|Focused) visit (?:of|to) (.{2,80}?) (?:local authority )?children's services",
    ]
    for pattern in patterns:
        match = re.search(pattern, flat, re.I)
        if match:
            name = re.sub(r"^(the|a)\s+", "", match.group(1).strip(), flags=re.I)
            if len(name.split()) <= 8 and authority_key(name) not in ("local authority", ""):
                return display_name(name), name
    # News pages: the authority named most often near the top.
    text = " ".join(b.text for b in blocks[:8]) if blocks else flat
    named = find_authorities(text, KNOWN_AUTHORITIES)
    if named:
        counts = {name: text.lower().count(name.lower().split()[0]) for name in named}
        chosen = max(named, key=lambda n: (counts[n], -named.index(n)))
        return chosen, chosen
    return None, None


# --- judgements ---------------------------------------------------------------------------------

_ILACS_LABELS = [
    ("impact_of_leaders", r"impact of leaders on (?:social work )?practice with children and families"),
    ("children_in_care_and_care_leavers", r"children in care and care leavers"),
    ("children_in_care_and_care_leavers", r"children looked after and care leavers"),
    ("help_and_protection", r"children who need help and protection"),
    ("children_in_care", r"(?:progress of )?children in care(?! and care leavers)"),
    ("care_leavers", r"progress of (?:children )?care leavers"),
    ("overall_effectiveness", r"overall effectiveness"),
]
_SIF_LABELS = [
    ("help_and_protection", r"children who need help and protection"),
    ("children_in_care", r"children looked after and achieving permanence"),
    ("adoption_performance", r"adoption performance"),
    ("care_leavers", r"experiences and progress of care leavers"),
    ("leadership_management_governance", r"leadership, management and governance"),
]


def cover_lines(front: str, kind: ReportKind, back: str = "") -> list[str]:
    """The cover's own words, verbatim: inspection dates, publication date, lead inspector, judgement rows.

    These become the passage judgements are cited to, so a citation quotes the report itself
    rather than a sentence this program wrote. Older reports name their lead inspector on the back
    pages (`back`); that line joins the cover's so the name can be cited too.
    """
    lines: list[str] = []
    for pattern in (r"inspection dates?\s*:?[^\n]{5,80}", r"report published\s*:?[^\n]{5,40}"):
        match = re.search(pattern, front, re.I)
        if match:
            lines.append(_flat(match.group(0)))
    lead = r"lead inspector\s*:?[^\n]{3,80}"
    match = re.search(lead, front, re.I) or re.search(lead, back, re.I)
    if match:
        lines.append(_flat(match.group(0)))
    lines += [row for _, row in judgement_rows(front, kind)]
    board = board_row(front)
    if board and re.search(_REVIEWS_BOARD, _flat(front), re.I):
        lines.append(board)
    return list(dict.fromkeys(lines))


def judgement_rows(front: str, kind: ReportKind) -> list[tuple[str, str]]:
    """(judgement name, the words that state it) as printed in the report's table or summary."""
    flat = _flat(front)
    rows: list[tuple[str, str]] = []
    if kind is ReportKind.SINGLE_INSPECTION:
        table = flat[:2500]
        for name, label in _SIF_LABELS:
            match = re.search(rf"{label}\s*(?:\(\w+\)\s*)?{_GRADE}", table, re.I)
            if match:
                rows.append((name, match.group(0)))
        overall = re.search(
            r"children's services in .{2,60}? (?:are|is) (?:outstanding|good|inadequate)|"
            r"children's services in .{2,60}? requires? improvement(?: to be good)?|"
            # 2014-15 covers: "The overall judgement is (that children's services) require(s) improvement".
            r"the overall judgement is (?:that )?(?:children[’']s services? (?:are |is )?)?"
            r"(?:outstanding|good|inadequate|requires? improvement(?: to be good)?)",
            table,
            re.I,
        )
        if overall:
            rows.append(("overall_effectiveness", overall.group(0)))
        return rows
    if kind is not ReportKind.ILACS:
        return rows
    start = re.search(r"judgement\s+grade", flat, re.I)
    table = flat[start.end() : start.end() + 900] if start else flat[:1500]
    taken: set[str] = set()
    for name, label in _ILACS_LABELS:
        if name in taken:
            continue
        match = re.search(
            rf"(?:the\s+(?:experiences\s+and\s+(?:progress\s+of\s+)?)?)?{label}\.?\s*:?\s*{_GRADE}", table, re.I
        )
        if match:
            taken.add(name)
            rows.append((name, match.group(0).strip()))
    return rows


# The single inspection's title names the review; its verdict is on the cover (2013-14) or opens the
# board's own section later in the report (2015-18), and a review alone states it on its first page.
_REVIEWS_BOARD = r"review of the effectiveness of the local safeguarding children board"
_BOARD_VERDICT = re.compile(
    rf"(?:(?:the judgement for )?the effectiveness of the (?:local safeguarding children board|lscb)"
    rf"(?:\s*\(lscb\))?\s+(?:is\s+)?|\bthe local safeguarding children board\s+(?:is\s+)?|\bthe lscb is )"
    rf"{_GRADE}\b(?!\s+(?:at|in|for|to|with)\b)",  # "is good at challenging partners" is no verdict
    re.I,
)
# Past the cover, a verdict counts only where it opens the board's part of the report, just after its heading.
_BOARD_HEADING = re.compile(
    r"(?:local safeguarding children board(?: \(lscb\))?|effectiveness of the (?:local safeguarding children "
    r"board|lscb)|summary of findings)\W{0,3}$",
    re.I,
)


def board_row(text: str, *, after_heading: bool = False) -> str | None:
    """The words that state the review's verdict on the Local Safeguarding Children Board, if `text` has them.

    `after_heading`: only a verdict that follows a heading naming the board (or its summary of findings).
    """
    flat = _flat(text)
    for match in _BOARD_VERDICT.finditer(flat):
        if not after_heading or _BOARD_HEADING.search(flat[max(0, match.start() - 90) : match.start()]):
            return match.group(0)
    return None


def board_review(pages: list[str], front: str) -> tuple[Grade, str, int] | None:
    """The grade the review of the Local Safeguarding Children Board gave, the words and page stating it.

    On the cover (2013-14 reports, and reviews published alone) or where the board's own part opens.
    """
    if not re.search(rf"{_REVIEWS_BOARD}|^\W*local safeguarding children board", _flat(front)[:600], re.I):
        return None
    for number, page in enumerate(pages, start=1):
        row = board_row(page, after_heading=number > 2)
        if row and (grade := re.search(rf"{_GRADE}\s*$", row, re.I)):
            return _grade(re.sub(r"\s+", " ", grade.group(1))), row, number
    return None


def _keep_verdict(report: Report, row: str, page: int) -> None:
    """Keep the board's verdict as a paragraph where it is printed: set as a heading, it would not be citable."""
    if page <= 2 or any(row in " ".join(p.text.split()) for p in report.paragraphs if p.page == page):
        return  # on the cover (cited there) or already in the text
    at = next((i for i, p in enumerate(report.paragraphs) if p.page >= page), len(report.paragraphs))
    board = [s.title for s in report.sections if s.page == page and "safeguarding children board" in s.title.lower()]
    section = board[0] if board else report.paragraphs[at].section if at < len(report.paragraphs) else ""
    report.paragraphs.insert(at, Paragraph(number=None, page=page, section=section, text=row))


def _grade(text: str) -> Grade:
    text = text.lower()
    if text.startswith("requires"):
        return Grade.REQUIRES_IMPROVEMENT
    return Grade(text)


def judgements(front: str, kind: ReportKind) -> dict[str, Grade]:
    """Every judgement in the report's judgement table, by snake_case name."""
    found: dict[str, Grade] = {}
    for name, row in judgement_rows(front, kind):
        if name in found:
            continue
        if re.search(r"requires? improvement", row, re.I):
            found[name] = Grade.REQUIRES_IMPROVEMENT
        elif grade := re.search(rf"{_GRADE}\s*$", row, re.I):
            found[name] = _grade(grade.group(1))
    return dict(sorted(found.items(), key=_order))


def _order(item: tuple[str, Grade]) -> int:
    from index.report import JUDGEMENT_NAMES

    return JUDGEMENT_NAMES.index(item[0]) if item[0] in JUDGEMENT_NAMES else 99


# --- structure ----------------------------------------------------------------------------------


# Ofsted's back page and contents lists: the same in every report, never evidence about an authority.
_BOILERPLATE = re.compile(
    r"(Office for Standards in Education, Children's Services and Skills \(Ofsted\) regulates|"
    r"This publication is available at|© Crown copyright|Crown copyright \d{4}|"
    r"If you would like a copy of this document in a different format|"
    r"You may reuse this information \(not including logos\)|Any complaints about the inspection or the report|"
    r"Interested in our work\? You can subscribe|Textphone|www\.gov\.uk/government/organisations/ofsted|"
    r"nationalarchives\.gov\.uk)",
    re.I,
)


def structure(blocks: list[Block]) -> tuple[list[Section], list[Paragraph]]:
    """Headings with the numbered paragraphs beneath them, and every paragraph with its page."""
    sections: list[Section] = []
    paragraphs: list[Paragraph] = []
    current = ""
    previous_was_heading = False
    for block in blocks:
        if block.kind == "heading":
            # Only the last of several heading-like lines in a row heads anything (address blocks).
            if sections and previous_was_heading:
                sections.pop()
            current = block.text
            sections.append(Section(title=block.text, page=block.page))
            previous_was_heading = True
            continue
        previous_was_heading = False
        if _BOILERPLATE.search(block.text.replace("’", "'")) or current.lower() == "contents":
            continue
        number_match = re.match(r"^(\d{1,3})\.\s+", block.text) if block.kind == "paragraph" else None
        number = int(number_match.group(1)) if number_match else None
        text = block.text[number_match.end() :] if number_match else block.text
        if block.kind == "bullet":
            text = re.sub(r"^\s*[◼•▪■●◾➢►\uf0b7\uf0a7\-–*]\s*", "", text)
        paragraphs.append(
            Paragraph(number=number, page=block.page, section=current, text=text, bullet=block.kind == "bullet")
        )
        if number is not None and sections:
            sections[-1].paragraphs.append(number)
    return sections, paragraphs


_IMPROVE_HEADING = re.compile(
    r"^(what needs to improve|recommendations|areas for (priority )?(action|improvement)|"
    r"what (the local authority )?needs to (do|improve)|areas for development)",
    re.I,
)


def improvements(blocks: list[Block], kind: ReportKind) -> list[str]:
    """The report's list of what needs to improve, item by item, in its own words."""
    items: list[str] = []
    collecting = False
    for block in blocks:
        text = re.sub(r"^\s*[◼•▪■●◾➢►\uf0b7\uf0a7\-–*]\s*", "", block.text)
        if block.kind == "heading":
            if collecting and items:
                break
            collecting = bool(_IMPROVE_HEADING.match(block.text))
            continue
        if not collecting:
            # Letters and news put the list after a lead-in sentence rather than a heading.
            if (
                kind in (ReportKind.NEWS, ReportKind.MONITORING_VISIT, ReportKind.FOCUSED_VISIT)
                and re.search(r"(should|needs to|must|recommendations?)\W*:?\s*$", block.text, re.I)
                and block.text.rstrip().endswith(":")
            ):
                collecting = True
            continue
        if block.kind == "bullet" or re.match(r"^\d{1,2}\.\s", block.text):
            items.append(re.sub(r"^\d{1,2}\.\s+", "", text))
        elif items:
            break
    return items


def title(report: Report, blocks: list[Block], raw: RawDocument) -> str:
    """A human title: the document's own headline for news, a standard form for Ofsted reports."""
    place = report.local_authority or "Unknown authority"
    when = report.dated
    when_text = when.strftime("%B %Y") if when else "undated"
    if report.kind is ReportKind.NEWS:
        headline = next((b.text for b in blocks if b.kind == "heading"), raw.html_title or "")
        return headline or f"News about {place}"
    if report.kind is ReportKind.OTHER:
        return raw.html_title or (blocks[0].text[:100] if blocks else raw.path.name)
    return f"{place}: {report.kind.value}, {when_text}"


def read_report(path: Path) -> Report:
    """Load, clean and understand one file; raises UnreadableDocument with a one-line reason."""
    from index.clean import clean
    from index.load import load

    raw = load(path)
    return understand(raw, clean(raw))
