"""What words mean for the checks: opposites, quantities, praise and criticism, negation, requests.

The judge of claims (`bot.evidence.claims`) reads sentences through these: "strengthened" is not
"weakened", "most" is not "few", "not effective" denies "effective", "should improve" asks rather
than finds.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.text import DENIERS, NEGATORS, STOP_WORDS, plain, stem, words

#: Pairs of words that say opposite things about practice. A claim that uses one where its cited
#: words use the other (and not itself) is a misquote, however much else overlaps.
ANTONYMS: tuple[tuple[str, str], ...] = (
    ("timely", "delayed"),
    ("timely", "late"),
    ("timely", "untimely"),
    ("prompt", "delayed"),
    ("prompt", "slow"),
    ("promptly", "slowly"),
    ("swift", "slow"),
    ("quick", "slow"),
    ("quickly", "slowly"),
    ("consistent", "inconsistent"),
    ("consistently", "inconsistently"),
    ("consistent", "variable"),
    ("effective", "ineffective"),
    ("effectively", "ineffectively"),
    ("strong", "weak"),
    ("strengths", "weaknesses"),
    ("strength", "weakness"),
    ("robust", "weak"),
    ("good", "poor"),
    ("well", "poorly"),
    ("high", "low"),
    ("high", "variable"),
    ("exceeds", "meets"),
    ("better", "worse"),
    ("improved", "deteriorated"),
    ("improved", "declined"),
    ("improving", "deteriorating"),
    ("improving", "declining"),
    ("increased", "decreased"),
    ("increased", "reduced"),
    ("increase", "decrease"),
    ("rising", "falling"),
    ("more", "fewer"),
    ("more", "less"),
    ("most", "few"),
    ("most", "some"),
    ("majority", "minority"),
    ("many", "few"),
    ("all", "some"),
    ("all", "few"),
    ("all", "none"),
    ("every", "few"),
    ("most", "none"),
    ("always", "sometimes"),
    ("always", "rarely"),
    ("always", "never"),
    ("often", "rarely"),
    ("regularly", "rarely"),
    ("regular", "infrequent"),
    ("sufficient", "insufficient"),
    ("sufficiently", "insufficiently"),
    ("appropriate", "inappropriate"),
    ("appropriately", "inappropriately"),
    ("adequate", "inadequate"),
    ("stable", "unstable"),
    ("safe", "unsafe"),
    ("clear", "unclear"),
    ("suitable", "unsuitable"),
    ("successful", "unsuccessful"),
    ("able", "unable"),
    ("aware", "unaware"),
    ("positive", "negative"),
    ("praised", "criticised"),
    ("strengthened", "weakened"),
    ("manageable", "unmanageable"),
    ("attended", "unattended"),
    ("complete", "incomplete"),
    ("completed", "incomplete"),
    ("accurate", "inaccurate"),
    ("sustained", "unsustained"),
    ("secure", "insecure"),
    ("thorough", "superficial"),
    ("comprehensive", "limited"),
    ("above", "below"),
)


@lru_cache(maxsize=1)
def _opposites() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for a, b in ANTONYMS:
        table.setdefault(a, set()).add(b)
        table.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in table.items()}


_NOT_ADVERBS = frozenset(
    [
        "timely",
        "untimely",
        "early",
        "only",
        "family",
        "likely",
        "unlikely",
        "friendly",
        "weekly",
        "monthly",
        "daily",
        "yearly",
        "elderly",
        "rely",
        "apply",
        "supply",
        "reply",
    ]
)


def base(word: str) -> str:
    """An adverb's adjective ('swiftly' → 'swift', 'poorly' → 'poor'), so antonym pairs cover both."""
    if word.endswith("ly") and len(word) > 5 and word not in _NOT_ADVERBS:
        return word[:-4] + "le" if word.endswith("bly") else word[:-2]
    return word


