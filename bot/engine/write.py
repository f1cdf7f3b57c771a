"""Writing an answer from the evidence: the model's draft, read sentence by sentence, each shown only once checked.

Without a model the same evidence is quoted instead (`quote`).
"""

from __future__ import annotations

import re
import time
from collections import Counter

import prompts
from bot.engine.asking import Answer, Asking
from bot.engine.messages import between_text, no_evidence_text, side_empty_text
from bot.engine.prompt import bearing, build_prompt, fit_prompt, select_evidence
from bot.engine.quotes import (
    balancing_quote,
    covers,
    evidence_only,
    judgement_tables,
    side_grade,
    side_improvement,
    side_quote,
    topic_area,
)
from bot.engine.summary import side_summary
from bot.evidence.citations import DATE_LABEL, Citation, SentenceChecker
from bot.evidence.entailment import Entailment
from bot.llm import LLM, Message
from index import text as text_rules
from index.chunk import Passage
from index.errors import TooSlow
from index.plan import QueryPlan
from index.retrieve import Hit, Retriever, SearchResult

#: Sides written one after another: two or three councils compared, or the first and last reports of a change.
MAX_SIDES = 3


# long: one answer or side by side, the two ways of writing share the streaming, the checks and the fallbacks.
class Writer:
    """Turns search results into an answer: written by the model within the budgets, or quoted."""

    def __init__(self, retriever: Retriever, *, budget_tokens: int, max_answer_tokens: int, min_relevance: float):
        self._retriever = retriever
        self._budget = budget_tokens
        self._max_tokens = max_answer_tokens
        self._min_relevance = min_relevance

    def _first(self, a: Asking) -> int:
        """The number the evidence's citations start at: after the records' figures, if any were shown."""
        return len(a.figures.citations) + 1 if a.figures else 1

    def quote(self, a: Asking, result: SearchResult) -> Answer:
        """No model: the reports' judgement tables for a grades question, otherwise the best passages, quoted."""
        text, citations = judgement_tables(a.plan, self._retriever) if a.figures is None else ("", [])
        if not citations:
            text, citations = evidence_only(a.asked, result, first=self._first(a))
        return a.finish("answered", text, citations)

    def write(
        self, a: Asking, result: SearchResult, llm: LLM, deadline: float | None, judge: Entailment | None = None
    ) -> Answer:
        """The model writes from the evidence; each sentence is shown only once a passage supports it.

        A comparison the question asks for (councils it names, or one council's reports over time) is
        written side by side: the model is shown one side's evidence at a time, so a small model cannot
        answer one side only. A set of councils (a region, those the records single out) shares one answer.
        """
        a.announce()
        if a.figures is None and result.plan.group is None and len(sides := _sides(result)) > 1:
            return self._write_sides(a, result, sides, llm, deadline, judge)
        # The budget holds the whole prompt, counted in the model's own tokens: prefill is the cost.
        room = self._budget - llm.count_tokens(build_prompt(a.asked, []))
        evidence, messages, a.timings["prompt_tokens"] = self._evidence(a.asked, result, room, self._budget, llm)
        first = self._first(a)
        if not evidence:
            # Not even one extract fits beside this question: quote the passages rather than guess.
            return a.finish("answered", *evidence_only(a.asked, result, first=first))
        checker = self._checker(a, evidence, first, judge)
        self._stream(a, llm, messages, checker, deadline)
        if not checker.sentences:
            return self._nothing_faithful(a, result, messages)
        citations = [checker.citations[n] for n in sorted(checker.citations)]
        return self._written(a, checker.text, citations, messages)

    def _evidence(
        self, asked: str, result: SearchResult, room: int, budget: int, llm: LLM, topic: str | None = None
    ) -> tuple[list[Passage], list[Message], int]:
        """The extracts the model is shown and its prompt: the best passages in `room`, the prompt within `budget`.

        Both cuts keep what bears on the question, by its words and then by meaning.
        """
        closeness = self._retriever.closeness
        evidence = select_evidence(result, room, self._min_relevance, topic=topic, closeness=closeness)
        rank = bearing(result.plan.searched(topic), closeness)
        return fit_prompt(asked, evidence, budget, llm.count_tokens, rank)

    def _checker(
        self, a: Asking, evidence: list, first: int, judge: Entailment | None, one_side: bool = False
    ) -> SentenceChecker:
        """The checks a written sentence passes before it is shown, its citations numbered from `first`."""
        return SentenceChecker(
            evidence, self._retriever.grades_for, question=a.asked, dropped=a.dropped, first=first,
            entailment=judge, dates=True, one_side=one_side, latest=self._retriever.is_newest,
        )  # fmt: skip

    def _written(self, a: Asking, answer_text: str, citations: list[Citation], messages: list[Message]) -> Answer:
        """The checked sentences (already shown) as the answer; for a change in grades, each report's table after."""
        if a.plan.intent.change and a.plan.about_cover:
            # How judgements changed: each report's own judgement table, oldest first, after the sentences.
            first = self._first(a) + len(citations)
            tables, table_citations = judgement_tables(a.plan, self._retriever, first=first)
            for line in tables.splitlines():
                a.show_line(line)
            answer_text = "\n".join(filter(None, [answer_text, tables]))
            citations = citations + table_citations
        return a.finish("answered", answer_text, citations, messages, shown=True)

    def _write_sides(
        self,
        a: Asking,
        result: SearchResult,
        sides: list[tuple[str, list[Hit]]],
        llm: LLM,
        deadline: float | None,
        judge: Entailment | None,
    ) -> Answer:
        """Each side from its own evidence (as much room as one answer: half left a side nothing), numbered on."""
        room = max(0, self._budget - llm.count_tokens(build_prompt(a.asked, [])))
        texts: list[str] = []
        unanswered: list[str] = []
        citations: list[Citation] = []
        messages: list[Message] = []
        councils = not (a.plan.intent.change and len(a.plan.filters.authorities) <= 1)
        area = topic_area(a.asked, a.plan.report_words)  # "care leavers": each side's grade for it is told too
        for side, hits in sides:
            if not hits or max(h.similarity for h in hits) < self._min_relevance:
                unanswered.append(side)  # nothing on the question there: the model is not asked to find some
                continue
            asked = prompts.render("answer_side", question=a.asked, side=side)
            own = SearchResult(result.plan, hits)
            budget = room + llm.count_tokens(build_prompt(asked, []))
            evidence, side_messages, tokens = self._evidence(asked, own, room, budget, llm, result.plan.side_topic)
            a.timings["prompt_tokens"] = a.timings.get("prompt_tokens", 0) + tokens
            messages += side_messages
            before = len(citations)
            first = self._first(a) + before
            checker = self._checker(a, evidence, first, judge, one_side=True)
            lead = side if councils else ""  # whose findings these are, before the first of them
            if evidence:
                self._stream(a, llm, side_messages, checker, deadline, lead, side=True)
            if checker.sentences:
                texts.append(_led(lead, checker.text))
                citations += [checker.citations[n] for n in sorted(checker.citations)]
            elif quoted := side_quote(result.plan.side_topic, hits, first, self._min_relevance):
                # Nothing written passed, but the side's best passage is on the topic: its own words.
                a.show_line(line := _led(lead, quoted[0]))
                texts.append(line)
                citations.append(quoted[1])
            told = len(citations) > before
            for line, citation in self._side_more(result.plan, hits, checker, area, citations[before:], first):
                a.show_line(line := line if told else _led(lead, line))
                texts.append(line)
                citations.append(citation)
                told = True
            if not told:
                unanswered.append(side)
        if not citations:
            return self._nothing_faithful(a, result, messages)
        said = [side_empty_text(side) for side in unanswered]  # after the sides answered: no answer reads as whole
        if not councils and (between := _between(result, sides)):
            said.append(between_text(between))
        for line in said:
            a.show_line(line)
            texts.append(line)
        return self._written(a, "\n".join(texts), citations, messages)

    def _side_more(
        self,
        plan: QueryPlan,
        hits: list[Hit],
        checker: SentenceChecker,
        area: str | None,
        told: list[Citation],
        first: int,
    ) -> list[tuple[str, Citation]]:
        """What a side's written sentences leave out, verbatim and cited: its summary's verdict, the other way.

        The report's own summary sentence on the topic comes first: the verdict a change or a comparison
        asks for, which the detailed paragraphs retrieval ranks higher may leave unsaid. All praise or
        all fault gets the report's closest finding the other way; a topic that is a judgement area gets
        the side's report's grade for it, from its cover row (unless the judgement tables are shown
        anyway, for a question about grades); an item of the report's improvement list that names the
        topic is what Ofsted asked of it there. `told` is what the side already cites, numbered from `first`.
        """
        more = []
        n = first + len(told)
        written = [s.text for s in checker.sentences]
        # The report the side's sentences come from (its most cited), else its best passage's: never another.
        cited = Counter(c.passage.report_id for c in checker.citations.values())
        report = cited.most_common(1)[0][0] if cited else hits[0].passage.report_id
        own = [h for h in hits if h.passage.report_id == report]
        topic = plan.side_topic
        said = written + [c.quote for c in told]  # the side's sentences and the passages' words they cite
        if headline := side_summary(self._retriever, report, topic, plan.searched(topic), said, n):
            more.append(headline)
            written = [*written, headline[1].quote]  # the other way is looked for beside the verdict too
        at = n + len(more)
        if written and (other := balancing_quote(topic, own, written, at, self._retriever, self._min_relevance,
                                                 plan.searched(topic))):  # fmt: skip
            more.append(other)
        if area and not plan.about_cover and (graded := side_grade(self._retriever, report, area, n + len(more))):
            more.append(graded)
        if asked := side_improvement(self._retriever, report, topic, n + len(more)):
            more.append(asked)
        return more

    def _stream(
        self,
        a: Asking,
        llm: LLM,
        messages: list[Message],
        checker: SentenceChecker,
        deadline: float | None,
        lead: str = "",
        side: bool = False,
    ) -> None:
        """Read the model's draft sentence by sentence, passing on each that the checks let through.

        `lead` names whose the first sentence shown is (a comparison's side: "Somerset: …"); a `side`
        starts its own line.
        """

        def show(sentence: str) -> None:
            if len(checker.sentences) > 1:
                a.show(sentence)
            else:
                (a.show_line if side else a.show)(_led(lead, sentence))

        pending = ""
        tokens = llm.stream(messages, self._max_tokens)
        try:
            for token in tokens:
                if deadline is not None and time.monotonic() > deadline:
                    raise TooSlow(f"the answer passed its deadline after {a.elapsed_ms() / 1000:.0f} s")
                a.timings.setdefault("first_token_ms", a.elapsed_ms())
                pending += token
                complete, pending = text_rules.complete_sentences(pending)
                for sentence in complete:
                    if shown := checker.check(sentence):
                        show(shown)
        finally:
            # Stopped early (the deadline, a caller's callback): the model's lock and the server's
            # connection are let go now, not whenever the traceback is freed.
            close = getattr(tokens, "close", None)
            if close is not None:
                close()
        # What is left without a full stop was cut off by the token limit: half a sentence is not shown.
        if _ENDED.search(pending) and (shown := checker.check(pending)):
            show(shown)

    def _nothing_faithful(self, a: Asking, result: SearchResult, messages: list[Message]) -> Answer:
        """The model found nothing it could say faithfully.

        A question about the grades of the reports in scope is answered by their judgement tables;
        if a passage plainly covers the question, it is quoted rather than declined; otherwise the
        library has nothing.
        """
        graded = judgement_tables(a.plan, self._retriever)
        if graded[1]:
            return a.finish("answered", *graded, messages)
        if covers(result, self._retriever.lexical.share_with):
            return a.finish("answered", *evidence_only(a.asked, result, first=self._first(a)), messages)
        return a.finish("no_evidence", no_evidence_text(result.plan, a.held), [], messages)


