"""The store, the lexical index and retrieval, on a real Chroma built from the shared corpus."""

import shutil

import pytest

from index.chunk import passages
from index.ingest import ingest
from index.plan import Filters
from index.understand import read_report
from tests.fixtures.library import LETTER, SEEDS, SMALL_LIBRARY


def _sources(result):
    return ["/".join(h.passage.source.split("/")[-2:]) for h in result.hits]


def test_strategy_discussions_question_finds_the_2018_letter_in_top_3(small_library):
    result = small_library.retriever.search("What did Ofsted say about strategy discussions in Lancashire?", k=3)
    assert result.plan.filters.authorities == ["Lancashire"]
    assert "seeds/001_d6466b21c827d6ce.txt" in _sources(result)
    assert all(h.passage.local_authority == "Lancashire" for h in result.hits)


def test_no_banner_or_teaser_text_is_indexed(small_library):
    texts = " ".join(p.text for p in small_library.retriever.lexical.passages)
    for chrome in ["WillisPalmer launches", "Youth Offending Services", "Read Full Story", "Knowledge & Resources"]:
        assert chrome not in texts


def test_unchanged_reingest_writes_nothing(small_library):
    before = small_library.store.version()
    summary = ingest(SMALL_LIBRARY, small_library.store, small_library.embedder)
    assert summary.new == [] and summary.replaced == [] and summary.passages == 0
    assert len(summary.unchanged) > 10
    assert small_library.store.version() == before


def test_changed_file_replaces_its_passages_and_prune_removes_gone_files(small_library, tmp_path):
    copy = tmp_path / "letter.txt"  # its own document: the library holds the letter's bytes already
    copy.write_text(LETTER.read_text().replace("Overview", "Overview\n\nA note on the copy kept by the team."))
    ingest([copy], small_library.store, small_library.embedder)
    count = small_library.store.count()
    copy.write_text(copy.read_text().replace("Overview", "Overview\n\nA new paragraph about fostering panels."))
    summary = ingest([copy], small_library.store, small_library.embedder)
    assert summary.replaced == [str(copy)]
    stored = {p.id for p in small_library.store.all_passages() if p.source == str(copy)}
    report = read_report(copy)
    report.source = str(copy)
    assert stored == {p.id for p in passages(report)}  # nothing orphaned or doubled
    assert count <= small_library.store.count() <= count + 1
    assert any("fostering panels" in p.text for p in small_library.retriever.lexical.passages)
    copy.unlink()
    summary = ingest([SEEDS], small_library.store, small_library.embedder, prune=True)
    assert summary.removed == [str(copy)]
    assert str(copy) not in small_library.store.file_hashes()


def test_interrupted_ingest_resumes_to_exactly_one_clean_run(tmp_path, embedder, small_library_dir):
    from index.library import open_library

    clean_count = open_library(small_library_dir, embedder).store.count()
    library = open_library(tmp_path / "crash", embedder)
    calls = {"n": 0}

    def crash_after_five(source, outcome, count):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(SMALL_LIBRARY, library.store, embedder, workers=1, on_file=crash_after_five)
    partial = library.store.count()
    assert 0 < partial < clean_count
    ingest(SMALL_LIBRARY, library.store, embedder, workers=1)
    assert library.store.count() == clean_count


def test_lexical_index_is_rebuilt_when_missing_or_stale(small_library):
    retriever = small_library.retriever
    assert retriever.search("private fostering", k=3).hits
    shutil.rmtree(small_library.data_dir / "lexical")
    fresh = type(retriever)(small_library.store, small_library.embedder, small_library.data_dir / "lexical")
    assert fresh.search("private fostering", k=3).hits
    assert (small_library.data_dir / "lexical" / small_library.store.version()).exists()


def test_replicas_saving_one_version_keep_the_first_copy_and_a_torn_one_is_rebuilt(small_library, tmp_path):
    """Replicas on one data dir: a second save must not swap the folder under a reader, and a reader
    that meets a copy being removed rebuilds rather than fails the question."""
    from index.lexical import LexicalIndex, lexical_for

    kept = small_library.retriever.lexical.passages[:200]
    words = " ".join(kept[0].text.split()[:8])
    LexicalIndex(kept, "v1").save(tmp_path)
    first = (tmp_path / "v1").stat().st_ino
    LexicalIndex(kept, "v1").save(tmp_path)  # the other replica, a moment later
    assert (tmp_path / "v1").stat().st_ino == first and [p.name for p in tmp_path.iterdir()] == ["v1"]
    assert LexicalIndex.load(tmp_path, "v1").search(words, 3)

    shutil.rmtree(tmp_path / "v1" / "bm25")  # caught half-way through another replica's clean-up
    assert LexicalIndex.load(tmp_path, "v1") is None

    class Store:
        def version(self) -> str:
            return "v1"

        def all_passages(self) -> list:
            return kept

    assert lexical_for(Store(), tmp_path).search(words, 3)


