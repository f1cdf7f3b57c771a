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

from bot.evidence.citations import Citation, best_quote
from index import text
from index.chunk import report_id
from index.plan import Filters, QueryPlan
from index.report import is_primary
from index.retrieve import Retriever

#: Who sets the list: Ofsted, its inspectors, the report, or "it"/"they" standing for them.
_OFSTED = r"(?:ofsted|inspectors?|the (?:inspection|report|inspectorate)|it)"
#: Between who and the verb, only a word like "still": "children told inspectors they wanted…" is not Ofsted asking.
_ADVERB = r" (?:(?:still|also|then|later|specifically|particularly) )?"
#: What a list item asks for: to improve, address, focus on, work on or fix something.
_TO_DO = r"(?:improv\w*|imrpov\w*|address|focus(?: on)?|work on|fix|get better|do better|prioriti[sz]e)"
#: Asking for the list, in Ofsted's words or a manager's: recommendations, areas for improvement,
#: priorities or next steps, what must or should be improved, what Ofsted asked, told or wanted.
_ASKS_FOR_LIST = re.compile(
    r"\b(?:recomm?[ae]nd(?:ation)?s|recomend\w*|recs\b"
    r"|areas? (?:for|of|to|needing|requiring|that need(?:s|ed)?) (?:improv\w*|development|action|priority|work)"
    r"|(?:improvement|development) (?:areas?|points?|priorit\w*|actions?)|priorit(?:y|ies)\b|next steps"
    r"|what (?:still )?needs? (?:to (?:be )?)?(?:improv\w*|work|fixing)|needs? (?:to )?improv\w*"
    r"|(?:must|should|shld|ha(?:s|ve) to|needs? to)\b(?:\s+\S+){0,4}?\s+(?:do|" + _TO_DO[3:-1] + r")\b"
    r"|(?:improvements?|things?|areas?|actions?) (?:did|does|do|has|had|have) "
    + _OFSTED
    + r" (?:ask|want|set|recommend|requir|identif|flag)\w*"
    r"|" + _OFSTED + _ADVERB + r"(?:ask|asks|asked|told|tell|tells|want|wants|wanted|requir\w*|expect\w*|recommend\w*)"
    r"\b[^.?!]{0,40}?\b(?:to (?:make )?improv\w*|to " + _TO_DO[3:-1] + r"|to do)\b"
    r"|" + _OFSTED + _ADVERB + r"want\w*\b[^.?!]{0,40}?\bimproved\b"
    r"|(?:was|were|is|are|been)(?:\s+\S+){0,4}?\s+(?:asked|told|required|expected) to " + _TO_DO + r")",
    re.I,
)
#: Questions about what was done with the list: those need the reports' words on progress, not the list.
_FOLLOW_THROUGH = re.compile(
    r"\b(?:progress|met|addressed|acted on|act on|respond\w*|implement\w*|done|carried out|delivered|followed|"
    r"since|would you|recommended (?:a|an|the|\w+ing)|been (?:taken|made))\b",
    re.I,
)
#: Where a manager narrows the list to a topic: "recommendations re neglect", "improve for care leavers".
_TOPIC = re.compile(
    r"\b(?:for|about|re|regarding|around|on|in relation to|relating to|concerning|improve (?:its|the|their))\s+(.+?)"
    r"(?=[?.!,;]|\s+(?:in|at|on|after|from|following|since|during|before)\s+"
    r"(?:its|the|their|his|her|this|that|last|latest|recent|\d)|$)",
    re.I,
)
#: Words that say where or when, not what: a topic made only of them is no topic.
_NOT_TOPIC = text.content_words(
    "ofsted inspection inspector inspectors report council county borough city metropolitan local authority "
    "services service children child work young people last latest recent year years visit monitoring focused "
    "overall example all please improvement improvements area areas thing things monday tuesday wednesday "
    "thursday friday weekend spring summer autumn winter"
)


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
    """Whether the question asks what the report told the council to improve (not what came of it)."""
    return bool(_ASKS_FOR_LIST.search(question)) and not _FOLLOW_THROUGH.search(question)


def topic_of(question: str, names: list[str]) -> str:
    """The topic a list question narrows to ('neglect', 'care leavers'), or '' for the whole list.

    `names` are the councils as named and as written in the question; they, dates and words of place
    or time are never a topic.
    """
    named = set().union(*(text.content_words(a) for a in names)) if names else set()
    clause = next((c for c in _clauses(question) if asks_for_list(c)), question)
    asked_for = re.sub(r"\b(to )?improve (?=its|the|their)", "improve ", clause, flags=re.I)
    rest = _ASKS_FOR_LIST.sub(lambda m: m.group(0) if m.group(0).lower().startswith("improve ") else " ", asked_for)
    for match in _TOPIC.finditer(rest):
        phrase = match.group(1)
        for name in sorted(names, key=len, reverse=True):
            phrase = re.sub(rf"\b{re.escape(name)}(?:'s)?", " ", phrase, flags=re.I)
        phrase = re.sub(r"\b(?:19|20)\d\d\b|\b(?:its|their|the|his|her)\b", " ", phrase, flags=re.I)
        kept = [w for w in phrase.split() if text.content_words(w) - named - _NOT_TOPIC - set(text.MONTHS)]
        if kept:
            return " ".join(kept)
    return ""


