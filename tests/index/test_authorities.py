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
