from index.authorities import authority_key, find_authorities, strip_authorities

HELD = ["Lancashire", "North East Lincolnshire", "North Lincolnshire", "St Helens", "Windsor and Maidenhead"]


def test_names_are_found_however_written():
    assert find_authorities("front door in NE Lincs?", HELD) == ["North East Lincolnshire"]
    assert find_authorities("Tell me about North Lincolnshire", HELD) == ["North Lincolnshire"]
    assert find_authorities("St. Helens' care leavers", HELD) == ["St Helens"]
    assert find_authorities("reading the report", ["Reading"]) == []
    assert authority_key("Royal Borough of Windsor & Maidenhead") == "windsor and maidenhead"


def test_named_authorities_are_stripped_from_the_question():
    assert strip_authorities("front door in NE Lincs", ["North East Lincolnshire"]) == "front door in"
    assert strip_authorities("Lancashire's care leavers", ["Lancashire"]) == "care leavers"


def test_every_council_in_the_reference_list_has_one_key_of_its_own():
    from index.authorities import lookup, register

    keys = [authority_key(a.name) for a in register()]
    assert len(keys) == len(set(keys)) > 150
    for authority in register():
        assert lookup(authority.official) == authority, authority.official


def test_a_report_s_own_wording_reads_as_the_canonical_council():
    from index.authorities import display_name

    assert display_name("Council of The Isles of Scilly") == "Isles of Scilly"
    assert display_name("Medway Children Services") == "Medway"
    assert display_name("Sandwell Children's Trust") == "Sandwell"
    assert display_name("Bristol, City of") == "Bristol"
    assert display_name("Kingston Upon Hull, City of") == "Kingston upon Hull"
    assert display_name("Bedford Borough") == "Bedford"
    assert display_name("St. Helens") == display_name("St Helen's") == "St Helens"
    assert display_name("Slough Children First") == "Slough"
    assert display_name("Together for Children Sunderland") == "Sunderland"
    assert display_name("City of Wolverhampton Council") == "Wolverhampton"
    assert display_name("The Royal Borough of Kensington and Chelsea") == "Kensington and Chelsea"


def test_london_is_a_region_not_the_city_of_london():
    assert find_authorities("How do London boroughs do on care leavers?") == []
    assert find_authorities("What about the City of London?") == ["City of London"]


def _known_word(word: str) -> bool:
    return word in {"what", "did", "ofsted", "say", "about", "the", "latest", "report", "care", "leavers", "and"}


def test_misspelt_informal_and_ambiguous_names():
    from index.authorities import read_places

    (misspelt,) = read_places("What did Ofsted say about Lancashrie?", is_word=_known_word)
    assert (misspelt.said, misspelt.authority, misspelt.how) == ("Lancashrie", "Lancashire", "fuzzy")
    assert [r.authority for r in read_places("Lancs and tamside care leavers", is_word=_known_word)] == [
        "Lancashire",
        "Tameside",
    ]
    (sussex,) = read_places("What about Sussex care leavers?", is_word=_known_word)
    assert sussex.authority is None and sussex.choices == ("East Sussex", "West Sussex")
    # Only one Sussex held: read as that one.
    (held,) = read_places("What about Sussex?", ["West Sussex", "Lancashire"], is_word=_known_word)
    assert held.authority == "West Sussex"


def test_an_ambiguous_name_beside_a_named_council_is_the_one_in_its_region():
    from index.authorities import near_named, read_places

    claim = "Richmond upon Thames delegated its children's services to a company, as did Kingston."
    readings = read_places(claim, is_word=_known_word)
    (kingston,) = [r for r in readings if r.authority is None]
    assert near_named(kingston.choices, readings) == ("Kingston upon Thames",)
    # Alone, or beside councils near both (or neither), it stays a question to ask.
    assert near_named(kingston.choices, read_places("What about Kingston?", is_word=_known_word)) == ()
    both = read_places("Kingston, Leeds and Camden", is_word=_known_word)
    assert near_named(next(r for r in both if r.authority is None).choices, both) == ()


