"""Stage 7, answer: retrieve, decide whether there is evidence, let the model write, check every citation."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import prompts
from bot.evidence.citations import Citation, SentenceChecker, best_quote, citation_json, opening
from bot.llm import LLM, Message
from bot.records.answers import RecordAnswer, answer_from_records
from bot.records.improvements import asks_for_list, has_list, list_answer
from bot.records.lookup import cover_quote, describe
from bot.records.question import read_record_question, reports_question
from index import text as text_rules
from index.authorities import find_authorities
from index.chunk import COVER_SECTION, Passage, count_tokens
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


@dataclass
class Turn:
    """One question and answer earlier in a conversation."""

    question: str
    answer: str


def standalone(question: str, history: list[Turn], llm: LLM | None) -> str:
    """Rewrite a follow-up ('and care leavers?') into a question that stands alone."""
    if not history:
        return question
    if llm is None:
        # Without a model, carry the earlier question's places and years into a short follow-up.
        # A follow-up that names its own place (or year) keeps it: carrying the old one would add to it.
        previous = history[-1].question
        carried = [] if find_authorities(question) else find_authorities(previous)
        if not text_rules.years(question):
            carried += [str(y) for y in sorted(text_rules.years(previous))]
        return f"{question} ({' '.join(carried)})" if carried else question
    conversation = "\n".join(f"Q: {t.question}\nA: {t.answer[:300]}" for t in history[-3:])
    prompt = prompts.render("rewrite_followup", history=conversation, question=question)
    text = "".join(llm.stream([{"role": "user", "content": prompt}], max_tokens=60)).strip()
    return text.splitlines()[0].strip() if text else question


def select_evidence(
    result: SearchResult,
    budget_tokens: int,
    min_relevance: float,
    limit: int = 5,
    count: Callable[[str], int] = count_tokens,
) -> list[Passage]:
    """The best passages that fit the extracts' budget, each cut to the sentences that bear on the question.

    When the search gave each place (or each report, for a change over time) its own share, the
    budget is shared the same way, so no place fills the prompt; a change is laid out oldest first.
    """
    query_words = text_rules.content_words(result.plan.query)
    groups: dict[str, list] = {}
    for hit in result.hits:
        groups.setdefault(hit.group, []).append(hit)
    if not groups or budget_tokens <= 0:
        return []
    if len(groups) > limit:
        # More reports than extracts: the oldest and the newest ones, so the change is still visible.
        kept = list(groups)[:1] + list(groups)[-(limit - 1) :]
        groups = {name: groups[name] for name in kept}
    share = budget_tokens // len(groups)
    per_group = max(1, limit // len(groups)) if len(groups) <= limit else 1
    chosen: list[Passage] = []
    for hits in groups.values():
        used, taken = 0, 0
        for hit in hits:
            if hit.similarity < min_relevance and taken:
                break
            room = share - used - LABEL_TOKENS
            longest = max(40, share // 3 if len(groups) == 1 else share // 2)
            passage = _focus(hit.passage, query_words, min(longest, room) if taken else longest, count)
            tokens = count(passage.text) + LABEL_TOKENS
            if taken and used + tokens > share:
                continue
            chosen.append(passage)
            used += tokens
            taken += 1
            if taken >= (limit if len(groups) == 1 else per_group):
                break
    if result.plan.intent.change:
        chosen.sort(key=lambda p: p.date or "")
    return chosen


#: What a label ("[2] Lancashire, ILACS inspection, Feb 2018, Leadership:") costs, roughly, in tokens.
LABEL_TOKENS = 14
MAX_QUESTION_CHARS = 2000  # every surface: a longer "question" is a paste, and would crowd out the evidence


def question_problem(text: str) -> str | None:
    """Why this text cannot be asked, in one line; None when it can."""
    if not re.search(r"[A-Za-z0-9]", text or ""):
        return "the question is empty: ask in plain words"
    if len(text) > MAX_QUESTION_CHARS:
        return f"the question is {len(text):,} characters long; keep it under {MAX_QUESTION_CHARS:,}"
    return None


def _focus(passage: Passage, query_words: set[str], max_tokens: int, count: Callable[[str], int]) -> Passage:
    """The passage's sentences that share words with the question, in their original order, within max_tokens.

    A passage none of whose sentences shares a word is kept from its start (the search found it for
    its meaning); one that fits is still cut to its bearing sentences when some bear and some do not.
    """
    placed = text_rules.sentences_by_line(passage.text)
    sentences = [sentence for _, sentence in placed]
    if len(sentences) <= 1 and count(passage.text) <= max_tokens:
        return passage
    overlap = [len(query_words & text_rules.content_words(s)) for s in sentences]
    if any(overlap):
        ranked = sorted((i for i in range(len(sentences)) if overlap[i]), key=lambda i: -overlap[i])
    else:
        ranked = list(range(len(sentences)))
    keep: set[int] = set()
    used = 0
    for i in ranked:
        cost = count(sentences[i])
        if used + cost > max_tokens and keep:
            continue
        keep.add(i)
        used += cost
    if keep == set(range(len(sentences))):
        return passage
    # Sentences that were not neighbours on one line go on separate lines, so no quote can join them.
    lines: list[str] = []
    for i in sorted(keep):
        joined = lines and i - 1 in keep and placed[i - 1][0] == placed[i][0]
        lines.append(f"{lines.pop()} {sentences[i]}" if joined else sentences[i])
    return passage.model_copy(update={"text": "\n".join(lines)})


def fit_prompt(
    question: str, evidence: list[Passage], budget: int, count: Callable[[list[Message]], int]
) -> tuple[list[Passage], list[Message], int]:
    """Shrink the extracts until the whole prompt, counted in the model's own tokens, is within budget.

    The longest extract loses its last line (a sentence, or a run of neighbouring sentences) first;
    an extract down to one line that still does not fit is dropped, never cut mid-sentence.
    """
    evidence = list(evidence)
    while True:
        messages = build_prompt(question, evidence)
        used = count(messages)
        if used <= budget or not evidence:
            return evidence, messages, used
        sizes = [len(p.text) for p in evidence]
        longest = sizes.index(max(sizes))
        pieces = _lines(evidence[longest].text)
        if len(pieces) == 1:
            pieces = text_rules.sentences(evidence[longest].text)
        if len(pieces) > 1:
            evidence[longest] = evidence[longest].model_copy(update={"text": "\n".join(pieces[:-1])})
            continue
        # Every extract is down to one sentence: drop one from a report that has another extract, so
        # each place (or each report of a change) keeps its say while any can.
        reports = [p.report_id for p in evidence]
        shared = [i for i, p in enumerate(evidence) if reports.count(p.report_id) > 1]
        del evidence[max(shared, key=lambda i: sizes[i]) if shared else longest]


def _lines(passage_text: str) -> list[str]:
    """The text's lines as the reader sees them: a line carried over from the one above is not a new line."""
    placed = text_rules.sentences_by_line(passage_text)
    lines: dict[int, list[str]] = {}
    for n, sentence in placed:
        lines.setdefault(n, []).append(sentence)
    return [" ".join(group) for group in lines.values()]


