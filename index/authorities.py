"""English local authorities with children's services, and every way people name them.

One list, `reference/local_authorities.csv` (DfE and ONS data: official names, aliases, codes,
region, statistical neighbours), gives each council one canonical name. Reports ("Council of the
Isles of Scilly", "Medway Children Services", "Sandwell Children's Trust") and questions ("Lancs",
"St Helen's", "Lancashrie") are both read onto it, so a council is one place in the library however
it was written.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index import text as text_rules

REFERENCE = Path(__file__).parent / "reference" / "local_authorities.csv"


@dataclass(frozen=True)
class Authority:
    """One council with children's services, as DfE and ONS list it."""

    name: str  # as people write it: "Bristol", "Kingston upon Hull"
    official: str  # the ONS name: "Bristol, City of"
    la_code: str  # DfE's three digits
    ons_code: str
    region: str
    kind: str  # London Borough, County, Unitary Authority, Metropolitan District
    neighbours: tuple[str, ...]  # statistical neighbours as DfE LA codes, nearest first
    aliases: tuple[str, ...]

    @property
    def current(self) -> bool:
        """Still a council today: reorganised ones (Cumbria, Northamptonshire, Poole) have no neighbours."""
        return bool(self.neighbours)


def _display(official: str) -> str:
    """'Bristol, City of' → 'Bristol'; 'Kingston Upon Hull, City of' → 'Kingston upon Hull'."""
    name = re.sub(r",\s*City of$", "", official).replace("St. ", "St ")
    name = re.sub(r"\s+Borough$", "", name)
    return re.sub(r"\b(Upon|On|Of|And|With)\b", lambda m: m.group(0).lower(), name)


@lru_cache(maxsize=1)
def register() -> tuple[Authority, ...]:
    """Every authority in the reference list, read once per process."""
    authorities = []
    with REFERENCE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            official = row["local_authority_ons_name"].strip()
            inner = row.get("also_known_as", "").strip().strip("[]")
            aliases = tuple(a.strip() for a in [inner, *inner.split(",")] if a.strip()) if inner else ()
            authorities.append(
                Authority(
                    name=_display(official),
                    official=official,
                    la_code=row["la_code"].strip(),
                    ons_code=row["la_code_new"].strip(),
                    region=row["region_name"].strip(),
                    kind=row["ons_la_type"].strip(),
                    neighbours=tuple(c.strip() for c in row["stat_neighbours"].split(",") if c.strip()),
                    aliases=aliases,
                )
            )
    return tuple(authorities)


#: Canonical names, in the reference list's order.
KNOWN_AUTHORITIES: tuple[str, ...] = tuple(a.name for a in register())

