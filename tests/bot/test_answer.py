"""The answer engine's own logic, with a fake model over a real small library."""

from bot.app import create_engine
from bot.settings import Settings
from tests.bot.fakes import FakeLLM


def _engine(library, llm):
    return create_engine(Settings(data_dir=library.settings.data_dir, _env_file=None), library, llm=llm)


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
    assert set(answer.as_json()) == {"question", "status", "answer", "citations", "model", "timings"}


def test_a_misquoted_grade_is_never_shown_and_judgements_quote_the_report(small_library):
    llm = FakeLLM()
    llm.enqueue(
        "St Helens care leavers were judged good in 2023 [1]. "
        "In 2023 the experiences and progress of care leavers in St Helens were judged outstanding [1]."
    )
    streamed: list[str] = []
    answer = _engine(small_library, llm).ask(
        "How were care leavers in St Helens judged in 2023?", on_sentence=streamed.append
    )
    assert not any("judged good" in s for s in streamed)
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


def test_model_declining_when_a_passage_plainly_covers_the_question_gives_quotes(small_library):
    llm = FakeLLM()
    llm.enqueue("NO EVIDENCE")
    answer = _engine(small_library, llm).ask("What did Ofsted say about adoption panels in Lancashire?")
    assert answer.status == "answered" and answer.citations
    assert all(c.quote in c.passage.text and "adoption" in c.passage.text.lower() for c in answer.citations)


def test_evidence_only_answers_quote_the_passages(small_library):
    answer = _engine(small_library, None).ask("strategy discussions in Lancashire", use_llm=False)
    assert answer.status == "answered" and len(answer.citations) == 3
    for c in answer.citations:
        assert c.quote in c.passage.text and f"[{c.n}]" in answer.text


def test_follow_up_is_rewritten_with_the_conversation(small_library):
    from bot.answer import Turn

    llm = FakeLLM()
    llm.enqueue("How were care leavers in St Helens judged in 2023?")
    llm.enqueue("St Helens care leavers were judged outstanding in 2023 [1].")
    answer = _engine(small_library, llm).ask(
        "and care leavers?", history=[Turn("How was St Helens judged in 2023?", "Good overall [1].")]
    )
    assert answer.standalone_question == "How were care leavers in St Helens judged in 2023?"
    assert "outstanding" in answer.text