def test_filters_and_authority_names(small_library):
    retriever = small_library.retriever
    result = retriever.search("front door decision making in NE Lincs", k=5)
    assert result.plan.filters.authorities == ["North East Lincolnshire"]
    assert {h.passage.local_authority for h in result.hits} == {"North East Lincolnshire"}
    dated = retriever.search(
        "care leavers", Filters(authorities=["St Helens"], since=__import__("datetime").date(2023, 1, 1))
    )
    assert dated.hits and all(h.passage.date >= "2023-01-01" for h in dated.hits)


def test_unknown_place_is_noticed(small_library):
    plan = small_library.retriever.plan("What did Ofsted say about Glasgow's social work services?")
    assert "Glasgow" in plan.unknown_places and plan.filters.authorities == []


def test_a_day_of_the_week_is_not_a_place(small_library):
    """ "Before Thursday's meeting" names a day: the plan looks for no council called Thursday."""
    plan = small_library.retriever.plan("Brief me on Lancashire before Thursday's meeting")
    assert plan.unknown_places == [] and plan.filters.authorities == ["Lancashire"]
    plan = small_library.retriever.plan("What did Ofsted say about Glasgow on Monday?")
    assert plan.unknown_places == ["Glasgow"]


def test_asking_why_a_grade_was_given_asks_for_findings_not_the_cover(small_library):
    retriever = small_library.retriever
    assert retriever.plan("Was Lancashire's care leavers service judged inadequate?").about_cover
    assert not retriever.plan("Why was Lancashire's care leavers service judged inadequate?").about_cover
    assert not retriever.plan("lancashire care leavers - reasons for the inadequate grade").about_cover


def test_a_grades_word_said_of_a_thing_describes_it_and_is_not_a_grade_asked_for(small_library):
    retriever = small_library.retriever
    assert not retriever.plan("Which groups of children in Lancashire were still getting good help?").about_cover
    assert not retriever.plan("Was there inadequate housing for Lancashire's care leavers?").about_cover
    assert retriever.plan("Is Lancashire good or outstanding now?").about_cover
    assert retriever.plan("Was Lancashire good overall in 2023?").about_cover


def test_a_month_that_names_the_report_is_not_searched_for(small_library):
    asked = "What did Ofsted say about Lancashire's front door in the January 2023 inspection?"
    plan = small_library.retriever.plan(asked)
    assert plan.period is not None and "January" not in plan.query and "front door" in plan.query


def test_the_planners_place_reading_knows_shorthand(small_library):
    (place,) = small_library.retriever.places("lancs care leavers")
    assert place.authority == "Lancashire"


def test_the_plan_narrows_to_the_reports_of_the_asked_period(small_library):
    retriever = small_library.retriever
    plan = retriever.plan("What did Ofsted find in Lancashire's 2022 inspection?")
    (scope,) = plan.scopes
    assert [r["date"][:4] for r in scope.reports] == ["2023"]  # inspected in 2022, published in 2023
    result = retriever.search("What did Ofsted find in Lancashire's 2022 inspection?", k=5)
    assert result.hits and {h.passage.report_id for h in result.hits} == {scope.reports[0]["report_id"]}
    shown = result.plan.as_dict()
    assert shown["period"]["years"] == [2022] and shown["authorities"] == ["Lancashire"]


def test_latest_means_the_newest_report_and_change_means_each_report(small_library):
    retriever = small_library.retriever
    latest = retriever.search("Is St Helens still rated good for care leavers?", k=5)
    assert {h.passage.date[:4] for h in latest.hits} == {"2023"}
    change = retriever.search("How has St Helens changed since 2015?", k=6)
    assert {h.passage.date[:4] for h in change.hits} == {"2015", "2019", "2023"}


