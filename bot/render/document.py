"""Render a `Briefing` as Markdown, plain text or a Word document a director can forward."""

from __future__ import annotations

from pathlib import Path

from bot.brief import Briefing
from bot.citations import Citation
from index.report import JUDGEMENT_LABELS


def _title(brief: Briefing) -> str:
    subject = brief.authority or "Across authorities"
    return f"Briefing: {subject}" + (f" — {brief.topic}" if brief.topic else "")


def _marks(bullet) -> str:
    return "".join(f"[{c.n}]" for c in bullet.citations)


def _unique_citations(brief: Briefing) -> list[Citation]:
    """Each numbered source once, in order of first use."""
    seen: dict[int, Citation] = {}
    for section in brief.sections:
        for bullet in section.bullets:
            for c in bullet.citations:
                seen.setdefault(c.n, c)
    return list(seen.values())


def markdown(brief: Briefing) -> str:
    """The brief as Markdown, citations as numbered footnotes with quotes and links."""
    lines = [f"# {_title(brief)}", "", f"_Generated {brief.generated_at} from the library's Ofsted reports._", ""]
    lines += [f"> {note}" for note in brief.notes]
    if brief.timeline:
        lines += ["## Timeline", "", "| Date | Kind | Judgements |", "|---|---|---|"]
        for entry in brief.timeline:
            grades = "; ".join(f"{JUDGEMENT_LABELS.get(k, k)}: {v}" for k, v in entry.judgements.items()) or "—"
            lines.append(f"| {entry.date or 'undated'} | {entry.kind} | {grades} |")
        lines.append("")
    for section in brief.sections:
        lines += [f"## {section.title}", ""]
        if not section.bullets:
            lines.append("_Nothing in the library for this section._")
        for bullet in section.bullets:
            note = f" _({bullet.note})_" if bullet.note else ""
            lines.append(f"- {bullet.text} {_marks(bullet)}{note}".rstrip())
        lines.append("")
    lines += ["## Sources", ""]
    for c in _unique_citations(brief):
        p = c.passage
        where = f"p.{p.page}" + (f" ¶{p.paragraph}" if p.paragraph else "")
        link = f" <{p.url}>" if p.url else f" ({p.source})"
        lines.append(f"{c.n}. {p.local_authority}, {p.kind}, {p.date or 'undated'}, {where}: “{c.quote}”{link}")
    return "\n".join(lines) + "\n"


def text(brief: Briefing) -> str:
    """Plain text for terminals and pipes."""
    return markdown(brief).replace("## ", "").replace("# ", "").replace("_", "")


def docx(brief: Briefing, path: Path) -> Path:
    """A Word document: headings, the judgement table, footnote-style numbered citations with links."""
    from docx import Document
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Inches, Pt, RGBColor

    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(_title(brief), level=0)
    meta = document.add_paragraph(f"Generated {brief.generated_at[:10]} from Ofsted reports held in the library.")
    meta.runs[0].font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    for note in brief.notes:
        document.add_paragraph(note).runs[0].font.highlight_color = WD_COLOR_INDEX.YELLOW
    if brief.timeline:
        document.add_heading("Timeline and judgements", level=1)
        table = document.add_table(rows=1, cols=3)
        table.style = "Light Grid Accent 1"
        for cell, label in zip(table.rows[0].cells, ("Date", "Report", "Judgements"), strict=True):
            cell.text = label
        for entry in brief.timeline:
            row = table.add_row().cells
            row[0].text = entry.date or "undated"
            row[1].text = entry.kind
            row[2].text = "\n".join(f"{JUDGEMENT_LABELS.get(k, k)}: {v}" for k, v in entry.judgements.items()) or "—"
        table.autofit = False
        for row in table.rows:
            for cell, width in zip(row.cells, (Inches(1.0), Inches(1.6), Inches(3.9)), strict=True):
                cell.width = width
    for section in brief.sections:
        document.add_heading(section.title, level=1)
        if not section.bullets:
            document.add_paragraph("Nothing in the library for this section.").runs[0].italic = True
        for bullet in section.bullets:
            para = document.add_paragraph(style="List Bullet")
            para.add_run(bullet.text + " ")
            marks = para.add_run(_marks(bullet))
            marks.font.superscript = True
            if bullet.note:
                note = para.add_run(f" ({bullet.note})")
                note.italic = True
    document.add_heading("Sources", level=1)
    for c in _unique_citations(brief):
        p = c.passage
        where = f"p.{p.page}" + (f", para {p.paragraph}" if p.paragraph else "")
        para = document.add_paragraph(style="List Number")
        para.add_run(f"{p.local_authority}, {p.kind}, {p.date or 'undated'}, {where}. ").bold = True
        para.add_run(f"“{c.quote}” ").italic = True
        para.add_run(p.url or p.source).font.color.rgb = RGBColor(0x1F, 0x4E, 0x9A)
    document.save(str(path))
    return path