@lru_cache(maxsize=1)
def _opposite_stems() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for a, b in ANTONYMS:
        sa, sb = stem(base(a)), stem(base(b))
        table.setdefault(sa, set()).add(sb)
        table.setdefault(sb, set()).add(sa)
    return {k: frozenset(v) for k, v in table.items()}


def opposite_stems(stems: set[str]) -> set[str]:
    """Stems whose opposite is among these (so a flipped word still marks a window as on topic)."""
    table = _opposite_stems()
    return {o for s in stems for o in table.get(s, ())}


def opposites(word: str) -> frozenset[str]:
    """Words that say the opposite of this one ('timely' → delayed, late, untimely; 'slowly' → swift…)."""
    return _opposites().get(word, frozenset()) | _opposites().get(base(word), frozenset())


#: Words that state how many or how often. A claim's quantity is a fact: the words it cites must
#: say the same (or an equivalent), not merely talk about the same thing.
QUANTITIES: dict[str, str] = {
    "all": "all", "every": "all", "each": "all", "always": "always", "never": "never", "none": "none",
    "most": "most", "majority": "most", "mostly": "most", "many": "many", "few": "few", "minority": "few",
    "rarely": "rarely", "seldom": "rarely", "sometimes": "sometimes", "occasionally": "sometimes",
    "often": "often", "frequently": "often", "regularly": "often", "routinely": "often", "usually": "most",
    "daily": "daily", "weekly": "weekly", "fortnightly": "fortnightly", "monthly": "monthly",
    "quarterly": "quarterly", "annually": "annually", "yearly": "annually",
}  # fmt: skip
#: Quantities that narrow a finding: a claim that drops them says more than the report.
RESTRICTIVE = frozenset({"few", "sometimes", "rarely"})
#: Quantities that may stand for each other in a faithful paraphrase.
_SAME_QUANTITY = {"all": {"all", "always"}, "always": {"always", "all"}, "most": {"most", "many"},
                  "many": {"many", "most"}, "few": {"few", "sometimes", "rarely"},
                  "rarely": {"rarely", "few"}, "sometimes": {"sometimes", "few"}, "often": {"often", "most", "many"},
                  "never": {"never", "none"}, "none": {"none", "never"}}  # fmt: skip


#: Idioms whose "all" or "each" counts nothing ("juggle three kinds of review all at once").
_NO_QUANTITY = re.compile(
    r"\b(all at once|(not|any|nothing|none) at all|all the same|above all|all in all|each other|one another)\b", re.I
)


def quantities(text: str) -> set[str]:
    """How many or how often a text says ('the majority' → most, 'a small number' → few)."""
    text = _NO_QUANTITY.sub(" ", text)
    found = {QUANTITIES[w] for w in words(text) if w in QUANTITIES}
    if re.search(r"\b(a )?small (number|minority)\b|\ba (very )?few\b|\ba minority\b", text, re.I):
        found.add("few")
    if re.search(r"\bnot all\b|\bnot always\b", text, re.I):
        found -= {"all", "always"}
        found.add("sometimes")
    return found


def same_quantity(claimed: str, stated: set[str]) -> bool:
    """Whether a stated quantity bears out the claimed one."""
    return bool(_SAME_QUANTITY.get(claimed, {claimed}) & stated)


