from datetime import date

from index.question import period_beside_places, read_intent, read_period

TODAY = date(2026, 11, 30)


def test_periods_are_read_as_filters():
    assert read_period("What judgements did Lancashire receive in its 2021 inspection?", TODAY).years == (2021,)
    october = read_period("overall effectiveness in October 2021?", TODAY)
    assert (october.since, october.until) == (date(2021, 10, 1), date(2021, 10, 31))
    since = read_period("How has it changed since 2015?", TODAY)
    assert (since.since, since.until) == (date(2015, 1, 1), None)
    before = read_period("What did Ofsted say before 2018?", TODAY)
    assert (before.since, before.until) == (None, date(2017, 12, 31))
    between = read_period("between 2019 and 2023", TODAY)
    assert (between.since, between.until) == (date(2019, 1, 1), date(2023, 12, 31))
    assert read_period("from 2019 to 2023", TODAY).until == date(2023, 12, 31)
    # Each end of a span may be named by its inspection, in a few words.
    named = read_period("How did the front door change between the 2016 re-inspection and the 2023 inspection?", TODAY)
    assert (named.since, named.until) == (date(2016, 1, 1), date(2023, 12, 31))
    assert read_period("the changes between its 2019 and 2023 reports", TODAY).since == date(2019, 1, 1)
    assert read_period("What did the 2016 re-inspection find?", TODAY).years == (2016,)
    assert read_period("after 2020", TODAY).since == date(2021, 1, 1)
    assert read_period("What did Ofsted find last year?", TODAY).years == (2025,)
    assert read_period("What did Ofsted say about care leavers?", TODAY) is None
    assert read_period("section 47 enquiries under the Children Act 1989", TODAY) is None


def test_period_holds_inspection_or_publication_dates():
    period = read_period("in 2021", TODAY)
    assert period.holds(date(2021, 10, 4)) and not period.holds(date(2022, 1, 1))


def test_intents():
    assert read_intent("Is Tameside still rated requires improvement?").latest
    assert read_intent("What is Lancashire's current Ofsted rating?").latest
    assert read_intent("How have St Helens' judgements changed from 2019 to 2023?").change
    assert read_intent("Compare Lancashire and Surrey on care leavers").compare
    assert read_intent("How did Ofsted's view of Kent's front door change between its two inspections?").change
    assert read_intent("What were the changes between the 2019 and 2023 reports on neglect?").change
    plain = read_intent("What did Ofsted say about strategy discussions in Lancashire?")
    assert not (plain.latest or plain.change or plain.compare)


def test_years_in_passing_are_not_periods_and_tricky_periods_are_read():
    assert read_period("How many children were in care on 31 March 2022?", TODAY) is None
    assert read_period("What did the 2020 pandemic do to visits?", TODAY) is None
    assert read_period("Working Together to Safeguard Children 2018 duties", TODAY) is None
    assert read_period("What changed since the 2019 ILACS?", TODAY).since == date(2019, 1, 1)
    assert read_period("What was said prior to 2022?", TODAY).until == date(2021, 12, 31)
    assert read_period("pre-2018 findings", TODAY).until == date(2017, 12, 31)
    assert read_period("post-2020 findings", TODAY).since == date(2021, 1, 1)
    # A time named by one report's event is that report: what it asked for, what it found came before it.
    after = read_period("What should St Helens improve after its 2023 inspection?", TODAY)
    assert (after.since, after.until) == (date(2023, 1, 1), date(2023, 12, 31))
    before = read_period("What happened to Halton's leadership before its March 2020 inspection?", TODAY)
    assert (before.since, before.until) == (date(2020, 3, 1), date(2020, 3, 31))
    assert read_period("What changed since the 2019 ILACS?", TODAY).until is None  # since: that one and after
    assert read_period("the report from 2021", TODAY).years == (2021,)
    assert read_period("care leavers in 2019/20", TODAY).since == date(2019, 4, 1)
    assert read_period("between 2023 and 2019", TODAY).since == date(2019, 1, 1)
    assert read_period("over the past year", TODAY).since == date(2025, 11, 30)
    assert read_period("What judgements did Bolton receive in its 2021 inspection?", TODAY).phrase == "from 2021"
    assert read_period("Lancashire's 2022 inspection", TODAY).years == (2022,)
    for passing in (
        "Wigan 2019 - present: how has practice changed?",
        "Our 2024 Ofsted action plan",
        "COVID 2020 - how",
    ):
        assert read_period(passing, TODAY) is None


