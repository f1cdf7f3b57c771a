"""Managers' words, searched as the reports write them: "after-hours" is also "out-of-hours".

Managers ask in everyday words; reports use Ofsted's. A passage that says "the emergency duty team"
is not found by "after-hours cover" on words, and only weakly by meaning. The sector thesaurus
(`reference/thesaurus.json`, written blind from the reports) gives each manager phrase the phrases
reports use, and the search looks for those too. The question itself, as the model reads it, is
unchanged.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources


@cache
def _entries() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    raw = json.loads(resources.files("index.reference").joinpath("thesaurus.json").read_text(encoding="utf-8"))
    entries = []
    for said, reports_say in raw.items():
        # An entry is a set of ways to say one thing: the manager's phrase, or a report phrase of more
        # than one word ("emergency duty team" is also "out-of-hours"), finds the others. A single
        # report word ("contacts", "budget") is too general to stand for the set.
        phrases = [said, *(p for p in reports_say if len(re.split(r"[\s-]+", p.strip())) > 1)]
        entries.append((re.compile("|".join(_phrase(p) for p in phrases), re.I), tuple(reports_say)))
    return tuple(entries)


def _phrase(phrase: str) -> str:
    """A phrase as typed: "after-hours" is also "after hours"; a plural is the same phrase."""
    words = [re.escape(w) for w in re.split(r"[\s-]+", phrase.strip()) if w]
    return r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?:s|es)?(?![\w-])"


def report_phrases(question: str) -> list[str]:
    """The phrases reports use for what the question says in other words (none the question already says)."""
    said = re.sub(r"[\s-]+", " ", question.lower())
    found: dict[str, str] = {}  # each phrase once, however it is hyphenated
    for pattern, reports_say in _entries():
        if pattern.search(question):
            for phrase in reports_say:
                plain = re.sub(r"[\s-]+", " ", phrase)
                if plain not in said:
                    found.setdefault(plain, phrase)
    return list(found.values())