#: Words that criticise practice; a claim that criticises must rest on words that do too.
CRITICAL = re.compile(
    r"\b(lack(s|ing|ed)?|without|insufficient(ly)?|inadequate|poorly|weak(ness|nesses)?|fail(s|ed|ings?|ures?)?|"
    r"further (work|improvement|progress|action) (is|are) (required|needed)|"
    r"poor (quality|practice|decision\w*|planning|recording|oversight|standards?|attendance|outcomes|response)|"
    r"delay(s|ed)?|late|slow|concerned|concerning|(a|of|serious|significant) concerns?|"
    r"problem(s|atic)?|struggl\w*|unable|ineffective(ly)?|"
    r"inconsistent(ly)?|deteriorat\w*|declin\w*|shortfall(s)?|gaps?|drift|variable|too (long|slow|many|few|often)|"
    r"not (always|consistently|yet|sufficiently|routinely|effective|been|clear|robust)|limited|"
    r"requires? improvement|worse|unsafe|unstable|unclear|unsuitable|criticis\w*|"
    r"wait(ing|ed)? too long)\b",
    re.I,
)
#: Words that praise practice, for picking strengths.
PRAISE = re.compile(
    r"\b(effective(ly)?|strong(ly)?|well|good|timely|robust|skilled|improved|improving|thorough|positive|"
    r"impressive|outstanding|swift(ly)?|comprehensive|consistent(ly)? high|benefit\w*|stable|helps?|helped|"
    r"successful(ly)?|prompt(ly)?)\b",
    re.I,
)
#: "no drift", "without delay", "knows its weaknesses": words of criticism that praise.
NOT_CRITICAL = re.compile(
    r"\b(no|without|reduced|reducing)\s+(drift|delay|unnecessary delay|gaps?)|"
    # "He has evaluated the weaknesses of the Board": knowing one's weaknesses is a strength, not a fault.
    # The council's own people knowing them, not an inspection finding them ("this inspection identified…").
    r"\b(?:leaders?|managers?|he|she|they|chair|board|council|authority|partners)\s+(?:(?!not\b|never\b)\w+\s+){0,3}?"
    r"(?:evaluated|identified|knows?|understands?|understood|recognised|recognises|(?:is|are) aware of)\s+"
    r"(?:\w+\s+){0,3}?(?:weakness(?:es)?|gaps?|shortfalls?|areas for (?:improvement|development))\b|"
    r"\b(?:accurate|realistic|clear) (?:self-)?(?:assessment|evaluation|understanding) of (?:\w+\s+){0,2}?"
    r"(?:weakness(?:es)?|gaps?|shortfalls?)\b",
    re.I,
)


def criticises(text: str) -> bool:
    """Whether the text finds fault with something."""
    cleared = NOT_CRITICAL.sub(" ", plain(text))
    return bool(CRITICAL.search(cleared)) or has_negation(cleared)


def praises(text: str) -> bool:
    """Whether the text commends something (and does not find fault)."""
    return bool(PRAISE.search(text)) and not criticises(text)


#: Words that say practice is strong, or got better: the other side of `CRITICAL`, for a finding's stance.
#: Stricter than `PRAISE` ("well" and "helps" say little alone), wider in direction ("moved forward").
FAVOURABLE = re.compile(
    r"\b(effective(ly)?|strong(ly|er)?|strengths?|strengthened|robust|timely|prompt(ly)?|swift(ly)?|"
    r"improv(ed|ing|ements?)|moved (on|forward)|quick(er|ly)?|faster|sooner|progressed|(made|making) "
    r"(\w+ )?progress|good|better|positive|"
    r"impressive|outstanding|excellent|"
    r"exceptional|exemplary|thorough|plenty|successful(ly)?|high[- ]quality|consistent(ly)? (good|high|strong)|"
    r"(from )?strength to strength|well[- ](supported|planned|established|managed|led|resourced|attended|run)|"
    r"supported well|works? well|working well|performed (well|strongly))\b",
    re.I,
)
#: Fault-finding words `CRITICAL` leaves to context (a bare "poor" is often a "poor area"), plain in a finding.
_UNFAVOURABLE = re.compile(
    r"\b(poor|worsened|gone backwards|slipped|fallen behind|not improved|too (quickly|soon)|prematurely)\b", re.I
)
#: Words `CRITICAL` counts that find no fault on their own ("no child is without a social worker").
_NOT_FAULT_ALONE = frozenset({"without", "limited", "gap", "gaps", "drift", "late", "problem", "problems", "unable"})
#: A good word denied ("little progress", "not improved"): fault, not praise.
_GOOD_DENIED = re.compile(
    r"\b((little|no|limited|slow|insufficient|too little) (progress|improvements?)|"
    r"(not|no longer|yet to be) (\w+ )?(improved|effective|strong|robust|timely))\b",
    re.I,
)
#: Phrases whose stance words name a thing rather than judge it ("areas for improvement", "as well as").
_STANCE_NEUTRAL = re.compile(
    r"\b(areas? (for|of|to) (improvement|development|strength)|improvement (plan|notice|board|journey|partner)\w*|"
    r"as well as|strengths and (weaknesses|areas)|strengths?[- ]based|requires? improvement to be good|"
    r"(needs?|needed|requires?|required|further) (\w+ )?improvements?|"
    r"improvements? (is|are|was|were) (needed|required)|"
    r"to improve|good or better|good or outstanding)\b",
    re.I,
)


