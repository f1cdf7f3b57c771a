"""How managers type in Slack: chat shorthand and the sector's acronyms, read as the reports write them.

"wht did care leavers get", "senior mgmt", "PA caseloads", "CP plans": the shorthand is replaced by
its word; a sector acronym keeps its letters and gains its words ("PA (personal adviser)"), since
reports write either, and the search and the records questions read words, not abbreviations.
"""

from __future__ import annotations

import re

#: Chat shorthand, replaced by the word it stands for.
_CHAT = {
    "wht": "what", "wat": "what", "wot": "what", "whats": "what is", "hw": "how", "abt": "about", "re": "about",
    "bc": "because", "cos": "because", "coz": "because", "mgmt": "management", "mgt": "management",
    "mgr": "manager", "mgrs": "managers", "govt": "government", "yr": "year", "yrs": "years", "ppl": "people",
    "pls": "please", "plz": "please", "w/": "with", "w/o": "without", "b4": "before", "u": "you", "ur": "your",
    "thru": "through", "tho": "though", "info": "information", "recs": "recommendations", "esp": "especially",
    "prev": "previous", "approx": "about", "insp": "inspection", "probs": "problems", "prob": "problem",
    "kids": "children", "w": "with",
}  # fmt: skip
#: The sector's acronyms as people type them, with the words the reports also use.
_ACRONYMS = {
    "pa": "personal adviser", "pas": "personal advisers", "cp": "child protection", "cin": "children in need",
    "cla": "children looked after", "lac": "looked after children", "cyp": "children and young people",
    "yp": "young people", "eh": "early help", "sws": "social workers",
    "iro": "independent reviewing officer", "iros": "independent reviewing officers", "ooh": "out of hours",
    "edt": "emergency duty team", "uasc": "unaccompanied asylum-seeking children",
    "cse": "child sexual exploitation", "cce": "child criminal exploitation", "slt": "senior leadership team",
    "dcs": "director of children's services", "ri": "requires improvement", "cic": "children in care",
    "fv": "focused visit", "mv": "monitoring visit", "neet": "not in education, employment or training",
    "ehcp": "education, health and care plan", "dv": "domestic abuse", "da": "domestic abuse",
    "cwd": "disabled children",
}  # fmt: skip
#: Two-letter acronyms typed in lower case too: none of them is also a word.
_TYPED_LOWER = frozenset({"pa", "cp", "yp"})
#: Shorthand that is only shorthand in lower case ("BC" is a borough council, "COS" a name).
_LOWER_ONLY = frozenset({"bc", "cos", "coz", "u", "ur", "w"})
#: Acronyms that are words in lower case ("ooh").
_UPPER_ONLY = frozenset({"ooh"})
_WORD = re.compile(r"(?<![\w'’£$-])(w/o|w/|[A-Za-z]+\d?)(?![\w’-]|'\w|\.\w)")


def plain_words(question: str) -> str:
    """The question with chat shorthand spelled out and acronyms given their words (twice is once)."""

    def spelt(match: re.Match[str]) -> str:
        said = match.group(1)
        key = said.lower()
        if key in _LOWER_ONLY and not said.islower():
            return said
        if key in _CHAT:
            return _CHAT[key]
        if match.string[match.end() :].startswith(" ("):
            return said  # already given its words
        if re.search(r"\d\s*k?\s*$", match.string[: match.start()]):
            return said  # "£30k pa" is a year's pay, not a personal adviser
        single = key[:-1] if said[:-1].isupper() and said.endswith("s") and key[:-1] in _ACRONYMS else key
        lower_ok = single not in _UPPER_ONLY and (len(key) > 2 or key in _TYPED_LOWER)
        if single in _ACRONYMS and (said.isupper() or single != key or said.islower() and lower_ok):
            return f"{said} ({_ACRONYMS[single]})"
        return said

    return _WORD.sub(spelt, question)