def _topic_words(topic: str) -> set[str]:
    return text.content_words(topic) - _NOT_TOPIC


def improvement_bullets(retriever: Retriever, report: dict, topic: str | None) -> list[tuple[str, Citation]]:
    """The report's list (items naming the topic, if one is given), each cited to the passage that states it."""
    passages = retriever.passages_of(report_id(report["source"]))
    topic_words = _topic_words(topic or "")
    items = []
    for item in report.get("improvements") or []:
        if topic_words and not topic_words <= text.content_words(item):
            continue  # every word of the topic: "care leavers" is not any item that says "care"
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
    names = [*plan.filters.authorities, *(p.said for p in plan.places if p.said)]
    topic = topic_of(plan.question, names)
    out, missing = ListAnswer(), []
    for authority in plan.filters.authorities:
        report = _the_report(scoped.get(authority, retriever.reports_on(authority)), plan)
        bullets = improvement_bullets(retriever, report, topic or None) if report else []
        note = ""
        if report and topic and not bullets:
            bullets = improvement_bullets(retriever, report, None)
            note = f" none of its items names {topic}; the whole list:"
        if report is None or not bullets:
            missing.append(authority)
            continue
        out.lines.append(f"{_heading(authority, report, retriever)}{note}")
        for item, cited in bullets:
            n = first + len(out.citations)
            out.citations.append(Citation(n, cited.passage, cited.quote))
            out.lines.append(f"• {item} [{n}]")
        shown, listed = len(bullets), len(report.get("improvements") or [])
        if not topic and shown < listed:
            out.lines.append(f"({shown} of its {listed} items could be tied to the report's words.)")
    if not out.citations:
        return None
    if missing:
        out.lines.append(f"The library holds no improvement list it can quote for {text.listed(missing)} then.")
    return out


def list_answer(plan: QueryPlan, retriever: Retriever) -> ListAnswer | None:
    """The records fact a two-part question also asks for, then the list; None when there is no list.

    A part that is neither (a finding to read about) is named as not answered here, never dropped.
    """
    from bot.records.answers import answer_from_records

    with retriever.one_version():  # one library version for every look-up
        head, unanswered = ListAnswer(), []
        for clause, part in _other_parts(plan, retriever):
            if part is None:
                unanswered.append(clause)
            elif not head.citations:
                found = answer_from_records(*part, retriever)
                head = ListAnswer(list(found.lines), list(found.citations))
        listed = answer_with_list(plan, retriever, first=len(head.citations) + 1)
    if listed is None:
        return None
    tail = [f"Not answered here: “{clause}” — ask it on its own." for clause in unanswered]
    return ListAnswer(head.lines + listed.lines + tail, head.citations + listed.citations)


def has_list(plan: QueryPlan, retriever: Retriever) -> bool:
    """Whether a list question can be answered from the records alone (so no model need load)."""
    with retriever.one_version():
        return answer_with_list(plan, retriever) is not None


def _other_parts(plan: QueryPlan, retriever: Retriever) -> list[tuple[str, tuple | None]]:
    """The parts of a question beside its list ask: a records fact (planned alone), or None to read about."""
    from bot.records.question import read_record_question

    parts = []
    place_words = set().union(set(), *(text.content_words(a) for a in plan.filters.authorities))
    for clause in _clauses(plan.question):
        if asks_for_list(clause):
            continue
        part = retriever.plan(clause, Filters(authorities=list(plan.filters.authorities)))
        asked = read_record_question(part)
        if asked is not None and asked.pure and asked.ask != "which_council":
            parts.append((clause, (part, asked)))
        elif len(text.content_words(clause) - _NOT_TOPIC - place_words) >= 2:
            parts.append((clause, None))
    return parts


def _clauses(question: str) -> list[str]:
    parts = re.split(r"[?;]|,?\s+and\s+(?=(?:what|how|which|who|when|did|was|were|is|are)\b)|\s[-–—]\s", question)
    return [p.strip() for p in parts if p and len(p.split()) >= 3] if len(parts) > 1 else []


def _the_report(reports: list[dict], plan: QueryPlan) -> dict | None:
    """The report the question names, else the newest in scope, that sets out a list.

    A year the question names picks that year's report ("after its 2023 inspection" is the 2023
    one, not a visit since); an inspection comes before a visit when the question says
    "inspection"; Ofsted's own reports come before news about them.
    """
    with_list = [r for r in reports if r.get("improvements")]
    primary = [r for r in with_list if is_primary(r)] or with_list
    named = [r for r in primary if (r.get("date") or "")[:4] in {str(y) for y in plan.years}] or primary
    if re.search(r"\binspect", plan.question, re.I):
        named = [r for r in named if r.get("judgements")] or named
    return named[-1] if named else None


def _heading(authority: str, report: dict, retriever: Retriever) -> str:
    newest = [r for r in retriever.reports_on(authority) if is_primary(r)]
    when = text.month_year(report.get("publication_date") or report.get("date") or "", unknown="on an unknown date")
    latest = bool(newest) and newest[-1].get("report_id") == report.get("report_id")
    kind = report.get("kind") or "report"
    which = f"its latest report, the {kind}" if latest else f"its {kind}"
    return f"What Ofsted asked {authority} to improve in {which} published {when}:"