_PREFIXES = re.compile(
    r"^(the\s+)?(together for children|council of the|council of|london borough of|royal borough of|"
    r"metropolitan borough of|borough of|city of|county of)\s+",
)
_SUFFIXES = re.compile(
    r"(\s+(metropolitan|metropolitan borough|metropolitan district|borough|district|county|city))?"
    r"(\s+(city council|county council|borough council|district council|council|city of|unitary authority))?"
    r"(\s+(children s services|children services|childrens services|children s social care|children s trust|"
    r"childrens trust|children s services trust|children and families services?|children first))?$"
)
# Short and informal names people use for one council.
_INFORMAL = {
    "ne lincs": "north east lincolnshire",
    "n e lincs": "north east lincolnshire",
    "ne lincolnshire": "north east lincolnshire",
    "n lincs": "north lincolnshire",
    "north lincs": "north lincolnshire",
    "north east lincs": "north east lincolnshire",
    "lincs": "lincolnshire",
    "lancs": "lancashire",
    "notts": "nottinghamshire",
    "staffs": "staffordshire",
    "herts": "hertfordshire",
    "bucks": "buckinghamshire",
    "glos": "gloucestershire",
    "leics": "leicestershire",
    "northants": "northamptonshire",
    "oxon": "oxfordshire",
    "wilts": "wiltshire",
    "worcs": "worcestershire",
    "cambs": "cambridgeshire",
    "hants": "hampshire",
    "derbys": "derbyshire",
    "west berks": "west berkshire",
    "iow": "isle of wight",
    "scilly": "isles of scilly",
    "rbkc": "kensington and chelsea",
    "k and c": "kensington and chelsea",
    "lbhf": "hammersmith and fulham",
    "h and f": "hammersmith and fulham",
    "lbbd": "barking and dagenham",
    "county durham": "durham",
    "hull": "kingston upon hull",
    "east riding": "east riding of yorkshire",
    "bcp": "bournemouth christchurch and poole",
    "bournemouth": "bournemouth christchurch and poole",
    "banes": "bath and north east somerset",
    "b and nes": "bath and north east somerset",
    "bath": "bath and north east somerset",
    "windsor maidenhead": "windsor and maidenhead",
    "rbwm": "windsor and maidenhead",
    "newcastle": "newcastle upon tyne",
    "stoke": "stoke on trent",
    "southend": "southend on sea",
    "stockton": "stockton on tees",
    "richmond": "richmond upon thames",
    "st helen": "st helens",
    "brighton": "brighton and hove",
    "telford": "telford and wrekin",
    "redcar": "redcar and cleveland",
    "blackburn": "blackburn with darwen",
    "south glos": "south gloucestershire",
    "north northants": "north northamptonshire",
    "west northants": "west northamptonshire",
    "cheshire west": "cheshire west and chester",
    "west cheshire": "cheshire west and chester",
    "east cheshire": "cheshire east",
    "central beds": "central bedfordshire",
    "bath and ne somerset": "bath and north east somerset",
    "north yorks": "north yorkshire",
    "kcc": "kent",
    "windsor": "windsor and maidenhead",
    "hammersmith": "hammersmith and fulham",
    "kensington": "kensington and chelsea",
    "barking": "barking and dagenham",
    "city of york": "york",
}
#: Places that contain a council's name but are not that council: read as no council at all.
NOT_COUNCILS = (
    "newcastle under lyme", "stoke newington", "sutton coldfield", "bury st edmunds", "richmondshire", "new york",
)  # fmt: skip
#: Names that fit more than one council: the question has to say which.
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "sussex": ("East Sussex", "West Sussex"),
    "kingston": ("Kingston upon Thames", "Kingston upon Hull"),
    "bedfordshire": ("Bedford", "Central Bedfordshire"),
    "beds": ("Bedford", "Central Bedfordshire"),
    "cheshire": ("Cheshire East", "Cheshire West and Chester"),
    "tyneside": ("North Tyneside", "South Tyneside"),
}
# Place names that are also ordinary English words: only a capitalised one is a place, and at the
# start of a sentence only when what follows reads like a place ("Reading's", "Reading council", "Bury is").
_COMMON_WORDS = {
    "reading", "bury", "bath", "hull", "slough", "stoke", "bucks", "staffs", "wilts", "banes", "derby", "beds",
}  # fmt: skip
# "North and South Tyneside", "East and West Sussex": two councils named at once.
_PAIRED = re.compile(r"\b(North|South|East|West)\s+(?:and|&)\s+(North|South|East|West)\s+([A-Z][a-z]+)\b")
_PLACE_AFTER = re.compile(
    r"^(['’]s\b|\s+(council|borough|children|children['’]s|is|was|has|had|rated|judged|got|received|and|or|vs|"
    r"versus|still|now|currently|do|does|did)\b|\s*[,?.!:;]|\s*$)",
    re.I,
)

#: After a place typed in shorthand: a year, or Ofsted's name for what it did there.
_SHORTHAND_AFTER = re.compile(rf"^\s+(?:(?:19|20)?\d\d{text_rules.YEAR_ENDS}|ofsted\b|ilacs\b)", re.I)


@lru_cache(maxsize=8192)
def authority_key(name: str) -> str:
    """A comparable form of an authority's name: 'Windsor & Maidenhead' == 'windsor and maidenhead'."""
    key = name.lower().replace("&", " and ").replace("’", "'")
    key = re.sub(r"\b(children|childrens)'s\b", "children s", key)
    key = re.sub(r"(?<!children)'s\b", "", key)
    key = re.sub(r"[-.,'()]", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    key = key.replace("saint ", "st ")
    if re.match(r"^(the )?(city of london|corporation of london)\b", key):
        return "city of london"  # "London" alone is a region, not the City
    for _ in range(2):  # "The Council of the Royal Borough of…", "… Borough Council Children's Services"
        key = _PREFIXES.sub("", key)
        key = _SUFFIXES.sub("", key).strip()
    return _aliases().get(key, key)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """Every known alternative name → the canonical name's key (keys computed without aliases)."""
    table = dict(_INFORMAL)
    for authority in register():
        canonical = _plain_key(authority.name)
        for other in (authority.official, *authority.aliases):
            other_key = _plain_key(other)
            if other_key != canonical and other_key not in AMBIGUOUS:
                table.setdefault(other_key, canonical)
    return table


def _plain_key(name: str) -> str:
    key = name.lower().replace("&", " and ").replace("’", "'")
    key = re.sub(r"[-.,'()]", " ", key)
    key = re.sub(r"\s+", " ", key).strip().replace("saint ", "st ")
    if key.startswith("city of london"):
        return "city of london"
    return _SUFFIXES.sub("", _PREFIXES.sub("", key)).strip()


@lru_cache(maxsize=1)
def _by_key() -> dict[str, Authority]:
    return {_plain_key(a.name): a for a in register()}


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Authority]:
    return {a.la_code: a for a in register()}


