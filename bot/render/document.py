"""Render a `Briefing` as Markdown, plain text or a Word document a director can forward."""

from __future__ import annotations

import re
from pathlib import Path

from bot.engine.brief_parts import Briefing
from bot.evidence.citations import Citation, source_parts
from index.report import JUDGEMENT_LABELS
from index.text import printable


def _title(brief: Briefing) -> str:
    if brief.title:
        return printable(brief.title)
    subject = brief.authority or "Across authorities"
    return printable(f"Briefing: {subject}" + (f" — {brief.topic}" if brief.topic else ""))


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
        if section.rows:
            lines += ["| " + " | ".join(section.columns) + " |", "|" + "---|" * len(section.columns)]
            for row in section.rows:
                cells = [*row.cells]
                cells[2] = f"{cells[2]} {_marks(row)}".rstrip()
                lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
            lines.append("")
        for bullet in section.points:
            note = f" _({bullet.note})_" if bullet.note else ""
            lines.append(f"- {bullet.text} {_marks(bullet)}{note}".rstrip())
        lines.append("")
    lines += ["## Sources", ""]
    for c in _unique_citations(brief):
        p = c.passage
        link = f" <{p.url}>" if p.url else f" ({p.source})"
        lines.append(f"{c.n}. {', '.join(source_parts(p))}: “{c.quote}”{link}")
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
    for page in document.sections:
        page.left_margin = page.right_margin = Inches(0.8)
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(_title(brief), level=0)
    meta = document.add_paragraph(f"Generated {brief.generated_at[:10]} from Ofsted reports held in the library.")
    meta.runs[0].font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    for note in brief.notes:
        document.add_paragraph(printable(note)).runs[0].font.highlight_color = WD_COLOR_INDEX.YELLOW
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
    chart = judgement_chart(brief)
    if chart is not None:
        document.add_paragraph(f"{brief.authority}'s judgements at each graded inspection the library holds:")
        document.add_picture(str(chart), width=Inches(6.0))
        chart.unlink()
    for section in brief.sections:
        document.add_heading(printable(section.title), level=1)
        if not section.bullets:
            document.add_paragraph("Nothing in the library for this section.").runs[0].italic = True
        if section.rows:
            _grid(document, section)
        for bullet in section.points:
            para = document.add_paragraph(style="List Bullet")
            para.add_run(printable(bullet.text) + " ")
            marks = para.add_run(_marks(bullet))
            marks.font.superscript = True
            if bullet.note:
                note = para.add_run(f" ({printable(bullet.note)})")
                note.italic = True
    document.add_heading("Sources", level=1)
    for c in _unique_citations(brief):
        p = c.passage
        para = document.add_paragraph(style="List Number")
        para.add_run(printable(", ".join(source_parts(p, paragraph=", para ")) + ". ")).bold = True
        para.add_run(f"“{printable(c.quote)}” ").italic = True
        para.add_run(p.url or p.source).font.color.rgb = RGBColor(0x1F, 0x4E, 0x9A)
    document.save(str(path))
    return path


#: Cell shading by grade, as the terminal colours them (hex fills a printed page keeps legible).
GRADE_FILLS = {"outstanding": "1E7B34", "good": "8FD19E", "requires improvement": "FFE08A", "inadequate": "E8747C"}


def _grid(document, section) -> None:
    """A brief section's table rows as a Word table, each grade cell shaded by grade."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    table = document.add_table(rows=1, cols=len(section.columns))
    table.style = "Table Grid"
    table.autofit = False
    widths = [Inches(1.15), Inches(0.85), Inches(0.95)] + [Inches(0.78)] * (len(section.columns) - 3)
    for cell, label in zip(table.rows[0].cells, section.columns, strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
        cell.paragraphs[0].runs[0].font.size = Pt(7.5)
    for row in section.rows:
        cells = table.add_row().cells
        values = [*row.cells]
        values[1] = {"statistical neighbour": "neighbour"}.get(values[1], values[1])
        values[2] = f"{_compact(values[2])} {_marks(row)}".rstrip()
        for cell, value in zip(cells, values, strict=True):
            cell.text = printable(value)
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(7.5)
            fill = GRADE_FILLS.get(value.split(" (")[0])
            if fill:
                shading = OxmlElement("w:shd")
                shading.set(qn("w:val"), "clear")
                shading.set(qn("w:fill"), fill)
                cell._tc.get_or_add_tcPr().append(shading)
                if value.startswith("outstanding"):
                    cell.paragraphs[0].runs[0].font.color.rgb = _white()

    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _compact(inspection: str) -> str:
    """'ILACS inspection, published August 2026' → 'ILACS, Aug 2026', so the grid fits a page."""
    inspection = inspection.replace("ILACS inspection", "ILACS").replace("single inspection", "SIF")
    inspection = inspection.replace("no graded inspection in the library", "none held")
    return re.sub(r"published (\w{3})\w* (\d{4})", r"\1 \2", inspection)


def _white():
    from docx.shared import RGBColor

    return RGBColor(0xFF, 0xFF, 0xFF)


def judgement_chart(brief: Briefing) -> Path | None:
    """A small chart of the authority's judgements over time (PNG), or None with fewer than one graded report."""
    graded = [t for t in brief.timeline if t.judgements]
    if not graded or brief.authority is None:
        return None
    import tempfile
    from datetime import date

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    scale = {"inadequate": 1, "requires improvement": 2, "good": 3, "outstanding": 4}
    figure, axes = pyplot.subplots(figsize=(6.5, 2.6), dpi=150)
    areas = [
        ("overall_effectiveness", "Overall effectiveness"),
        ("help_and_protection", "Help and protection"),
        ("children_in_care", "Children in care"),
        ("care_leavers", "Care leavers"),
        ("impact_of_leaders", "Leaders"),
    ]
    for offset, (area, label) in enumerate(areas):
        points = []
        for entry in graded:
            grades = entry.judgements
            grade = (
                grades.get(area)
                or (
                    grades.get("children_in_care_and_care_leavers")
                    if area in ("children_in_care", "care_leavers")
                    else None
                )
                or (grades.get("leadership_management_governance") if area == "impact_of_leaders" else None)
            )
            if grade in scale and entry.date:
                points.append((date.fromisoformat(entry.date[:10]), scale[grade] + (offset - 2) * 0.05))
        if points:
            xs, ys = zip(*points, strict=True)
            axes.plot(xs, ys, marker="o", linewidth=1.5, label=label)
    axes.set_yticks([1, 2, 3, 4], ["Inadequate", "Requires\nimprovement", "Good", "Outstanding"], fontsize=7)
    axes.set_ylim(0.6, 4.4)
    axes.tick_params(axis="x", labelsize=7)
    axes.grid(axis="y", linewidth=0.3)
    axes.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes.set_title(f"{brief.authority}: judgements at each graded inspection", fontsize=8)
    figure.tight_layout()
    handle = tempfile.NamedTemporaryFile(suffix=".png", delete=False)  # noqa: SIM115 - closed before use
    handle.close()
    figure.savefig(handle.name)
    pyplot.close(figure)
    return Path(handle.name)