def stance(text: str) -> int:
    """+1 when the text only commends or reports things getting better, -1 when it only finds fault, else 0.

    A finding that does both ("strong, although not consistently") takes no stance: only a text of
    one mind can be set against another of the other mind.
    """
    cleared = _STANCE_NEUTRAL.sub(" ", NOT_CRITICAL.sub(" promptly ", plain(text)))
    cleared = _GOOD_DENIED.sub(" poor ", cleared)
    favourable = bool(FAVOURABLE.search(cleared))
    # Fault in words, not a bare "no" or "without": "no child waits" and "not in education" find no fault.
    critical = any(m.group(0).lower() not in _NOT_FAULT_ALONE for m in CRITICAL.finditer(cleared))
    critical = critical or bool(_UNFAVOURABLE.search(cleared))
    return 0 if favourable == critical else 1 if favourable else -1


#: Which way a finding says something moved: up or down in number, better or worse in quality.
_DIRECTIONS: dict[str, re.Pattern[str]] = {
    "up": re.compile(
        r"\b(increas(e|ed|es|ing)|ris(e|es|en|ing)|rose|grew|grown|expand(ed|ing)|gone up|went up|"
        r"creep(ing|s)? up|doubled|tripled)\b",
        re.I,
    ),
    "down": re.compile(
        r"\b(decreas(e|ed|es|ing)|reduc(ed|es|ing)|fell|fallen|falling|shr[aiu]nk(ing)?|gone down|"
        r"went down|dropped|(brought|come|came|coming|bringing) (\w+ ){0,3}down)\b",
        re.I,
    ),
    "better": re.compile(
        r"\b(improved|improving|(significant|considerable|tangible|marked|sustained) improvements?|moved (on|forward)|"
        r"(made|making) (good |significant |considerable |strong )?progress|progressed|strength to strength|"
        r"strengthened|got (better|stronger)|better than (before|previously|at the last))\b",
        re.I,
    ),
    "worse": re.compile(
        r"\b(deteriorat(ed|ing|ion)|declining|(has|have|had) declined(?! (to|the|a|an|support|services?|offers?|help))|"
        r"decline in|worsened|slipped|gone backwards|weakened|lost ground|"
        r"(not|no longer|yet to be|failed to be) (been )?(improved|sustained)|(little|no|limited) progress|"
        r"has not improved|have not improved)\b",
        re.I,
    ),
}
_OPPOSITE_WAY = {"up": "down", "down": "up", "better": "worse", "worse": "better"}


def directions(text: str) -> set[str]:
    """The ways a text says things moved ('has deteriorated' → worse, 'fewer… have risen' → up)."""
    cleared = _STANCE_NEUTRAL.sub(" ", plain(text))
    found = {way for way, pattern in _DIRECTIONS.items() if pattern.search(cleared)}
    if re.search(r"\b(not|no longer)\s+(\w+\s+){0,2}improved\b", cleared, re.I):
        found.discard("better")  # "has not yet improved" is no improvement
        found.add("worse")
    return found