def neighbours_of(name: str) -> list[str]:
    """A council's ten statistical neighbours (DfE), nearest first, by canonical name."""
    authority = lookup(name)
    if authority is None:
        return []
    return [_by_code()[code].name for code in authority.neighbours if code in _by_code()]


def current_authorities() -> list[str]:
    """Every council with children's services today, in the reference list's order."""
    return [a.name for a in register() if a.current]


def not_held(held: Iterable[str]) -> list[str]:
    """Today's councils with no report among the authorities held, in the reference list's order."""
    have = {lookup(name) for name in held}
    return [a.name for a in register() if a.current and a not in have]


def lookup(name: str) -> Authority | None:
    """The reference entry for a council however it is written, or None if it is not one."""
    return _by_key().get(authority_key(name))


def display_name(key_or_name: str) -> str:
    """The canonical spelling of an authority's name, when we know it."""
    key = authority_key(key_or_name)
    known = _by_key().get(key)
    if known:
        return known.name
    return " ".join(w if w in {"and", "upon", "on", "of", "with"} else w.capitalize() for w in key.split())


@dataclass(frozen=True)
class PlaceReading:
    """One place a question names, and how it was read."""

    said: str  # the words as written
    authority: str | None  # the canonical name; None when ambiguous
    how: str = "exact"  # exact | alias | fuzzy | ambiguous
    choices: tuple[str, ...] = ()  # for an ambiguous name, the councils it could be


def _haystack(text: str) -> str:
    words = text.lower().replace("&", " and ").replace("’", "'")
    words = re.sub(r"\b(children|childrens)'s\b", "children s", words)
    words = re.sub(r"'s\b", "", words)
    return " " + re.sub(r"[^a-z0-9]+", " ", words).replace("saint ", "st ") + " "