def _extract_label(n: int, p: Passage) -> str:
    """A short label: whose, what kind, when (and the section when it is short and says what the text is)."""
    when = text_rules.month_year(p.date, short=True, unknown="undated")
    label = f"[{n}] {p.local_authority or 'Unknown'}, {p.kind}, {when}"
    if p.from_metadata:
        label += ", Ofsted metadata"
    elif p.section and p.section != COVER_SECTION and len(p.section) <= 40:
        label += f", {p.section}"
    return f"{label}:\n{p.text}"


def build_prompt(question: str, evidence: list[Passage]) -> list[Message]:
    """The exact messages the model sees (shown by --show-prompt)."""
    extracts = "\n\n".join(_extract_label(n, p) for n, p in enumerate(evidence, start=1))
    return [
        {"role": "system", "content": prompts.template("answer_system").strip()},
        {"role": "user", "content": prompts.render("answer_user", extracts=extracts, question=question)},
    ]


def no_evidence_text(plan: QueryPlan, held: list[str]) -> str:
    """Say plainly that the library has nothing, and what it does hold."""
    subject = ", ".join(plan.unknown_places) if plan.unknown_places else "that"
    text = f"The library has nothing on {subject}."
    if held:
        shown = ", ".join(held[:8]) + (f" and {len(held) - 8} more" if len(held) > 8 else "")
        text += f" It holds Ofsted reports and news on {shown}."
    return text