#: A sentence's end: its stop (with any closing quote or bracket), or the citation marks it ends on.
_ENDED = re.compile(r"(?:[.!?…][\"'”’)]*|\[\d{1,2}(?:\s*,\s*\d{1,2})*\])\s*$")


def _led(side: str, text: str) -> str:
    """The side's name before its first sentence, with that sentence's date label beside it.

    "Somerset (June 2026 report): Young carers…", not "Somerset: June 2026 report: Young carers…".
    """
    if not side:
        return text
    if dated := DATE_LABEL.match(text):
        return f"{side} ({dated.group(1)}): {text[dated.end() :]}"
    return f"{side}: {text}"


def _between(result: SearchResult, sides: list[tuple[str, list[Hit]]]) -> list[str]:
    """The months of the reports a change passed over between its first and its last."""
    told = {hits[0].passage.report_id for _, hits in sides if hits}
    dates = sorted({h.passage.date for h in result.hits if h.group and h.passage.report_id not in told})
    return [text_rules.month_year(d, unknown="undated") for d in dates]


def _sides(result: SearchResult) -> list[tuple[str, list[Hit]]]:
    """The search's shares as sides to write in turn, each named as the answer names it.

    A change is told from its first report to its last; a side is a council, or a report's month.
    More councils than sides (neighbours, a region) are written as one answer.
    """
    compared = result.plan.filters.authorities
    by_report = result.plan.intent.change and len(compared) <= 1
    # Every council compared is a side, found or not: one the search found nothing for is said, not dropped.
    groups: dict[str, list[Hit]] = {} if by_report else {name: [] for name in compared}
    for hit in result.hits:
        if hit.group:
            groups.setdefault(hit.group, []).append(hit)
    named = list(groups.items())
    if by_report:
        named.sort(key=lambda side: side[1][0].passage.date or "")
        label = [text_rules.month_year(hits[0].passage.date, unknown="undated") for _, hits in named]
        named = [(f"the {when} report", hits) for when, (_, hits) in zip(label, named, strict=True)]
        return [named[0], named[-1]] if len(named) > 2 else named  # a change is from the first to the last
    return named if len(named) <= MAX_SIDES else []  # a set of councils (neighbours, a region) shares one answer
