"""Managers' words, searched as the reports write them: "after-hours" is also "out-of-hours".

Managers ask in everyday words; reports use Ofsted's. A passage that says "the emergency duty team"
is not found by "after-hours cover" on words, and only weakly by meaning. The sector thesaurus
(`reference/thesaurus.json`, written blind from the reports) gives each manager phrase the phrases
reports use for the same thing and for related ones, and the search looks for those too. The question
itself, as the model reads it, is unchanged.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources


@cache
def _entries() -> tuple[tuple[re.Pattern[str], re.Pattern[str] | None, tuple[str, ...], tuple[str, ...]], ...]:
    """Each entry: how the manager says it, how reports say the same, and what reports say of related topics.

    The manager's phrase finds both; a report phrase that means the same ("emergency duty team" for
    "out-of-hours") finds only the others that mean the same: "toxic trio" may bring "substance
    misuse" to mind, but "domestic abuse" must not. A single report word ("contacts", "budget") is
    too general to stand for the rest.
    """
    raw = json.loads(resources.files("index.reference").joinpath("thesaurus.json").read_text(encoding="utf-8"))
    entries = []
    for said, ways in raw.items():
        same, related = tuple(ways["same"]), tuple(ways["related"])
        alike = [p for p in same if len(re.split(r"[\s-]+", p.strip())) > 1]
        pattern = re.compile(_phrase(said), re.I)
        entries.append((pattern, re.compile("|".join(map(_phrase, alike)), re.I) if alike else None, same, related))
    return tuple(entries)


def _phrase(phrase: str) -> str:
    """A phrase as typed: "after-hours" is also "after hours"; a plural is the same phrase."""
    words = [re.escape(w) for w in re.split(r"[\s-]+", phrase.strip()) if w]
    return r"(?<![\w-])" + r"[\s-]+".join(words) + r"(?:s|es)?(?![\w-])"


def report_phrases(question: str) -> list[str]:
    """The phrases reports use for what the question says in other words (none the question already says)."""
    said = re.sub(r"[\s-]+", " ", question.lower())
    found: dict[str, str] = {}  # each phrase once, however it is hyphenated
    for manager, alike, same, related in _entries():
        if manager.search(question):
            wanted = same + related
        elif alike is not None and alike.search(question):
            wanted = same
        else:
            continue
        for phrase in wanted:
            plain = re.sub(r"[\s-]+", " ", phrase)
            if plain not in said:
                found.setdefault(plain, phrase)
    return list(found.values())
