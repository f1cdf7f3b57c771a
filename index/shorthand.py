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
    "prev": "previous", "approx": "about", "insp": "inspection",
}  # fmt: skip
#: The sector's acronyms as people type them, with the words the reports also use.
_ACRONYMS = {
    "pa": "personal adviser", "pas": "personal advisers", "cp": "child protection", "cin": "children in need",
    "cla": "children looked after", "lac": "looked after children", "cyp": "children and young people",
    "yp": "young people", "eh": "early help", "sws": "social workers",
    "iro": "independent reviewing officer", "iros": "independent reviewing officers", "ooh": "out of hours",
    "edt": "emergency duty team", "uasc": "unaccompanied asylum-seeking children",
    "cse": "child sexual exploitation", "cce": "child criminal exploitation", "slt": "senior leadership team",
    "dcs": "director of children's services", "neet": "not in education, employment or training",
    "ehcp": "education, health and care plan", "dv": "domestic abuse", "da": "domestic abuse",
    "cwd": "disabled children",
}  # fmt: skip
#: Two-letter acronyms typed in lower case too: none of them is also a word.
_TYPED_LOWER = frozenset({"pa", "cp", "yp"})
_WORD = re.compile(r"(?<![\w'’-])(w/o|w/|[A-Za-z]+\d?)(?![\w’-]|'\w)")


def plain_words(question: str) -> str:
    """The question with chat shorthand spelled out and acronyms given their words."""

    def spelt(match: re.Match[str]) -> str:
        said = match.group(1)
        key = said.lower()
        if key in _CHAT and not (key == "u" and said.isupper()):
            return _CHAT[key]
        if key in _ACRONYMS and (said.isupper() or said.islower() and (len(key) > 2 or key in _TYPED_LOWER)):
            return f"{said} ({_ACRONYMS[key]})"
        return said

    return _WORD.sub(spelt, question)