def clarify_text(plan: QueryPlan) -> str:
    """Ask which council an ambiguous name means, offering the ones the library holds."""
    reading = plan.ambiguous[0]
    return f"“{reading.said}” could mean {text_rules.listed(reading.choices, 'or')}. Which did you mean?"


def with_choice(answer: Answer, choice: str) -> str:
    """The question again, with the ambiguous name replaced by the council the person chose."""
    said = answer.plan["ambiguous"][0]["said"]
    return re.sub(rf"\b{re.escape(said)}\b", choice, answer.question, count=1, flags=re.I)


def plan_notes(plan: QueryPlan) -> list[str]:
    """What an answer says before its sentences: names read, what the library lacks, which report is newest."""
    notes = [f"Read “{p.said}” as {p.authority}." for p in plan.places if p.how in ("fuzzy", "alias") and p.authority]
    if plan.group_note and plan.group and plan.group.members:
        notes.append(plan.group_note)  # a set is never presented as whole when the library holds part of it
    answered = bool(plan.filters.authorities) and any(scope.reports for scope in plan.scopes) or not plan.scopes
    if plan.unknown_places and plan.filters.authorities:
        notes.append(f"The library has nothing on {', '.join(plan.unknown_places)}.")
    if answered:
        notes += plan.missing
    for record in plan.latest_reports:
        place = record.get("local_authority")
        newest = record is next((s.reports[-1] for s in plan.scopes if s.reports and s.authority == place), record)
        which = "Newest report" if newest else "Newest graded inspection"
        notes.append(f"{which} the library holds on {place}: {describe(record)}.")
    if plan.intent.change:
        for scope in plan.scopes:
            if scope.authority in plan.filters.authorities and len(scope.reports) > 1:
                listed = "; ".join(f"{r.get('kind')} {(r.get('date') or 'undated')[:4]}" for r in scope.reports)
                newest = describe(scope.reports[-1])
                notes.append(f"Reports on {scope.authority} held, oldest first: {listed}. The latest: {newest}.")
    return notes


def _wants_list(plan: QueryPlan, question: str) -> bool:
    return bool(plan.filters.authorities) and plan.group is None and asks_for_list(question)


def covers(result: SearchResult, share: float = 0.7) -> bool:
    """Whether one of the top passages contains most of the question's own words."""
    wanted = text_rules.content_words(result.plan.query)
    if len(wanted) < 2:
        return False
    for hit in result.hits[:3]:
        found = wanted & text_rules.content_words(f"{hit.passage.header} {hit.passage.text}")
        if len(found) >= share * len(wanted):
            return True
    return False


def evidence_only(question: str, result: SearchResult, limit: int = 3, first: int = 1) -> tuple[str, list[Citation]]:
    """The best quoted passages as the answer: instant, and always faithful."""
    citations: list[Citation] = []
    lines = []
    for n, hit in enumerate(result.hits[:limit], start=first):
        quote, _ = best_quote(result.plan.query or question, hit.passage)
        if result.plan.about_cover and hit.passage.section == COVER_SECTION:
            quote = cover_quote(hit.passage) or quote  # a question about judgements is answered by the grades
        quote = quote or opening(hit.passage)
        citations.append(Citation(n, hit.passage, quote))
        when = hit.passage.date or "undated"
        lines.append(f"{hit.passage.local_authority} ({hit.passage.kind}, {when}): “{quote}” [{n}]")
    return "\n".join(lines), citations


def judgement_tables(plan: QueryPlan, retriever: Retriever, first: int = 1) -> tuple[str, list[Citation]]:
    """For a question about the grades of the reports in scope: each report's judgement rows, quoted."""
    if not plan.about_cover or not plan.scopes:
        return "", []
    lines, citations = [], []
    for scope in plan.scopes:
        if scope.authority not in plan.filters.authorities:
            continue
        for record in scope.reports[-4:]:
            cover = next((p for p in retriever.passages_of(record["report_id"]) if p.section == COVER_SECTION), None)
            rows = cover_quote(cover) if cover else ""
            if not rows:
                continue
            n = first + len(citations)
            citations.append(Citation(n, cover, rows))
            lines.append(f"{cover.local_authority} ({cover.kind}, {cover.date or 'undated'}): “{rows}” [{n}]")
    return "\n".join(lines), citations


