"""English local authorities with children's services, and matching the ways people name them."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

# The 153 upper-tier councils in England responsible for children's social care (2023 boundaries),
# plus names still found in older reports. Used to recognise the authority a news page is about.
ENGLISH_AUTHORITIES = """
Barking and Dagenham|Barnet|Barnsley|Bath and North East Somerset|Bedford|Bexley|Birmingham|
Blackburn with Darwen|Blackpool|Bolton|Bournemouth, Christchurch and Poole|Bournemouth|Poole|
Bracknell Forest|Bradford|Brent|Brighton and Hove|Bristol|Bromley|Buckinghamshire|Bury|Calderdale|
Cambridgeshire|Camden|Central Bedfordshire|Cheshire East|Cheshire West and Chester|City of London|
Cornwall|Coventry|Croydon|Cumberland|Cumbria|Darlington|Derby|Derbyshire|Devon|Doncaster|Dorset|
Dudley|Durham|Ealing|East Riding of Yorkshire|East Sussex|Enfield|Essex|Gateshead|Gloucestershire|
Greenwich|Hackney|Halton|Hammersmith and Fulham|Hampshire|Haringey|Harrow|Hartlepool|Havering|
Herefordshire|Hertfordshire|Hillingdon|Hounslow|Isle of Wight|Isles of Scilly|Islington|
Kensington and Chelsea|Kent|Kingston upon Hull|Kingston upon Thames|Kirklees|Knowsley|Lambeth|
Lancashire|Leeds|Leicester|Leicestershire|Lewisham|Lincolnshire|Liverpool|Luton|Manchester|Medway|
Merton|Middlesbrough|Milton Keynes|Newcastle upon Tyne|Newham|Norfolk|North East Lincolnshire|
North Lincolnshire|North Northamptonshire|North Somerset|North Tyneside|North Yorkshire|
Northamptonshire|Northumberland|Nottingham|Nottinghamshire|Oldham|Oxfordshire|Peterborough|
Plymouth|Portsmouth|Reading|Redbridge|Redcar and Cleveland|Richmond upon Thames|Rochdale|Rotherham|
Rutland|Salford|Sandwell|Sefton|Sheffield|Shropshire|Slough|Solihull|Somerset|South Gloucestershire|
South Tyneside|Southampton|Southend-on-Sea|Southwark|St Helens|Staffordshire|Stockport|
Stockton-on-Tees|Stoke-on-Trent|Suffolk|Sunderland|Surrey|Sutton|Swindon|Tameside|Telford and Wrekin|
Thurrock|Torbay|Tower Hamlets|Trafford|Wakefield|Walsall|Waltham Forest|Wandsworth|Warrington|
Warwickshire|West Berkshire|West Northamptonshire|West Sussex|Westminster|Westmorland and Furness|
Wigan|Wiltshire|Windsor and Maidenhead|Wirral|Wokingham|Wolverhampton|Worcestershire|York
"""
KNOWN_AUTHORITIES: tuple[str, ...] = tuple(
    name.strip() for name in ENGLISH_AUTHORITIES.replace("\n", "").split("|") if name.strip()
)

_PREFIXES = re.compile(
    r"^(the\s+)?(london borough of|royal borough of|metropolitan borough of|borough of|city of|county of)\s+",
)
_SUFFIXES = re.compile(
    r"(\s+(metropolitan|metropolitan borough|metropolitan district|borough|district|county|city))?"
    r"(\s+(city council|county council|borough council|district council|council|city of|unitary authority))?$"
)
_ABBREVIATIONS = {
    "ne lincs": "north east lincolnshire",
    "n e lincs": "north east lincolnshire",
    "ne lincolnshire": "north east lincolnshire",
    "n lincs": "north lincolnshire",
    "hull": "kingston upon hull",
    "east riding": "east riding of yorkshire",
    "bcp": "bournemouth christchurch and poole",
    "banes": "bath and north east somerset",
    "b&nes": "bath and north east somerset",
    "windsor maidenhead": "windsor and maidenhead",
    "rbwm": "windsor and maidenhead",
    "newcastle": "newcastle upon tyne",
    "stoke": "stoke on trent",
    "southend": "southend on sea",
    "stockton": "stockton on tees",
    "kingston": "kingston upon thames",
    "richmond": "richmond upon thames",
    "st. helens": "st helens",
    "saint helens": "st helens",
}


_COMMON_WORDS = {"reading", "bury", "sutton", "derby", "halton", "poole", "stoke", "richmond", "kingston"}


def authority_key(name: str) -> str:
    """A comparable form of an authority's name: 'Windsor & Maidenhead' == 'windsor and maidenhead'."""
    key = name.lower().replace("&", " and ").replace("’", "'")
    key = re.sub(r"['’]s\b", "", key)
    key = re.sub(r"[-.,']", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    key = _PREFIXES.sub("", key)
    key = _SUFFIXES.sub("", key)
    key = key.replace("saint ", "st ")
    return _ABBREVIATIONS.get(key, key)


def display_name(key_or_name: str) -> str:
    """The conventional spelling of an authority's name, when we know it."""
    key = authority_key(key_or_name)
    for name in KNOWN_AUTHORITIES:
        if authority_key(name) == key:
            return name
    return " ".join(w if w in {"and", "upon", "on", "of", "with"} else w.capitalize() for w in key.split())


@lru_cache(maxsize=16)
def _variants(candidates: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every way of naming the candidates, longest first (computed once per library, not per question)."""
    variants = [(authority_key(c), c) for c in candidates]
    variants += list(_ABBREVIATIONS.items())
    return sorted(variants, key=lambda kv: -len(kv[0]))


def find_authorities(text: str, candidates: tuple[str, ...] | list[str] = KNOWN_AUTHORITIES) -> list[str]:
    """Authorities named in free text, longest names first so 'North East Lincolnshire' beats 'Lincolnshire'."""
    words = re.sub(r"['’]s\b", "", text.lower().replace("&", " and "))
    haystack = " " + re.sub(r"[^a-z0-9]+", " ", words).replace("saint ", "st ") + " "
    found: list[str] = []
    taken: list[tuple[int, int]] = []
    for key, name in _variants(tuple(candidates)):
        for match in re.finditer(rf"(?<=\s){re.escape(key)}(?=\s)", haystack):
            if key in _COMMON_WORDS and not re.search(rf"\b{key.capitalize()}\b", text):
                continue
            span = (match.start(), match.end())
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            canonical = display_name(name)
            if canonical not in found:
                found.append(canonical)
    return found


def strip_authorities(text: str, names: list[str]) -> str:
    """The text without the named authorities, however they were written ('NE Lincs', "Tameside's")."""
    keys = {authority_key(n) for n in names}
    spellings = list(names) + [abbr for abbr, long in _ABBREVIATIONS.items() if long in keys]
    for spelling in sorted(spellings, key=len, reverse=True):
        pattern = r"\s+".join(re.escape(part) for part in spelling.split())
        text = re.sub(rf"\b{pattern}(?:'s|’s|s')?(?!\w)", " ", text, flags=re.I)
    return " ".join(text.split())


def nearest(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """The closest names the library holds, for a helpful 'did you mean'."""
    keys = {authority_key(c): c for c in candidates}
    return [keys[k] for k in difflib.get_close_matches(authority_key(name), list(keys), n=n, cutoff=0.5)]