@lru_cache(maxsize=16)
def _variants(candidates: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every way of naming the candidates, longest first (computed once per library, not per question)."""
    keys = {authority_key(c) for c in candidates}
    variants = [(authority_key(c), c) for c in candidates]
    variants += [(alias, target) for alias, target in _aliases().items() if target in keys]
    variants += [(alias, "") for alias in AMBIGUOUS]
    variants += [(place, "-") for place in NOT_COUNCILS]
    return sorted(set(variants), key=lambda kv: -len(kv[0]))


def read_places(
    text: str,
    candidates: Iterable[str] = KNOWN_AUTHORITIES,
    is_word: Callable[[str], bool] | None = None,
) -> list[PlaceReading]:
    """The councils a question names, in order: exact names and aliases, then misspellings.

    `is_word` says whether a word is ordinary vocabulary (e.g. the library's own words); a word that
    is not, and is close to one council's name, is read as that council ("Lancashrie").
    """
    candidates = tuple(candidates)
    text = _PAIRED.sub(r"\1 \3 and \2 \3", text)
    haystack = _haystack(text)
    found: list[tuple[int, PlaceReading]] = []
    taken: list[tuple[int, int]] = []
    for key, name in _variants(candidates):
        for match in re.finditer(rf"(?<=\s){re.escape(key)}(?=\s)", haystack):
            span = (match.start(), match.end())
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            if key in _COMMON_WORDS and not _reads_as_place(text, key):
                continue
            taken.append(span)
            said = _as_written(text, key)
            if name == "-":
                continue  # "Sutton Coldfield", "Newcastle-under-Lyme": a place, but no council of ours
            if not name:
                held = tuple(c for c in AMBIGUOUS[key] if authority_key(c) in {authority_key(x) for x in candidates})
                reading = PlaceReading(said, None, "ambiguous", AMBIGUOUS[key]) if len(held) != 1 else None
                reading = reading or PlaceReading(said, display_name(held[0]), "fuzzy")
            else:
                canonical = display_name(name)
                how = "exact" if authority_key(said) == key and _plain_key(canonical) == key else "alias"
                reading = PlaceReading(said, canonical, how)
            found.append((span[0], reading))
    if is_word is not None:
        found += _misspelt(haystack, taken, candidates, is_word, text)
    readings: list[PlaceReading] = []
    for _, reading in sorted(found, key=lambda f: f[0]):
        if reading.authority is None or all(r.authority != reading.authority for r in readings):
            readings.append(reading)
    return readings


def _key_pattern(key: str) -> str:
    parts = [r"(?:and|&)" if part == "and" else re.escape(part) for part in key.split()]
    return r"[\W_]*".join(parts) if len(parts) > 1 else parts[0]


def _as_written(text: str, key: str) -> str:
    match = re.search(rf"\b{_key_pattern(key)}\b", text.replace("’", "'"), re.I)
    return match.group(0) if match else key


def _reads_as_place(text: str, key: str) -> bool:
    """'Reading's judgement' names a place; 'reading the report' and 'Reading between the lines' do not."""
    for match in re.finditer(rf"\b{_key_pattern(key)}\b", text, re.I):
        if _SHORTHAND_AFTER.match(text[match.end() :]):
            return True  # "hull 26 ofsted", "reading 2024 ilacs": a manager's shorthand for the council
        if not match.group(0)[:1].isupper():
            continue
        opens = match.start() == 0 or re.search(r"[.?!:;]\s*$", text[: match.start()])
        if opens and not _PLACE_AFTER.match(text[match.end() :]):
            continue
        return True
    return False


#: How close a shortened name ("ches east", "north tyne") counts: as close as a near-miss spelling.
ABBREVIATED = 0.9


def _abbreviates(phrase: str, key: str) -> bool:
    """Whether a name of two words or more is the council's, each word its start and one of them cut short."""
    said, name = phrase.split(), key.split()
    return (
        len(said) == len(name) >= 2
        and all(len(s) >= 3 and n.startswith(s) for s, n in zip(said, name, strict=True))
        and said != name
    )


def _misspelt(
    haystack: str, taken: list[tuple[int, int]], candidates: tuple[str, ...], is_word: Callable[[str], bool], text: str
) -> list[tuple[int, PlaceReading]]:
    """Words that are no word the library knows but close to one council's name: read as that council."""
    keys = {authority_key(c): display_name(c) for c in candidates}
    keys.update({alias: display_name(target) for alias, target in _INFORMAL.items() if target in keys})
    tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[a-z0-9]+", haystack)]
    found: list[tuple[int, PlaceReading]] = []
    for i, (start, _end, word) in enumerate(tokens):
        if len(word) < 4 or word in _COMMON_WORDS or is_word(word) or any(s <= start < e for s, e in taken):
            continue
        best: list[tuple[float, str, str]] = []
        for width in (1, 2, 3):
            for j in range(max(0, i - width + 1), i + 1):
                span = tokens[j : j + width]
                if len(span) < width or any(any(s <= t[0] < e for s, e in taken) for t in span):
                    continue
                phrase = " ".join(t[2] for t in span)
                for key, name in keys.items():
                    if _abbreviates(phrase, key):
                        best.append((ABBREVIATED, name, phrase))  # "ches east": Cheshire East, shortened
                    elif abs(len(key) - len(phrase)) <= 3:
                        ratio = difflib.SequenceMatcher(None, phrase, key).ratio()
                        # Short names need a closer match: "Boston" is not Bolton, "Lancashrie" is Lancashire.
                        if ratio >= (0.8 if len(phrase) >= 9 else 0.85):
                            best.append((ratio, name, phrase))
        if not best:
            continue
        best.sort(key=lambda b: -b[0])
        top = best[0]
        rivals = sorted({name for ratio, name, _ in best if ratio >= top[0] - 0.04})
        said = _as_written(text, top[2])
        if len(rivals) > 1:
            found.append((start, PlaceReading(said, None, "ambiguous", tuple(rivals))))
        else:
            found.append((start, PlaceReading(said, top[1], "fuzzy")))
        taken.append((start, start + len(top[2])))
    return found


def find_authorities(text: str, candidates: Iterable[str] = KNOWN_AUTHORITIES) -> list[str]:
    """Councils named in free text (exact names and aliases), longest names first in matching."""
    return [r.authority for r in read_places(text, candidates) if r.authority]


def strip_authorities(text: str, names: Iterable[str]) -> str:
    """The text without the named authorities, however they were written ('NE Lincs', "Tameside's")."""
    keys = {authority_key(n) for n in names}
    spellings = [*names, *(alias for alias, long in _aliases().items() if long in keys)]
    for spelling in sorted(spellings, key=len, reverse=True):
        pattern = r"[\W_]+".join(re.escape(part) for part in spelling.split())
        text = re.sub(rf"\b{pattern}(?:'s|’s|s')?(?!\w)", " ", text, flags=re.I)
    return " ".join(text.split())


def nearest(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """The closest names the library holds, for a helpful 'did you mean'."""
    keys = {authority_key(c): c for c in candidates}
    return [keys[k] for k in difflib.get_close_matches(authority_key(name), list(keys), n=n, cutoff=0.5)]


def near_named(choices: tuple[str, ...], readings: list[PlaceReading]) -> tuple[str, ...]:
    """The one council an ambiguous name can mean beside the places named with it, if only one is near them.

    "Richmond, Kingston and Windsor" is Kingston upon Thames: the only Kingston in a named council's region.
    """
    regions = {found.region for r in readings if r.authority and (found := lookup(r.authority))}
    near = tuple(c for c in choices if (found := lookup(c)) and found.region in regions)
    return near if len(near) == 1 else ()