class AnswerEngine:
    """Answers questions from the library; the CLI, REPL and Slack bot all use this one object."""

    def __init__(
        self,
        retriever: Retriever,
        llm_factory: Callable[[], LLM] | None,
        *,
        budget_tokens: int = 360,
        max_answer_tokens: int = 220,
        min_relevance: float = 0.3,
    ) -> None:
        self._retriever = retriever
        self._llm_factory = llm_factory
        self._llm_failure: ModelUnavailable | None = None
        self._llm: LLM | None = None
        self._llm_lock = threading.Lock()
        self._budget = budget_tokens
        self._max_tokens = max_answer_tokens
        self._min_relevance = min_relevance

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
        timings: dict[str, float] = {}
        # The model loads only when it is needed: a follow-up to rewrite, or an answer to write.
        asked = standalone(question, history or [], self.llm if use_llm and history else None)
        plan = self._retriever.plan(asked, filters)
        held = self._retriever.authorities()
        model_name = "none (evidence only)"

        def show(sentence: str) -> None:
            timings.setdefault("first_sentence_ms", (time.perf_counter() - started) * 1000)
            if on_sentence:
                on_sentence(sentence)

        dropped: list[tuple[str, str]] = []

        def finish(
            status: str, text: str, citations: list[Citation], prompt: list[Message] | None = None, shown=False
        ) -> Answer:
            announce()
            if figures is not None and status in ("answered", "no_evidence"):
                # The records' figures were shown first; what the model or the quotes add follows them.
                if status == "no_evidence":
                    text, citations, shown = "", [], True
                status = "answered"
                if not shown:
                    show(text)
                shown = True
                text = "\n".join(filter(None, [figures.text, text]))
                citations = figures.citations + citations
            if not shown:
                show(text)
            timings["total_ms"] = (time.perf_counter() - started) * 1000
            return Answer(
                question, status, text, citations, model_name, timings, prompt or [], asked, dropped,
                notes=notes, choices=choices, plan=plan.as_dict(),
            )  # fmt: skip

        notes = plan_notes(plan)
        figures: RecordAnswer | None = None
        choices: list[str] = []
        announced: list[bool] = []

        def announce() -> None:
            # Notes (names read, places or years missing, the newest report) come before any sentence.
            if on_notes and notes and not announced:
                on_notes(notes)
            announced.append(True)

        if plan.ambiguous:
            choices = list(plan.ambiguous[0].choices)
            return finish("clarify", clarify_text(plan), [])
        if plan.other_inspectorate:
            text = (
                f"The library holds Ofsted's reports and news about them; it has no {plan.other_inspectorate} "
                "reports, so it cannot say what that inspectorate found."
            )
            return finish("no_evidence", text, [])
        if plan.group and plan.group.kind == "neighbours" and not plan.group.of:
            return finish("clarify", plan.group_note, [])
        if plan.unknown_places and not plan.filters.authorities and not plan.group:
            return finish("no_evidence", no_evidence_text(plan, held), [])
        if plan.scopes and not any(scope.reports for scope in plan.scopes) and not plan.group:
            notes = [n for n in notes if n not in plan.missing]
            return finish("no_evidence", " ".join(plan.missing), [])
        if not held:
            return finish("no_evidence", "The library holds no reports yet. Add some with: briefing ingest", [])
        records_question = read_record_question(plan)
        if records_question and records_question.ask == "which_council":
            return finish("clarify", "Which council do you mean? Name it, or pin one with /authority.", [])
        if _wants_list(plan, asked) and (listed := list_answer(plan, self._retriever)) is not None:
            # "What needs to improve?": the report's own list, verbatim and cited, not the model's retelling.
            model_name = "none (report records)"
            timings["retrieve_ms"] = (time.perf_counter() - started) * 1000
            return finish("answered", listed.text, listed.citations)
        if records_question and records_question.pure:
            # Grades, dates, inspectors and counts are looked up, not written: no model, every figure cited.
            found = answer_from_records(plan, records_question, self._retriever)
            model_name = "none (report records)"
            notes = [n for n in notes if n != plan.group_note and not n.startswith(("Newest ", "Reports on "))]
            timings["retrieve_ms"] = (time.perf_counter() - started) * 1000
            return finish("answered", found.text, found.citations)
        named_only = bool(plan.filters.authorities) and plan.group is None
        if records_question and records_question.ask in ("change", "which", "count") and not named_only:
            # "Who improved from inadequate to good, and what did they do?": the figures come from the
            # records and are shown first; the reports' words are searched for the councils they name.
            # (For one named council the grade only dates the question: "…when Lancashire came out of
            # inadequate" is the model's to answer, searched as asked.)
            figures = answer_from_records(plan, records_question, self._retriever)
            announce()
            for line in figures.lines:
                show(line)
            if not figures.authorities:
                model_name = "none (report records)"
                return finish("answered", "", [], shown=True)  # nobody to read about: the figures are the answer
            # The reports' words are searched only for the councils the figures single out.
            filters = Filters(**vars(filters)) if filters else Filters()
            filters.authorities = figures.authorities[:4]
            asked = reports_question(asked, records_question, filters.authorities)
        first = len(figures.citations) + 1 if figures else 1
        result = self._retriever.search(asked, filters, k=8)
        timings["retrieve_ms"] = (time.perf_counter() - started) * 1000
        llm = self.llm if use_llm else None
        model_name = llm.name if llm else model_name
        relevant = [h for h in result.hits if h.similarity >= self._min_relevance]
        if not relevant:
            return finish("no_evidence", no_evidence_text(result.plan, held), [])
        if llm is None:
            text, citations = judgement_tables(plan, self._retriever) if figures is None else ("", [])
            if not citations:
                text, citations = evidence_only(asked, result, first=first)
            return finish("answered", text, citations)

        announce()
        # The budget holds the whole prompt, counted in the model's own tokens: prefill is the cost.
        room = self._budget - llm.count_tokens(build_prompt(asked, []))
        evidence = select_evidence(result, room, self._min_relevance)
        evidence, messages, timings["prompt_tokens"] = fit_prompt(asked, evidence, self._budget, llm.count_tokens)
        if not evidence:
            # Not even one extract fits beside this question: quote the passages rather than guess.
            text, citations = evidence_only(asked, result, first=first)
            return finish("answered", text, citations)
        checker = SentenceChecker(evidence, self._retriever.grades_for, question=asked, dropped=dropped, first=first)
        pending = ""
        tokens = llm.stream(messages, self._max_tokens)
        try:
            for token in tokens:
                if deadline is not None and time.monotonic() > deadline:
                    raise TooSlow(f"the answer passed its deadline after {time.perf_counter() - started:.0f} s")
                timings.setdefault("first_token_ms", (time.perf_counter() - started) * 1000)
                pending += token
                complete, pending = text_rules.complete_sentences(pending)
                for sentence in complete:
                    shown = checker.check(sentence)
                    if shown:
                        show(shown)
        finally:
            # Stopped early (the deadline, a caller's callback): the model's lock and the server's
            # connection are let go now, not whenever the traceback is freed.
            close = getattr(tokens, "close", None)
            if close is not None:
                close()
        if pending.strip() and (shown := checker.check(pending)):
            show(shown)
        if not checker.sentences:
            # The model found nothing it could say faithfully. A question about the grades of the
            # reports in scope is answered by their judgement tables; if a passage plainly covers the
            # question, quote it rather than decline; otherwise say the library has nothing.
            graded = judgement_tables(plan, self._retriever)
            if graded[1]:
                return finish("answered", *graded, messages)
            if covers(result):
                quoted, quoted_citations = evidence_only(asked, result, first=first)
                return finish("answered", quoted, quoted_citations, messages)
            return finish("no_evidence", no_evidence_text(result.plan, held), [], messages)
        citations = [checker.citations[n] for n in sorted(checker.citations)]
        answer_text = checker.text
        if plan.intent.change and plan.about_cover:
            # How judgements changed: each report's own judgement table, oldest first, after the sentences.
            tables, table_citations = judgement_tables(plan, self._retriever, first=len(citations) + 1)
            for line in tables.splitlines():
                show(line)
            answer_text = "\n".join(filter(None, [answer_text, tables]))
            citations += table_citations
        return finish("answered", answer_text, citations, messages, shown=True)