def test_each_side_of_a_change_is_searched_for_the_topic_not_for_the_words_setting_the_sides_apart(small_library):
    retriever = small_library.retriever
    question = (
        "How did Ofsted's view of St Helens's support for care leavers change between the 2019 and 2023 inspections?"
    )
    result = retriever.search(question, k=6)
    assert result.plan.side_topic.lower() == "support care leavers"
    firsts = {}
    for hit in result.hits:
        firsts.setdefault(hit.group, hit)
    assert {h.passage.date[:4] for h in firsts.values()} >= {"2019", "2023"}
    assert all("care leaver" in h.passage.text.lower() for h in firsts.values())  # not a cover page or a 'change'
    whole = retriever.plan("How has St Helens changed since 2015?")
    assert whole.side_topic == whole.query  # nothing but the sides' words: the question as it was


def test_two_places_each_get_their_share_and_a_pin_gives_way_to_a_named_place(small_library):
    retriever = small_library.retriever
    result = retriever.search("Compare care leavers in Lancashire and St Helens", k=4)
    assert {h.passage.local_authority for h in result.hits[:2]} == {"Lancashire", "St Helens"}
    pinned = retriever.plan("What about St Helens care leavers?", Filters(authorities=["Lancashire"]))
    assert pinned.filters.authorities == ["St Helens"]
    kept = retriever.plan("What about care leavers?", Filters(authorities=["Lancashire"]))
    assert kept.filters.authorities == ["Lancashire"]


def test_a_pin_survives_a_name_that_is_not_a_place_and_a_library_wide_change_is_one_search(small_library):
    retriever = small_library.retriever
    pinned = retriever.plan("How is the Mockingbird programme going?", Filters(authorities=["Lancashire"]))
    assert pinned.filters.authorities == ["Lancashire"]
    result = retriever.search("How have things changed since 2020?", k=6)
    assert {h.group for h in result.hits} == {""}  # not one search per report of the whole library
    assert not retriever.plan("What does St Helens need to improve?").scopes  # not a change over time


def test_rewriting_a_report_updates_its_unchanged_passages(small_library):
    import numpy as np

    store = small_library.store
    record = next(r for r in store.reports() if "st-helens/2023" in r["source"])
    passages = small_library.retriever.passages_of(record["report_id"])
    ids = [p.id for p in passages]
    stored = store.vectors(ids)
    renamed = [p.model_copy(update={"local_authority": "Saint Helens Borough"}) for p in passages]
    before = store.version()
    store.put_report(record, "rehashed", renamed, np.array([stored[i] for i in ids]))
    assert {p.local_authority for p in store.get(ids)} == {"Saint Helens Borough"}
    assert store.version() != before  # the lexical index is rebuilt with the new names


def test_a_store_failure_is_one_line_naming_the_library(tmp_path, monkeypatch):
    import sqlite3

    from index.errors import StoreUnavailable
    from index.store import ChromaStore

    store = ChromaStore(path=tmp_path / "chroma", collection="passages")
    collection = store._passages._collection

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked\n  (while reading)")

    monkeypatch.setattr(collection, "count", locked)  # as when another process holds the database
    with pytest.raises(StoreUnavailable) as raised:
        store.count()
    message = str(raised.value)
    assert str(tmp_path) in message and "OperationalError: database is locked (while reading)" in message
    assert "\n" not in message
    store.close()


def test_a_crash_at_any_write_leaves_the_lexical_index_able_to_catch_up(tmp_path, embedder):
    """Wherever put_report stops, the library's version has moved or the report is read again."""
    from index.library import open_library
    from index.store import _VERSION_ID

    library = open_library(tmp_path, embedder)
    reports = library.store._reports._collection
    real_upsert = reports.upsert

    def crash_on_the_record(**kwargs):
        if kwargs["ids"] != [_VERSION_ID]:
            raise KeyboardInterrupt  # killed after the passages, before the report is recorded
        return real_upsert(**kwargs)

    before = library.store.version()
    reports.upsert = crash_on_the_record
    with pytest.raises(KeyboardInterrupt):
        ingest([LETTER], library.store, embedder, workers=0)
    reports.upsert = real_upsert
    assert library.store.version() != before  # a lexical index keyed on `before` is rebuilt
    assert str(LETTER) not in library.store.file_hashes()  # and the file is read again:
    again = ingest([LETTER], library.store, embedder, workers=0)
    assert again.new == [str(LETTER)] and str(LETTER) in library.store.file_hashes()
    library.store.close()
