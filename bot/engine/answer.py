"""Stage 7, answer: retrieve, decide whether there is evidence, let the model write, check every citation.

`AnswerEngine.ask` runs named steps in turn, each of which may settle the answer: `_decline`
(nothing to answer from), `_from_records` (figures looked up, not written), then `_write` (the
model writes from the evidence, sentence by sentence checked) or `_quote` (no model: the evidence
quoted). What one question carries through the steps is an `_Asking`.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.engine.messages import (
    EMPTY_LIBRARY_TEXT,
    WHICH_COUNCIL_TEXT,
    clarify_text,
    no_evidence_text,
    other_inspectorate_text,
    plan_notes,
)
from bot.engine.prompt import Turn, build_prompt, fit_prompt, select_evidence, standalone
from bot.engine.quotes import covers, evidence_only, judgement_tables
from bot.evidence.citations import Citation, SentenceChecker, citation_json
from bot.llm import LLM, Message
from bot.records.answers import RecordAnswer, answer_from_records
from bot.records.improvements import asks_for_list, has_list, list_answer
from bot.records.question import read_record_question, reports_question
from index import text as text_rules
from index.errors import ModelUnavailable, TooSlow
from index.retrieve import Filters, QueryPlan, Retriever, SearchResult


@dataclass
class Answer:
    """What a manager gets: the text, its sources, and how long it took."""

    question: str
    status: str  # answered | no_evidence | clarify
    text: str
    citations: list[Citation] = field(default_factory=list)
    model: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    prompt: list[Message] = field(default_factory=list)
    standalone_question: str = ""
    #: Sentences the model wrote that the checks removed, with why (shown by --show-prompt, never as answer).
    dropped: list[tuple[str, str]] = field(default_factory=list)
    #: What the library holds or lacks for this question, and how names were read: shown before the answer.
    notes: list[str] = field(default_factory=list)
    #: For an ambiguous place name, the councils it could mean (status "clarify").
    choices: list[str] = field(default_factory=list)
    plan: dict = field(default_factory=dict)

    def with_choice(self, choice: str) -> str:
        """The question again, with the ambiguous name replaced by the council the person chose."""
        said = self.plan["ambiguous"][0]["said"]
        return re.sub(rf"\b{re.escape(said)}\b", choice, self.question, count=1, flags=re.I)

    def as_json(self) -> dict:
        """The `--json` shape shared by the CLI, the REPL and Slack."""
        return {
            "question": self.question,
            "status": self.status,
            "answer": self.text,
            "notes": self.notes,
            "choices": self.choices,
            "citations": [citation_json(c) for c in self.citations],
            "model": self.model,
            "timings": {k: round(v) for k, v in self.timings.items()},
        }


def _wants_list(plan: QueryPlan, question: str) -> bool:
    return bool(plan.filters.authorities) and plan.group is None and asks_for_list(question)


@dataclass
class _Asking:
    """One question on its way to an answer: what the steps read, and what the answer collects."""

    question: str
    asked: str  # the question as answered: a follow-up rewritten to stand alone
    plan: QueryPlan
    held: list[str]
    filters: Filters | None
    on_sentence: Callable[[str], None] | None
    on_notes: Callable[[list[str]], None] | None
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    model_name: str = "none (evidence only)"
    #: Figures from the records shown first, when the reports' words are searched after them.
    figures: RecordAnswer | None = None
    announced: bool = False

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def show(self, sentence: str) -> None:
        """Pass one checked sentence on."""
        self.timings.setdefault("first_sentence_ms", self.elapsed_ms())
        if self.on_sentence:
            self.on_sentence(sentence)

    def announce(self) -> None:
        """Notes (names read, places or years missing, the newest report) come before any sentence."""
        if self.on_notes and self.notes and not self.announced:
            self.on_notes(self.notes)
        self.announced = True

    def finish(
        self, status: str, text: str, citations: list[Citation], prompt: list[Message] | None = None, shown=False
    ) -> Answer:
        """The answer, with the records' figures (if any were shown) before what follows them."""
        self.announce()
        figures = self.figures
        if figures is not None and status in ("answered", "no_evidence"):
            if status == "no_evidence":
                text, citations, shown = "", [], True
            status = "answered"
            if not shown:
                self.show(text)
            shown = True
            text = "\n".join(filter(None, [figures.text, text]))
            citations = figures.citations + citations
        if not shown:
            self.show(text)
        self.timings["total_ms"] = self.elapsed_ms()
        return Answer(
            self.question, status, text, citations, self.model_name, self.timings, prompt or [], self.asked,
            self.dropped, notes=self.notes, choices=self.choices, plan=self.plan.as_dict(),
        )  # fmt: skip


