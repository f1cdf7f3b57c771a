"""'What needs to improve?' answered with the report's own list, verbatim, each item cited.

Every framework has one (SIF recommendations, the ILACS "What needs to improve" list, the areas a
monitoring or focused visit names), and the reader keeps it as `Report.improvements`. Asked for, it
is quoted whole rather than retold by the model: the list is the answer, and Ofsted's wording is the
point. A question that also asks for a grade ("rated overall in 2025, and what were the two things…")
gets the records' figures first, then the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.citations import Citation, best_quote
from index import text
from index.chunk import report_id
from index.retrieve import Filters, QueryPlan, Retriever

#: Asking for the list, in Ofsted's words or a manager's: recommendations, areas for improvement,
#: what it must, should or was asked, told or wanted to improve or work on.
_ASKS_FOR_LIST = re.compile(
    r"\b(recomm?end\w*|recomend\w*"
    r"|areas? (for|of|to|needing|requiring) (improvement|development|improve|action|priority)"
    r"|priorit(y|ies) for (action|improvement)|what needs? to (be )?improv\w*|needs? to improve"
    r"|(improvements?|things?|areas?) (did|does|do|has|had|have) (ofsted|inspectors|it)"
    r" (ask|want|set|recommend|requir|identif)\w*"
    r"|(ask|asks|asked|told|tell|tells|want|wants|wanted|require|required|requires|expects?|expected)\b"
    r"[^.?!]{0,40}?\b(to improve|improved|to work on|work on|to address|to make improvements|to make)\b)",
    re.I,
)
#: Where a manager narrows the list to a topic: "recommendations re neglect", "improve for care leavers".
_TOPIC = re.compile(
    r"\b(?:for|about|re|regarding|around|on|in relation to|relating to|concerning|improve (?:its|the|their))\s+(.+?)"
    r"(?=[?.!,;]|\s+(?:in|at|after|from|following|since|during|before)\s+(?:its|the|their|his|her|this|that|\d)|$)",
    re.I,
)
_NOT_TOPIC = {"ofsted", "inspect", "inspector", "report", "council", "servic", "children", "child", "work"}


@dataclass
class ListAnswer:
    """Lines of the answer (a heading per report, then its items) and their citations."""

    lines: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The answer as shown."""
        return "\n".join(self.lines)


def asks_for_list(question: str) -> bool:
    """Whether the question asks what the report told the council to improve."""
    return bool(_ASKS_FOR_LIST.search(question))


def topic_of(question: str, authorities: list[str]) -> str:
    """The topic a list question narrows to ('neglect', 'care leavers'), or '' for the whole list."""
    named = set().union(*(text.content_words(a) for a in authorities)) if authorities else set()
    asked_for = re.sub(r"\b(to )?improve (?=its|the|their)", "improve ", question, flags=re.I)
    rest = _ASKS_FOR_LIST.sub(lambda m: m.group(0) if m.group(0).lower().startswith("improve ") else " ", asked_for)
    for match in _TOPIC.finditer(rest):
        words = text.content_words(match.group(1)) - named - _NOT_TOPIC
        words = {w for w in words if not w.isdigit() and w not in text.MONTHS}
        if words:
            phrase = match.group(1)
            for authority in authorities:
                phrase = re.sub(rf"(?:'s)?\b{re.escape(authority)}(?:'s)?\b", " ", phrase, flags=re.I)
            phrase = re.sub(r"\b(?:19|20)\d\d\b", " ", phrase)
            return re.sub(r"(\s+(?:in|of|at|for|by))+\s*$", "", " ".join(phrase.split())).strip()
    return ""


def improvement_bullets(retriever: Retriever, report: dict, topic: str | None) -> list[tuple[str, Citation]]:
    """The report's list (items naming the topic, if one is given), each cited to the passage that states it."""
    passages = retriever.passages_of(report_id(report["source"]))
    topic_words = text.content_words(topic or "")
    items = []
    for item in report.get("improvements") or []:
        if topic_words and not topic_words & text.content_words(item):
            continue
        home = max(passages, key=lambda p: best_quote(item, p)[1], default=None)
        if home is None:
            continue
        quote, score = best_quote(item, home)
        if score >= 0.5:
            items.append((item, Citation(0, home, quote)))
    return items


