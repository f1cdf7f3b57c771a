"""The answer engine's own logic, with a fake model over a real small library."""

import re

from bot.app import create_engine
from bot.settings import Settings
from tests.fixtures.fakes import FakeLLM
from tests.fixtures.library import engine_over


def _as_printed(streamed: list[str]) -> str:
    """The sentences as the terminal prints them: one paragraph, a new line where a sentence opens a part."""
    return "".join(("" if not i or s.startswith("\n") else " ") + s for i, s in enumerate(streamed))


def _engine(library, llm):
    return create_engine(Settings(data_dir=library.data_dir, _env_file=None), library, llm=llm)


def test_only_checked_sentences_are_streamed(small_library):
    llm = FakeLLM()
    llm.enqueue(
        "Ofsted found that the screening of contacts to children's social care is not consistently effective [1]. "
        "The council also won a national award for its parks [2]."
    )
    streamed: list[str] = []
    answer = _engine(small_library, llm).ask(
        "What did Ofsted say about screening of contacts in North East Lincolnshire?", on_sentence=streamed.append
    )
    assert streamed and answer.status == "answered"
    assert " ".join(streamed) == answer.text  # what was shown is exactly the checked answer
    assert not any("parks" in s for s in streamed)  # the unsupported sentence never reached the reader
    assert answer.citations and all(c.quote in c.passage.text for c in answer.citations)
    assert all(c.passage.local_authority == "North East Lincolnshire" for c in answer.citations)
    prompt = llm.history[0][1]["content"]
    assert "[1] North East Lincolnshire" in prompt and "Question:" in prompt
    assert answer.timings["first_sentence_ms"] <= answer.timings["total_ms"]
    assert set(answer.as_json()) == {
        "question",
        "status",
        "answer",
        "notes",
        "choices",
        "citations",
        "model",
        "timings",
    }


def test_a_misquoted_grade_is_never_shown_and_judgements_quote_the_report(small_library):
    llm = FakeLLM()
    llm.enqueue(
        "St Helens care leavers were judged good in 2023 [1]. "
        "In 2023 the experiences and progress of care leavers in St Helens were judged outstanding [1]."
    )
    streamed: list[str] = []
    # Asked with "say", so the model writes it (a bare grade question is looked up in the records instead).
    answer = _engine(small_library, llm).ask(
        "What did Ofsted say about how care leavers in St Helens were judged in 2023?", on_sentence=streamed.append
    )
    assert llm.history and not any("judged good" in s for s in streamed)
    assert streamed == [answer.text] and "outstanding" in answer.text
    (citation,) = answer.citations
    assert citation.quote == "The experiences and progress of care leavers Outstanding"  # the table's own words
    assert citation.passage.page == 1 and not citation.from_metadata


def test_unknown_authority_is_declined_without_calling_the_model(small_library):
    llm = FakeLLM()
    answer = _engine(small_library, llm).ask("What did Ofsted say about Glasgow's social work services?")
    assert answer.status == "no_evidence" and "nothing on Glasgow" in answer.text
    assert "Lancashire" in answer.text  # says what the library does hold
    assert llm.history == []