def test_a_common_word_opening_a_sentence_is_not_a_place():
    assert find_authorities("Reading the latest report, what about Tameside?") == ["Tameside"]
    assert find_authorities("Is Reading still rated requires improvement?") == ["Reading"]
    assert find_authorities("Reading's latest judgement?") == ["Reading"]


def test_informal_names_lower_case_names_and_places_that_are_not_councils():
    from index.authorities import read_places

    cases = {
        "how is wigan doing?": ["Wigan"],
        "what is kent's judgement": ["Kent"],
        "South Glos care leavers": ["South Gloucestershire"],
        "North Northants front door": ["North Northamptonshire"],
        "Cheshire West and Central Beds": ["Cheshire West and Chester", "Central Bedfordshire"],
        "Bath & NE Somerset": ["Bath and North East Somerset"],
        "Brighton & Hove's fostering": ["Brighton and Hove"],
        "Reading between the lines, is Kent improving?": ["Kent"],
        "Kent this year: what changed?": ["Kent"],
        "schools in Sutton Coldfield and Newcastle-under-Lyme": [],
        "I'm reading Reading's latest report": ["Reading"],
    }
    for question, expected in cases.items():
        assert [r.authority for r in read_places(question, is_word=_known_word)] == expected, question
    (brighton,) = read_places("Brighton & Hove's fostering")
    assert brighton.said == "Brighton & Hove"


def test_short_unknown_words_are_not_read_as_a_council_they_resemble():
    from index.authorities import read_places

    for word in ("Boston", "Barrow", "Walton", "Melton"):
        assert read_places(f"What about {word}?", is_word=_known_word) == [], word


def test_paired_names_and_words_that_only_look_like_councils():
    assert find_authorities("Compare North and South Tyneside") == ["North Tyneside", "South Tyneside"]
    assert find_authorities("Is there a shortage of secure beds?") == []
    assert find_authorities("partners work together for children in care") == []
    assert find_authorities("a visit to New York") == []


def test_statistical_neighbours_and_coverage_come_from_the_reference_list():
    from index.authorities import current_authorities, lookup, neighbours_of, not_held

    assert neighbours_of("Tameside") == [
        "Rotherham", "Gateshead", "Rochdale", "Barnsley", "Wakefield",
        "Dudley", "Telford and Wrekin", "Plymouth", "Sunderland", "Torbay",
    ]  # fmt: skip
    assert neighbours_of("lancs")[0] == "Lincolnshire" and neighbours_of("Narnia") == []
    councils = current_authorities()
    assert len(councils) == 153 and "Northamptonshire" not in councils and "Poole" not in councils
    assert not lookup("Cumbria").current and lookup("Cumberland").current
    missing = not_held(["Lancashire", "St Helen's", "NE Lincs"])
    assert len(missing) == 150 and "Lancashire" not in missing and "Tameside" in missing


def test_a_common_word_place_in_a_managers_shorthand_is_the_council():
    # "hull 26 ofsted": a year or Ofsted's name straight after it says a council is meant, lower case or not.
    assert find_authorities("hull 26 ofsted - care leavers judgment?") == ["Kingston upon Hull"]
    assert find_authorities("Reading 2024 ilacs, front door") == ["Reading"]
    assert find_authorities("reading ofsted report") == ["Reading"]
    # A number it counts, or an ordinary verb, is not.
    assert find_authorities("reading 15 children's files") == []
    assert find_authorities("bath 20 minutes after") == []


def test_a_name_cut_short_word_by_word_is_read_as_that_council():
    from index.authorities import read_places

    known = {"east", "west", "north", "care", "leavers", "front", "door", "what", "about", "the"}
    (ches,) = read_places("ches east care leavers", is_word=known.__contains__)
    assert (ches.said, ches.authority, ches.how) == ("ches east", "Cheshire East", "fuzzy")
    (tyne,) = read_places("north tyne front door", is_word=known.__contains__)
    assert tyne.authority == "North Tyneside"
    # Whole words that only begin a name are not a council ("north east" is a region, not North East Lincolnshire).
    assert read_places("what about the north east", is_word=known.__contains__) == []