def answer_with_list(plan: QueryPlan, retriever: Retriever, *, first: int = 1) -> ListAnswer | None:
    """Each named council's report in scope and its list; None when none of them has a list to quote."""
    scoped = {scope.authority: scope.reports for scope in plan.scopes}
    topic = topic_of(plan.question, plan.filters.authorities)
    out = ListAnswer()
    for authority in plan.filters.authorities:
        reports = scoped.get(authority, retriever.reports_on(authority))
        report = _the_report(reports)
        if report is None:
            continue
        bullets = improvement_bullets(retriever, report, topic or None)
        note = ""
        if topic and not bullets:
            bullets = improvement_bullets(retriever, report, None)
            note = f" None of its items names {topic}; the whole list:"
        if not bullets:
            continue
        out.lines.append(f"{_heading(authority, report, retriever)}{note}")
        for item, cited in bullets:
            n = first + len(out.citations)
            out.citations.append(Citation(n, cited.passage, cited.quote))
            out.lines.append(f"• {item} [{n}]")
    return out if out.citations else None


def list_answer(plan: QueryPlan, retriever: Retriever) -> ListAnswer | None:
    """The records fact a two-part question also asks for, then the list; None when there is no list."""
    from bot.judgements import answer_from_records

    head = ListAnswer()
    records = related_records_question(plan, retriever)
    if records is not None:
        found = answer_from_records(*records, retriever)
        head = ListAnswer(list(found.lines), list(found.citations))
    listed = answer_with_list(plan, retriever, first=len(head.citations) + 1)
    if listed is None:
        return None
    return ListAnswer(head.lines + listed.lines, head.citations + listed.citations)


def has_list(plan: QueryPlan, retriever: Retriever) -> bool:
    """Whether a list question can be answered from the records alone (so no model need load)."""
    scoped = {scope.authority: scope.reports for scope in plan.scopes}
    return any(
        _the_report(scoped.get(a, retriever.reports_on(a))) is not None for a in plan.filters.authorities
    )


def related_records_question(plan: QueryPlan, retriever: Retriever):
    """The part of a two-part question that is a records fact ("rated overall in 2025"), planned alone."""
    from bot.judgements import read_record_question

    for clause in _clauses(plan.question):
        if asks_for_list(clause):
            continue
        part = retriever.plan(clause, Filters(authorities=list(plan.filters.authorities)))
        asked = read_record_question(part)
        if asked is not None and asked.pure and asked.ask != "which_council":
            return part, asked
    return None


def _clauses(question: str) -> list[str]:
    parts = re.split(r"[?;]|,?\s+and\s+(?=(?:what|how|which|who|when|did|was|were|is|are)\b)|\s[-–—]\s", question)
    return [p.strip() for p in parts if p and len(p.split()) >= 3] if len(parts) > 1 else []


def _the_report(reports: list[dict]) -> dict | None:
    """The newest report in scope that sets out a list, Ofsted's own reports before news about them."""
    with_list = [r for r in reports if r.get("improvements")]
    primary = [r for r in with_list if r.get("kind") not in ("news article", "other")]
    return (primary or with_list)[-1] if with_list else None


def _heading(authority: str, report: dict, retriever: Retriever) -> str:
    newest = [r for r in retriever.reports_on(authority) if r.get("kind") not in ("news article", "other")]
    when = _month_year(report.get("publication_date") or report.get("date") or "")
    latest = bool(newest) and newest[-1].get("report_id") == report.get("report_id")
    kind = report.get("kind") or "report"
    which = f"its latest report, the {kind}" if latest else f"its {kind}"
    return f"What Ofsted asked {authority} to improve in {which} published {when}:"


def _month_year(iso: str) -> str:
    if len(iso) < 7:
        return iso or "on an unknown date"
    return f"{text.MONTHS[int(iso[5:7]) - 1].capitalize()} {iso[:4]}"