def test_model_saying_no_evidence_is_a_decline(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    answer = _engine(small_library, llm).ask(
        "What did Ofsted say about parking permits and bin collections in Lancashire?"
    )
    assert answer.status == "no_evidence" and answer.citations == []


def test_nothing_found_in_a_named_councils_reports_says_so_not_what_else_is_held(small_library):
    from bot.engine.messages import no_evidence_text

    plan = small_library.retriever.plan("What did Ofsted say about the director's pay in Lancashire?")
    held = small_library.retriever.authorities()
    assert plan.filters.authorities == ["Lancashire"] and not plan.unknown_places
    assert no_evidence_text(plan, held) == "The library's reports on Lancashire have nothing on that."


def test_model_declining_when_a_passage_plainly_covers_the_question_gives_quotes(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    answer = _engine(small_library, llm).ask("What did Ofsted say about adoption panels in Lancashire?")
    assert answer.status == "answered" and answer.citations
    assert all(c.quote in c.passage.text and "adoption" in c.passage.text.lower() for c in answer.citations)


def test_a_passage_sharing_many_words_but_not_the_rare_one_asked_about_does_not_cover_the_question(small_library):
    from bot.engine.quotes import covers

    question = "What did Ofsted say about the Lancashire adoption panel chair, panel members and their salaries?"
    result = small_library.retriever.search(question)
    assert not any("salar" in h.passage.text.lower() for h in result.hits[:3])
    # As if most passages said "salary": the passage on adoption panels covers the question.
    assert covers(result, lambda word: 0.5)
    # As if few did: it is what the question is about, and a passage that does not say it does not cover it.
    assert not covers(result, lambda word: 0.001 if word == "salari" else 0.5)


def test_evidence_only_answers_quote_the_passages(small_library):
    answer = _engine(small_library, None).ask("strategy discussions in Lancashire", use_llm=False)
    assert answer.status == "answered" and len(answer.citations) == 3
    for c in answer.citations:
        assert c.quote in c.passage.text and f"[{c.n}]" in answer.text


def test_follow_up_is_rewritten_with_the_conversation(small_library):
    from bot.engine.answer import Turn

    llm = FakeLLM()
    llm.enqueue("How were care leavers in St Helens judged in 2023?")
    llm.enqueue("St Helens care leavers were judged outstanding in 2023 [1].")
    answer = _engine(small_library, llm).ask(
        "and care leavers?", history=[Turn("How was St Helens judged in 2023?", "Good overall [1].")]
    )
    assert answer.standalone_question == "How were care leavers in St Helens judged in 2023?"
    assert "outstanding" in answer.text


def test_a_question_that_names_its_council_is_not_rewritten_by_the_conversation(small_library):
    from bot.engine.answer import Turn

    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    earlier = [Turn("How was St Helens judged in 2023?", "Good overall [1].")]
    answer = _engine(small_library, llm).ask("What did Ofsted say about care leavers in Lancashire?", history=earlier)
    # No rewrite asked of the model (it could only carry St Helens in): the one call writes the answer.
    assert answer.standalone_question == "What did Ofsted say about care leavers in Lancashire?"
    assert len(llm.history) == 1 and "Question:" in llm.history[0][-1]["content"]
    # A follow-up that leans on the conversation is still rewritten, though it names a council.
    llm = FakeLLM()
    llm.enqueue("How does St Helens' 2023 grade compare with Lancashire's?")
    llm.enqueue("NO EVIDENCE")
    _engine(small_library, llm).ask("How does that compare with Lancashire?", history=earlier, use_llm=True)
    assert "Rewrite the last question" in llm.history[0][0]["content"]


def test_an_ask_with_nothing_found_says_which_ask_it_was(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    streamed: list[str] = []
    answer = _engine(small_library, llm).ask(
        "What overall grade did St Helens get in 2023, and how much did it spend on taxis for councillors?",
        on_sentence=streamed.append,
    )
    assert answer.status == "answered" and "good" in streamed[0].lower()
    nothing = answer.text.splitlines()[-1]
    assert nothing.startswith("On “") and "taxis for councillors" in nothing and "nothing on" in nothing


def test_a_year_with_no_report_is_said_without_the_model(small_library):
    llm = FakeLLM()
    answer = _engine(small_library, llm).ask("What judgements did Lancashire receive in its 2021 inspection?")
    assert answer.status == "no_evidence" and llm.history == []
    assert "no report on Lancashire from 2021" in answer.text
    assert "2015, 2018, 2023 and 2026" in answer.text


def test_current_means_the_newest_report_and_says_its_date(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    notes: list[str] = []
    question = "What does Lancashire's latest report say about care leavers?"
    answer = _engine(small_library, llm).ask(question, on_notes=notes.extend)
    assert notes == answer.notes
    assert any(n.startswith("Newest report the library holds on Lancashire") and "2026" in n for n in notes)
    prompt = llm.history[0][1]["content"]
    assert "2026" in prompt and "2015" not in prompt and "2018" not in prompt


def test_a_current_rating_is_looked_up_not_written(small_library):
    llm = FakeLLM()
    answer = _engine(small_library, llm).ask("What is Lancashire's current Ofsted rating?")
    assert llm.history == [] and answer.model == "none (report records)"
    assert "published 20 August 2026" in answer.text and "2015" not in answer.text
    assert "no overall effectiveness grade: the 2026 framework has no overall grade" in answer.text
    assert "help and protection good" in answer.text and "care leavers outstanding" in answer.text
    [cover] = answer.citations
    assert cover.passage.section == "Judgements" and cover.passage.page == 1
    assert "children who need help and protection Good" in cover.quote


def test_a_named_place_the_library_lacks_is_said_while_the_rest_is_answered(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    answer = _engine(small_library, llm).ask("Compare Lancashire and Surrey on care leavers")
    assert "The library has nothing on Surrey." in answer.notes
    assert "[1] Lancashire" in llm.history[0][1]["content"]


class EchoesFirstExtract(FakeLLM):
    """A model that says the first sentence of its first extract, citing it: checkable, whatever the evidence."""

    silent_after: int | None = None  # prompts after this many are answered NO EVIDENCE

    def stream(self, messages, max_tokens):
        self.history.append(messages)
        if self.silent_after is not None and len(self.history) > self.silent_after:
            yield "NO EVIDENCE"
            return
        prompt = messages[1]["content"]
        line = prompt.split("\n", 2)[2].split("\n")[0]  # the first extract's first line, after its label
        line = re.sub(r"^\d+\.\s+", "", line)  # without the report's paragraph number
        yield line.split(". ")[0].rstrip(".") + " [1]."


def test_two_places_are_written_side_by_side_each_from_its_own_evidence(small_library):
    llm = EchoesFirstExtract()
    streamed: list[str] = []
    answer = _engine(small_library, llm).ask(
        "Compare how St Helens and North East Lincolnshire support care leavers", on_sentence=streamed.append
    )
    first, second = (prompt[1]["content"] for prompt in llm.history)
    assert "] St Helens" in first and "] North East Lincolnshire" not in first
    assert "] North East Lincolnshire" in second and "] St Helens" not in second
    assert answer.status == "answered" and answer.text == _as_printed(streamed)
    assert answer.text.count("\n") == len(streamed) - 1  # each side's lines start lines of their own
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    marks = [sorted(int(n) for n in re.findall(r"\[(\d+)\]", sentence)) for sentence in streamed]
    assert [n for m in marks for n in m] == sorted(n for m in marks for n in m)  # each side's numbers follow on
    by_n = {c.n: c.passage.local_authority for c in answer.citations}
    councils = [{by_n[n] for n in m} for m in marks]
    assert all(len(c) == 1 for c in councils)  # every line is one side's
    order = [c.pop() for c in councils]
    assert order == sorted(order, key=["St Helens", "North East Lincolnshire"].index) and len(set(order)) == 2
    # Care leavers are a judgement area: each side also gives its report's grade, from the cover row.
    graded = [line for line in streamed if re.search(r"care leavers judged \w+", line)]
    assert len(graded) == 2 and all(by_n[int(re.findall(r"\[(\d+)\]", g)[0])] for g in graded)
    rows = [c for c in answer.citations if c.passage.section == "Judgements"]
    assert len(rows) == 2 and all("care leavers" in c.quote.lower() and c.quote in c.passage.text for c in rows)


def test_a_side_the_evidence_does_not_answer_is_said_not_left_out(small_library):
    from bot.engine.messages import side_empty_text

    llm = EchoesFirstExtract()
    llm.silent_after = 1  # the second side's model finds nothing, and no passage there is on private fostering
    question = "Compare how North East Lincolnshire and St Helens support private fostering"
    answer = _engine(small_library, llm).ask(question)
    assert len(llm.history) == 2 and answer.status == "answered"
    assert {c.passage.local_authority for c in answer.citations} == {"North East Lincolnshire"}
    assert answer.text.splitlines()[-1] == side_empty_text("St Helens")


def test_a_side_the_model_leaves_unwritten_is_quoted_in_its_report_s_own_words(small_library):
    llm = EchoesFirstExtract()
    llm.silent_after = 1  # the second side's model finds nothing, though its report speaks of care leavers
    answer = _engine(small_library, llm).ask("Compare how St Helens and North East Lincolnshire support care leavers")
    side = next(line for line in answer.text.splitlines() if line.startswith("North East Lincolnshire"))
    assert re.match(r"North East Lincolnshire \(\w+ \d{4} report\): “", side)
    cited = next(c for c in answer.citations if f"[{c.n}]" in side)
    assert cited.passage.local_authority == "North East Lincolnshire" and cited.quote in cited.passage.text
    assert "care leavers" in cited.quote.lower() and cited.passage.section != "Judgements"


def test_two_asks_are_each_answered_their_citations_numbered_on(small_library):
    llm = EchoesFirstExtract()
    streamed: list[str] = []
    answer = _engine(small_library, llm).ask(
        "What overall grade did St Helens get in 2023, and what did Ofsted say about its care leavers?",
        on_sentence=streamed.append,
    )
    assert len(llm.history) == 1  # the grade is looked up; only the finding is written
    assert "good" in streamed[0].lower() and "[1]" in streamed[0]
    assert answer.status == "answered" and [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    later = f"[{len(answer.citations)}]"
    assert later in streamed[-1] and len(answer.citations) >= 2
    assert all(c.passage.local_authority == "St Helens" for c in answer.citations)


def test_a_change_in_judgements_is_looked_up_oldest_first(small_library):
    llm = FakeLLM()
    answer = _engine(small_library, llm).ask("How have St Helens' judgements changed from 2019 to 2023?")
    assert llm.history == [] and answer.status == "answered"
    assert [c.passage.date[:4] for c in answer.citations] == ["2019", "2023"]
    assert "inadequate (ILACS inspection, published November 2019) [1] → good (ILACS inspection" in answer.text


def test_change_over_time_lays_out_each_report_oldest_first(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    llm.enqueue("NO EVIDENCE")
    answer = _engine(small_library, llm).ask("How has St Helens' work with care leavers changed from 2019 to 2023?")
    # Each report is written from its own evidence, the older first.
    older, newer = ([line for line in p[1]["content"].splitlines() if line.startswith("[")] for p in llm.history)
    assert older and all("2019" in label for label in older)
    assert newer and all("2023" in label for label in newer)
    assert any("oldest first" in n and "The latest" in n for n in answer.notes)
    # The model said nothing checkable: each report speaks in its own words on care leavers, then its
    # judgement table follows, oldest first.
    assert answer.status == "answered" and [c.passage.date[:4] for c in answer.citations[-2:]] == ["2019", "2023"]
    quoted = answer.citations[:-2]  # a report quoted only where a passage of it says the topic's words
    assert all(c.quote in c.passage.text and "care leaver" in c.quote.lower() for c in quoted)
    assert "Inadequate" in answer.text and "Good" in answer.text


def test_a_change_over_three_reports_is_told_from_the_first_to_the_last_and_names_the_one_between(small_library):
    from bot.engine.messages import between_text

    llm = EchoesFirstExtract()
    answer = _engine(small_library, llm).ask("How has St Helens' support for care leavers changed since 2015?")
    assert len(llm.history) == 2  # the first and the last report, each from its own evidence
    first, last = ([line for line in p[1]["content"].splitlines() if line.startswith("[")] for p in llm.history)
    assert all("2015" in label for label in first) and all("2023" in label for label in last)
    assert between_text(["November 2019"]) in answer.text.splitlines()  # before the judgement tables


def test_what_another_inspectorate_rated_is_declined_without_the_model(small_library):
    llm = FakeLLM()
    answer = _engine(small_library, llm).ask("Which youth offending service did HM Inspectorate of Probation rate?")
    assert answer.status == "no_evidence" and "HM Inspectorate of Probation" in answer.text and llm.history == []


def test_a_question_naming_another_place_is_not_answered_from_the_pinned_one(small_library):
    from index.plan import Filters

    llm = FakeLLM()
    answer = _engine(small_library, llm).ask(
        "What did Ofsted say about Glasgow's social work services?", filters=Filters(authorities=["Lancashire"])
    )
    assert answer.status == "no_evidence" and "Glasgow" in answer.text and llm.history == []


def test_a_misspelt_place_is_read_as_the_council_and_says_so(small_library):
    answer = _engine(small_library, None).ask("What did Ofsted say about care leavers in Lancashrie?", use_llm=False)
    assert answer.status == "answered"
    assert "Read “Lancashrie” as Lancashire." in answer.notes
    assert all(c.passage.local_authority == "Lancashire" for c in answer.citations)


def test_an_ambiguous_name_asks_which_council(small_library, tmp_path):

    from tests.fixtures.library import add_two_sussexes

    add_two_sussexes(small_library, tmp_path / "drop")
    answer = _engine(small_library, None).ask("What did Ofsted say about fostering in Sussex?", use_llm=False)
    assert answer.status == "clarify" and answer.choices == ["East Sussex", "West Sussex"]
    assert "Which did you mean?" in answer.text
    chosen = answer.with_choice("West Sussex")
    assert chosen == "What did Ofsted say about fostering in West Sussex?"
    again = _engine(small_library, None).ask(chosen, use_llm=False)
    assert again.status == "answered" and all(c.passage.local_authority == "West Sussex" for c in again.citations)


def test_a_pinned_council_typed_informally_is_the_library_s_council(small_library):
    from index.plan import Filters

    answer = _engine(small_library, None).ask(
        "What did the latest report say about care leavers?", filters=Filters(authorities=["lancs"]), use_llm=False
    )
    assert any(n.startswith("Newest report the library holds on Lancashire") for n in answer.notes)
    assert answer.citations and all(c.passage.local_authority == "Lancashire" for c in answer.citations)
    assert {c.passage.date[:4] for c in answer.citations} == {"2026"}


STRATEGY = "What did Ofsted say about strategy discussions in Lancashire?"


def test_the_whole_prompt_stays_within_its_budget_counted_by_the_model(small_library):

    prompts = {}
    for budget in (300, 600):
        llm = FakeLLM()
        llm.enqueue("Strategy discussions are held promptly [1].")
        answer = engine_over(small_library.retriever, lambda llm=llm: llm, budget_tokens=budget).ask(STRATEGY)
        counted = llm.count_tokens(llm.history[0])
        assert answer.timings["prompt_tokens"] == counted <= budget
        prompts[budget] = llm.history[0][1]["content"]
    assert len(prompts[300]) < len(prompts[600])  # the budget, not a fixed size, decides how much is shown
    # Each extract's lines are the passage's own sentences: cut, never rewritten.
    texts = [" ".join(p.text.split()) for p in small_library.store.all_passages()]
    extracts = prompts[300].removeprefix("Extracts:\n").split("\n\nQuestion:")[0]
    for block in extracts.split("\n\n"):
        for line in block.splitlines()[1:]:
            assert any(" ".join(line.split()) in text for text in texts), line


def test_when_no_extract_fits_the_passages_are_quoted_and_the_model_is_not_asked(small_library):
    from bot.engine.prompt import build_prompt

    llm = FakeLLM()
    fixed = llm.count_tokens(build_prompt(STRATEGY, []))
    answer = engine_over(small_library.retriever, lambda: llm, budget_tokens=fixed + 5).ask(STRATEGY)
    assert not llm.history  # nothing was sent that would have broken the budget
    assert answer.status == "answered" and answer.citations
    assert all(c.quote in c.passage.text for c in answer.citations)


def test_extracts_keep_the_sentences_that_bear_on_the_question(small_library):
    from bot.engine.prompt import select_evidence
    from index import text as text_rules

    result = small_library.retriever.search(STRATEGY, k=8)
    chosen = select_evidence(result, 400, 0.3)
    asked = text_rules.content_words(result.plan.query)
    found = {hit.passage.id: hit.passage for hit in result.hits}
    cut = [p for p in chosen if p.text != found[p.id].text]
    assert chosen and cut  # long passages were cut…
    for passage in cut:  # …to the sentences sharing words with the question, where any do
        if any(asked & text_rules.content_words(s) for s in text_rules.sentences(found[passage.id].text)):
            assert all(asked & text_rules.content_words(line) for line in passage.text.splitlines())


def test_a_model_loading_in_the_background_is_loaded_once_and_shared(small_library):
    import threading

    inside, release, calls = threading.Event(), threading.Event(), []

    def factory():
        calls.append(threading.current_thread().name)
        inside.set()
        assert release.wait(10)
        return FakeLLM()

    engine = engine_over(small_library.retriever, factory)
    loading = engine.preload()
    assert inside.wait(10)  # the loader holds the model while the library warms up
    small_library.retriever.warm()
    release.set()
    llm = engine.llm  # waits for the loader rather than loading a second copy
    loading.join(10)
    assert calls == ["model-load"] and engine.llm is llm


def test_a_tight_budget_shortens_extracts_before_it_drops_a_place(small_library):
    from bot.engine.prompt import build_prompt, fit_prompt, select_evidence

    question = "Compare how St Helens and North East Lincolnshire support care leavers"
    llm = FakeLLM()
    result = small_library.retriever.search(question, k=8)
    evidence = select_evidence(result, 600, 0.3)
    places = {p.local_authority for p in evidence}
    assert places == {"St Helens", "North East Lincolnshire"}
    one_each = [next(p for p in evidence if p.local_authority == place) for place in sorted(places)]
    budget = llm.count_tokens(build_prompt(question, one_each))
    kept, _, used = fit_prompt(question, evidence, budget, llm.count_tokens)
    assert used <= budget and {p.local_authority for p in kept} == places


class StopsMidSentence(FakeLLM):
    """A model that says its first extract's first sentence, then most of its second extract's: cut off, or not."""

    def __init__(self, finished: bool) -> None:
        super().__init__()
        self.finished = finished

    def stream(self, messages, max_tokens):
        self.history.append(messages)
        extracts = re.findall(r"^\[(\d+)\][^\n]*:\n([^\n]+)", messages[1]["content"], re.M)
        (n1, first), (n2, second) = extracts[:2]
        first = re.sub(r"^\d+\.\s+", "", first).split(". ")[0].rstrip(".")
        words = re.sub(r"^\d+\.\s+", "", second).split(". ")[0].rstrip(".").split()
        half = " ".join(words[: max(5, len(words) - 3)]).rstrip(",;")
        yield f"{first} [{n1}]. {half}" + (f" [{n2}]." if self.finished else "")


def test_half_a_sentence_left_when_the_model_stops_is_not_shown(small_library):
    question = "What did Ofsted say about screening of contacts in North East Lincolnshire?"
    finished = _engine(small_library, StopsMidSentence(finished=True)).ask(question)
    assert len(finished.citations) == 2  # finished, the second sentence passes the checks
    cut = _engine(small_library, StopsMidSentence(finished=False)).ask(question)
    assert len(cut.citations) == 1 and cut.text.endswith("[1].")  # cut off by the token limit, it is not shown


class EndlessLLM(FakeLLM):
    """A model that never ends its sentence, holding its lock while it streams, as the real one does."""

    def __init__(self) -> None:
        super().__init__()
        import threading

        self.lock = threading.Lock()

    def stream(self, messages, max_tokens):
        with self.lock:
            for _ in range(2_000_000):  # a broken deadline fails the test, rather than hanging it
                yield "and "
        raise AssertionError("the deadline never stopped the model")


def test_a_model_that_never_ends_a_sentence_is_stopped_at_the_deadline(small_library):
    import time

    import pytest

    from index.errors import TooSlow

    llm = EndlessLLM()
    shown: list[str] = []
    with pytest.raises(TooSlow) as stopped:  # kept: its traceback must not be what frees the model
        _engine(small_library, llm).ask(
            "What did Ofsted say about screening of contacts in North East Lincolnshire?",
            on_sentence=shown.append,
            deadline=time.monotonic() + 0.5,
        )
    assert "deadline" in str(stopped.value)
    assert not llm.lock.locked()  # the model's stream was closed at once: the next question can use it