def opposite_way(claimed: str, stated: str) -> tuple[str, str] | None:
    """(the claim's way, the text's way) when the text says things moved the other way, and not the claim's way."""
    said, found = directions(claimed), directions(stated)
    for way in sorted(said):
        if _OPPOSITE_WAY[way] in said:
            continue  # "more social workers, so caseloads came down": both ways, of different things
        if _OPPOSITE_WAY[way] in found and way not in found:
            return way, _OPPOSITE_WAY[way]
    return None


def has_negation(text: str) -> bool:
    """Whether the text says 'not' in any of its forms."""
    return any(w in NEGATORS for w in words(text))


#: Adverbs a "not" reaches through ("not always recognised" denies "recognised"): they name no thing denied.
TRANSPARENT = frozenset(
    [
        "always",
        "yet",
        "all",
        "sufficiently",
        "consistently",
        "routinely",
        "enough",
        "fully",
        "yet",
        "well",
        "properly",
        "clearly",
    ]
)


def negated_stems(text: str, scope: int = 1) -> set[str]:
    """Stems of the content words a 'not' (or no, never, n't…) applies to, up to `scope` words on.

    Adverbs such as "always" or "consistently" do not use up the scope: "not always recognised"
    negates "recognised" too.
    """
    return {s for _, denied in denials(text, scope) for s in denied}


#: Deniers that say a thing is absent ("there were no unallocated cases"), not that something was not done.
ABSENCE = frozenset({"no", "none", "never", "nothing", "nobody"})


def denials(text: str, scope: int = 1) -> list[tuple[str, set[str]]]:
    """`negated_stems` for each 'not' apart: the denying word and the words it covers."""
    tokens = words(text)
    found: list[tuple[str, set[str]]] = []
    for i, token in enumerate(tokens):
        if token not in DENIERS:
            continue
        out: set[str] = set()
        found.append((token, out))
        taken = 0
        for following in tokens[i + 1 :]:
            if following in NEGATORS or following in {"but", "however", "although", "while", "whereas"}:
                break
            if following in STOP_WORDS or len(following) <= 2:
                continue
            if following in TRANSPARENT:
                out.add(stem(following))
                continue
            out.add(stem(following))
            taken += 1
            if taken >= scope:
                break
    return found


# --- recommendations ----------------------------------------------------------------------------

#: How Ofsted's improvement lists open ("Ensure that…", "The quality of…").
IMPERATIVE = re.compile(
    r"^[\"'“‘]?(\d{1,3}\.\s+)?(ensure|improve|strengthen|develop|increase|review|make sure|establish|take action|"
    r"reduce|embed|address|implement)\b",
    re.I,
)


_QUOTED = re.compile(r"‘[^’]{12,}’|“[^”]{12,}”|\"[^\"]{12,}\"")


#: A clause that sets the scene before the finding ("When professionals are concerned about children, …").
_LEADING_CLAUSE = re.compile(
    r"^\W*(?:when|whenever|where|if|once|while|whilst|although|though|as)\b[^,;]{0,160},\s*", re.I
)
# "Although plans to improve the co-ordination, quality and impact … are in place, these are too recent…":
# a scene clause with a list in it ends at the comma its main clause's subject follows.
_SCENE_TO_SUBJECT = re.compile(
    r"^\W*(?:when|whenever|where|if|once|while|whilst|although|though|as)\b[^;]{0,200}?,\s*"
    r"(?=(?:this|these|those|they|it|there|he|she|we|the|some|most|many|all|few|children|leaders|managers|staff|"
    r"social workers|practitioners|partners|inspectors)\b)",
    re.I,
)


def own_words(sentence: str) -> str:
    """What a sentence itself finds: not what it quotes, nor the clause that sets its scene.

    A council's motto ("‘Context is not an excuse…’") is not a concern; "When professionals are
    concerned about children, they appropriately refer…" praises, and "While waiting for support,
    risks remain" does not.
    """
    unquoted = _QUOTED.sub(" ", sentence)
    own = _SCENE_TO_SUBJECT.sub("", unquoted, count=1)
    return own if own != unquoted else _LEADING_CLAUSE.sub("", unquoted)