class AnswerEngine:
    """Answers questions from the library; the CLI, REPL and Slack bot all use this one object."""

    def __init__(
        self,
        retriever: Retriever,
        llm_factory: Callable[[], LLM] | None,
        *,
        budget_tokens: int,
        max_answer_tokens: int,
        min_relevance: float,
        search_k: int = 8,
    ) -> None:
        self._retriever = retriever
        self._llm_factory = llm_factory
        self._llm_failure: ModelUnavailable | None = None
        self._llm: LLM | None = None
        self._llm_lock = threading.Lock()
        self._budget = budget_tokens
        self._max_tokens = max_answer_tokens
        self._min_relevance = min_relevance
        self._search_k = search_k

    @property
    def retriever(self) -> Retriever:
        """The library search this engine answers from (claim checks use it too)."""
        return self._retriever

    @property
    def llm(self) -> LLM | None:
        """The model, loaded on first use (None when answering from evidence only)."""
        with self._llm_lock:
            if self._llm_failure is not None:
                raise self._llm_failure  # tried once in this process (a probe, a load): not again per question
            if self._llm is None and self._llm_factory is not None:
                try:
                    self._llm = self._llm_factory()
                except ModelUnavailable as err:
                    self._llm_failure = err
                    raise
        return self._llm

    def preload(self) -> threading.Thread:
        """Start loading the model on another thread, so a cold process warms the library meanwhile.

        llama.cpp loads in C with the GIL released; a failure here is left for the caller's own
        `llm` access to report.
        """

        def load() -> None:
            with contextlib.suppress(Exception):
                _ = self.llm

        thread = threading.Thread(target=load, name="model-load", daemon=True)
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
        plan = self._retriever.plan(asked, filters)
        a = _Asking(question, asked, plan, self._retriever.authorities(), filters, on_sentence, on_notes, started)
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
            return self._quote(a, result)
        return self._write(a, result, llm, deadline)

    def _decline(self, a: _Asking) -> Answer | None:
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

    def _from_records(self, a: _Asking) -> Answer | None:
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
                a.show(line)
            if not a.figures.authorities:
                a.model_name = "none (report records)"
                return a.finish("answered", "", [], shown=True)  # nobody to read about: the figures are the answer
            # The reports' words are searched only for the councils the figures single out.
            a.filters = Filters(**vars(a.filters)) if a.filters else Filters()
            a.filters.authorities = a.figures.authorities[:4]
            a.asked = reports_question(a.asked, records_question, a.filters.authorities)
        return None

    def _first(self, a: _Asking) -> int:
        """The number the evidence's citations start at: after the records' figures, if any were shown."""
        return len(a.figures.citations) + 1 if a.figures else 1

    def _quote(self, a: _Asking, result: SearchResult) -> Answer:
        """No model: the reports' judgement tables for a grades question, otherwise the best passages, quoted."""
        text, citations = judgement_tables(a.plan, self._retriever) if a.figures is None else ("", [])
        if not citations:
            text, citations = evidence_only(a.asked, result, first=self._first(a))
        return a.finish("answered", text, citations)

    def _write(self, a: _Asking, result: SearchResult, llm: LLM, deadline: float | None) -> Answer:
        """The model writes from the evidence; each sentence is shown only once a passage supports it."""
        a.announce()
        # The budget holds the whole prompt, counted in the model's own tokens: prefill is the cost.
        room = self._budget - llm.count_tokens(build_prompt(a.asked, []))
        evidence = select_evidence(result, room, self._min_relevance)
        evidence, messages, a.timings["prompt_tokens"] = fit_prompt(a.asked, evidence, self._budget, llm.count_tokens)
        first = self._first(a)
        if not evidence:
            # Not even one extract fits beside this question: quote the passages rather than guess.
            return a.finish("answered", *evidence_only(a.asked, result, first=first))
        checker = SentenceChecker(
            evidence, self._retriever.grades_for, question=a.asked, dropped=a.dropped, first=first
        )
        self._stream(a, llm, messages, checker, deadline)
        if not checker.sentences:
            return self._nothing_faithful(a, result, messages)
        citations = [checker.citations[n] for n in sorted(checker.citations)]
        answer_text = checker.text
        if a.plan.intent.change and a.plan.about_cover:
            # How judgements changed: each report's own judgement table, oldest first, after the sentences.
            tables, table_citations = judgement_tables(a.plan, self._retriever, first=len(citations) + 1)
            for line in tables.splitlines():
                a.show(line)
            answer_text = "\n".join(filter(None, [answer_text, tables]))
            citations += table_citations
        return a.finish("answered", answer_text, citations, messages, shown=True)

    def _stream(
        self, a: _Asking, llm: LLM, messages: list[Message], checker: SentenceChecker, deadline: float | None
    ) -> None:
        """Read the model's draft sentence by sentence, passing on each that the checks let through."""
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
                        a.show(shown)
        finally:
            # Stopped early (the deadline, a caller's callback): the model's lock and the server's
            # connection are let go now, not whenever the traceback is freed.
            close = getattr(tokens, "close", None)
            if close is not None:
                close()
        if pending.strip() and (shown := checker.check(pending)):
            a.show(shown)

    def _nothing_faithful(self, a: _Asking, result: SearchResult, messages: list[Message]) -> Answer:
        """The model found nothing it could say faithfully.

        A question about the grades of the reports in scope is answered by their judgement tables;
        if a passage plainly covers the question, it is quoted rather than declined; otherwise the
        library has nothing.
        """
        graded = judgement_tables(a.plan, self._retriever)
        if graded[1]:
            return a.finish("answered", *graded, messages)
        if covers(result):
            return a.finish("answered", *evidence_only(a.asked, result, first=self._first(a)), messages)
        return a.finish("no_evidence", no_evidence_text(result.plan, a.held), [], messages)