def test_a_year_typed_after_a_council_is_the_time_asked_about():
    assert period_beside_places("wigan 2025 ofsted - care leavers judgement?", ["wigan"]).years == (2025,)
    assert period_beside_places("knowsley 2024 - were caseloads flagged", ["knowsley"]).years == (2024,)
    assert period_beside_places("Wigan 2019 - present: how has practice changed?", ["Wigan"]) is None
    assert period_beside_places("Wigan 2019 children in care", ["Wigan"]) is None  # "2019 children": a count


def test_needing_to_improve_is_not_a_change_over_time():
    assert not read_intent("What does Kent need to improve?").change
    assert not read_intent("How is children's progress in care?").change
    assert read_intent("Has Oldham improved since its 2019 inspection?").change
    assert read_intent("Is Kent improving?").change


def test_lists_of_years_and_dates_of_figures():
    assert read_period("Was Kent judged good in 2019 and 2023?", TODAY).years == (2019, 2023)
    assert read_period("Compare Kent's 2019 and 2023 inspections", TODAY).years == (2019, 2023)
    assert read_period("How many children were in care in March 2023?", TODAY) is None
    assert read_period("What was spent in the year to March 2023?", TODAY) is None
    assert read_period("the 2021-22 budget", TODAY) is None
    assert read_period("What did inspectors find after February 2024?", TODAY).phrase == "after February 2024"


def test_sets_of_councils_are_read_from_the_question():
    from index.question import read_group

    ours = read_group("Which of our statistical neighbours are good or better?", "Tameside")
    assert ours.kind == "neighbours" and ours.of == "Tameside" and len(ours.members) == 10
    assert ours.members[:2] == ("Rotherham", "Gateshead") and ours.label == "Tameside's 10 statistical neighbours"
    named = read_group("What are Tameside's statistical neighbours rated?", None, ("Tameside",))
    assert named.of == "Tameside" and named.members == ours.members
    assert read_group("similar authorities to Lancashire", None, ("Lancashire",)).of == "Lancashire"
    assert read_group("statistical neighbours of Blackpool", None, ("Blackpool",)).of == "Blackpool"
    whose = read_group("Which of our neighbours improved?")
    assert whose.kind == "neighbours" and whose.of is None and whose.members == ()
    region = read_group("How many authorities in the North West are inadequate?")
    assert region.kind == "region" and region.label == "the North West" and len(region.members) == 24
    assert "Cumbria" not in region.members and "Cumberland" in region.members  # today's councils only
    counties = read_group("How many counties in the South East are good?")
    assert counties.label == "county councils in the South East" and "Kent" in counties.members
    assert "Brighton and Hove" not in counties.members
    london = read_group("Which London boroughs are outstanding?")
    assert london.kind == "type" and len(london.members) == 33
    assert read_group("How many councils are inadequate nationally?").kind == "nation"
    assert read_group("Is North East Lincolnshire good?", None, ("North East Lincolnshire",)) is None
    assert read_group("What did Ofsted say about care leavers in Lancashire?", None, ("Lancashire",)) is None


def test_two_digit_years_are_written_out_only_where_a_year_stands():
    from index.question import full_years

    places = ["wigan", "Knowsley", "Bolton"]
    cases = {
        "wigan 25 ofsted - wht did care leavers get??": "wigan 2025 ofsted - wht did care leavers get??",
        "knowsley ofsted nov 24 - PA caseloads": "knowsley ofsted November 2024 - PA caseloads",
        "inspected in Sept 23": "inspected in September 2023",
        "what did they say in '23?": "what did they say in 2023?",
        "Wigan 25 and Bolton 24": "Wigan 2025 and Bolton 2024",
        "ofsted 25 - front door?": "ofsted 2025 - front door?",
        "Bolton 17 leadership grade?": "Bolton 2017 leadership grade?",  # a grade is not counted
    }
    for said, meant in cases.items():
        assert full_years(said, places) == meant, said
    # A day of the month, a count, a modal "may": left as typed.
    for said in ("report on November 24, 2024", "the 24 November visit", "Knowsley 15 children were seen",
                 "in may 15 children", "Wigan 25, 26 and 27"):  # fmt: skip
        assert full_years(said, places) == said, said
