"""Stage 7, answer: retrieve, decide whether there is evidence, let the model write, check every citation.

`AnswerEngine.ask` runs named steps in turn, each of which may settle the answer: `_decline`
(nothing to answer from), `_from_records` (figures looked up, not written), then `_write` (the
model writes from the evidence, sentence by sentence checked) or `_quote` (no model: the evidence
quoted). What one question carries through the steps is an `Asking`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from bot.engine.asking import Answer, Asking, joined
from bot.engine.check import CheckReport, check_text
from bot.engine.messages import (
    EMPTY_LIBRARY_TEXT,
    WHICH_COUNCIL_TEXT,
    clarify_text,
    no_evidence_text,
    other_inspectorate_text,
    plan_notes,
)
from bot.engine.prompt import Turn, standalone
from bot.engine.write import Writer
from bot.evidence.citations import renumber
from bot.evidence.entailment import Entailment
from bot.llm import LLM, LazyModel
from bot.records.answers import answer_from_records
from bot.records.improvements import asks_for_list, has_list, list_answer
from bot.records.question import read_record_question, reports_question
from index.asks import separate_asks
from index.errors import ModelUnavailable
from index.plan import Filters, QueryPlan
from index.retrieve import Retriever

SEARCH_K = 8  # passages a search returns: enough for the budget's extracts and the quotes' fallback
READ_ABOUT = 4  # of the councils the records' figures single out, whose reports are then read


def _wants_list(plan: QueryPlan, question: str) -> bool:
    return bool(plan.filters.authorities) and plan.group is None and asks_for_list(question)


def _loaded(judge: LazyModel[Entailment]) -> tuple[Entailment | None, str]:
    try:
        return judge.get(), ""
    except ModelUnavailable as err:
        return None, f"The judge model is unavailable ({err}): sentences were checked by the rules alone."


# long: the engine's steps are its methods, in the order a question meets them, beside the checks it lends out.
class AnswerEngine:
    """Answers questions from the library; the CLI, REPL and Slack bot all use this one object."""

    def __init__(
        self,
        retriever: Retriever,
        llm_factory: Callable[[], LLM] | None,
        *,
        judge_factory: Callable[[], Entailment | None] | None = None,
        budget_tokens: int,
        max_answer_tokens: int,
        min_relevance: float,
        search_k: int = SEARCH_K,
    ) -> None:
        self._retriever = retriever
        self._model: LazyModel[LLM] = LazyModel(llm_factory)
        self._judge: LazyModel[Entailment] = LazyModel(judge_factory)
        self._writer = Writer(
            retriever, budget_tokens=budget_tokens, max_answer_tokens=max_answer_tokens, min_relevance=min_relevance
        )
        self._min_relevance = min_relevance
        self._search_k = search_k

    @property
    def retriever(self) -> Retriever:
        """The library search this engine answers from (claim checks use it too)."""
        return self._retriever

    @property
    def llm(self) -> LLM | None:
        """The model, loaded on first use (None when answering from evidence only)."""
        return self._model.get()

    def judge(self) -> tuple[Entailment | None, str]:
        """The claim judge, and why there is none when the settings wanted one (the rules still check)."""
        return _loaded(self._judge)

    def check(self, pasted: str, filters: Filters | None = None, *, use_judge: bool = True) -> CheckReport:
        """`briefing check`, `/check` and Slack's check: each claim by the rules, then by the judge if there is one."""
        judge, why_not = self.judge() if use_judge else (None, "")
        report = check_text(pasted, self._retriever, filters, entailment=judge)
        report.judged_by = judge.name if judge is not None and not judge.failure else "rules"
        report.notes += [n for n in (why_not, judge.failure if judge else "") if n]
        return report

    def preload(self) -> threading.Thread:
        """Start loading the model, then the judge, on another thread, so a cold process warms the library meanwhile."""

        def load() -> None:
            self._model.preload().join()
            with contextlib.suppress(Exception):  # a failed model is not probed again for the judge
                if self._model.get() is not None:
                    self._judge.get()

        thread = threading.Thread(target=load, name="models-load", daemon=True)
        thread.start()
        return thread

    def needs_model(self, question: str, filters: Filters | None = None) -> bool:
        """Whether answering this needs the model at all: a records question or a plain decline does not."""
        plan = self._retriever.plan(question, filters)
        declined = plan.unknown_places and not plan.filters.authorities and not plan.group
        if plan.ambiguous or plan.other_inspectorate or declined or not self._retriever.authorities():
            return False
        if _wants_list(plan, question) and has_list(plan, self._retriever):
            return False
        asked = read_record_question(plan)
        return not (asked and asked.pure)

    def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: list[Turn] | None = None,
        use_llm: bool = True,
        on_sentence: Callable[[str], None] | None = None,
        on_notes: Callable[[list[str]], None] | None = None,
        deadline: float | None = None,
    ) -> Answer:
        """Answer one question; `on_sentence` sees each sentence once it has passed the checks.

        `deadline` (a `time.monotonic()` value) stops the model at the token it passes, with
        `TooSlow`: a model that never ends a sentence still cannot hold a shared worker.

        Nothing the model writes is passed on unchecked: the draft is read sentence by sentence, and
        each sentence is shown only when a passage supports it, facts and all.
        """
        started = time.perf_counter()
        # The model loads only when it is needed: a follow-up to rewrite, or an answer to write.
        asked = standalone(question, history or [], self.llm if use_llm and history else None)
        asks = separate_asks(asked, self._retriever.places)
        if len(asks) > 1 and not any(self._retriever.plan(ask, filters).ambiguous for ask in asks):
            # (A name to ask back about is asked about the whole question, so the choice re-asks all of it.)
            return self._ask_each(question, asks, filters, use_llm, on_sentence, on_notes, deadline, started)
        plan = self._retriever.plan(asked, filters)
        a = Asking(question, asked, plan, self._retriever.authorities(), filters, on_sentence, on_notes, started)
        return self._answer(a, use_llm, deadline)

    def _answer(self, a: Asking, use_llm: bool, deadline: float | None) -> Answer:
        """One ask, answered: declined, looked up in the records, or written from the passages found."""
        plan = a.plan
        a.notes = plan_notes(plan)
        settled = self._decline(a) or self._from_records(a)
        if settled is not None:
            return settled
        result = self._retriever.search(a.asked, a.filters, k=self._search_k)
        a.timings["retrieve_ms"] = a.elapsed_ms()
        llm = self.llm if use_llm else None
        a.model_name = llm.name if llm else a.model_name
        if not any(h.similarity >= self._min_relevance for h in result.hits):
            return a.finish("no_evidence", no_evidence_text(result.plan, a.held), [])
        if llm is None:
            return self._writer.quote(a, result)
        judge, why_not = self.judge()
        if why_not:
            a.notes.append(why_not)
        answer = self._writer.write(a, result, llm, deadline, judge)
        if judge is not None and judge.failure and judge.failure not in answer.notes:
            answer.notes.append(judge.failure)
        return answer

    def _ask_each(
        self,
        question: str,
        asks: list[str],
        filters: Filters | None,
        use_llm: bool,
        on_sentence: Callable[[str], None] | None,
        on_notes: Callable[[list[str]], None] | None,
        deadline: float | None,
        started: float,
    ) -> Answer:
        """Two asks in one question ("what grade…, and what needs to improve?"): each answered in its own right."""
        answers: list[Answer] = []
        told: set[str] = set()

        def notes_once(notes: list[str]) -> None:
            if on_notes and (new := [n for n in notes if n not in told]):
                told.update(new)
                on_notes(new)

        for ask in asks:
            by = sum(len(a.citations) for a in answers)
            # Each ask's answer starts a line of its own, as in the joined text.
            opened = [not answers]

            def shown(sentence: str, by: int = by, opened: list[bool] = opened) -> None:
                lead = "" if opened[0] else "\n"
                opened[0] = True
                on_sentence(lead + renumber(sentence, by))  # type: ignore[misc]  # only passed on when given

            plan = self._retriever.plan(ask, filters)
            held = self._retriever.authorities()
            a = Asking(ask, ask, plan, held, filters, shown if on_sentence else None, notes_once, part=True)
            answer = self._answer(a, use_llm, deadline)
            if answer.status == "clarify":
                return answer  # a name to settle first: the rest is asked again once it is
            answers.append(answer)
        return joined(question, answers, started)

    def _decline(self, a: Asking) -> Answer | None:
        """Nothing to answer from: a name to settle, another inspectorate, places or years not held."""
        plan = a.plan
        if plan.ambiguous:
            a.choices = list(plan.ambiguous[0].choices)
            return a.finish("clarify", clarify_text(plan), [])
        if plan.other_inspectorate:
            return a.finish("no_evidence", other_inspectorate_text(plan.other_inspectorate), [])
        if plan.group and plan.group.kind == "neighbours" and not plan.group.of:
            return a.finish("clarify", plan.group_note, [])
        if plan.unknown_places and not plan.filters.authorities and not plan.group:
            return a.finish("no_evidence", no_evidence_text(plan, a.held), [])
        if plan.scopes and not any(scope.reports for scope in plan.scopes) and not plan.group:
            a.notes = [n for n in a.notes if n not in plan.missing]
            return a.finish("no_evidence", " ".join(plan.missing), [])
        if not a.held:
            return a.finish("no_evidence", EMPTY_LIBRARY_TEXT, [])
        return None

    def _from_records(self, a: Asking) -> Answer | None:
        """Figures are looked up, not written: a report's own list, grades, dates, counts, movers."""
        plan = a.plan
        records_question = read_record_question(plan)
        if records_question and records_question.ask == "which_council":
            return a.finish("clarify", WHICH_COUNCIL_TEXT, [])
        if _wants_list(plan, a.asked) and (listed := list_answer(plan, self._retriever)) is not None:
            # "What needs to improve?": the report's own list, verbatim and cited, not the model's retelling.
            a.model_name = "none (report records)"
            a.timings["retrieve_ms"] = a.elapsed_ms()
            return a.finish("answered", listed.text, listed.citations)
        if records_question and records_question.pure:
            # Grades, dates, inspectors and counts are looked up, not written: no model, every figure cited.
            found = answer_from_records(plan, records_question, self._retriever)
            a.model_name = "none (report records)"
            a.notes = [n for n in a.notes if n != plan.group_note and not n.startswith(("Newest ", "Reports on "))]
            a.timings["retrieve_ms"] = a.elapsed_ms()
            return a.finish("answered", found.text, found.citations)
        named_only = bool(plan.filters.authorities) and plan.group is None
        if records_question and records_question.ask in ("change", "which", "count") and not named_only:
            # "Who improved from inadequate to good, and what did they do?": the figures come from the
            # records and are shown first; the reports' words are searched for the councils they name.
            # (For one named council the grade only dates the question: "…when Lancashire came out of
            # inadequate" is the model's to answer, searched as asked.)
            a.figures = answer_from_records(plan, records_question, self._retriever)
            a.announce()
            for line in a.figures.lines:
                a.show_line(line)
            if not a.figures.authorities:
                a.model_name = "none (report records)"
                return a.finish("answered", "", [], shown=True)  # nobody to read about: the figures are the answer
            # The reports' words are searched only for the councils the figures single out.
            a.filters = Filters(**vars(a.filters)) if a.filters else Filters()
            a.filters.authorities = a.figures.authorities[:READ_ABOUT]
            a.asked = reports_question(a.asked, records_question, a.filters.authorities)
        return None
