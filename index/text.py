"""The text rules every stage shares: sentences, words, stems, polarity, numbers, years and grades.

One tokenizer, many consumers: the checker, briefs, retrieval, chunking and evaluation all read
text through these functions, so "a sentence", "a content word" or "a critical word" means the same
thing everywhere. Everything here is plain, deterministic and cheap on two cores.
"""

from __future__ import annotations

import re
from functools import lru_cache

# --- normalising --------------------------------------------------------------------------------

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def plain(text: str) -> str:
    """Straight quotes and dashes, so "don’t" and "don't" read alike."""
    return text.translate(_QUOTES)


_CONTROL = re.compile(
    r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def printable(text: str) -> str:
    """Text with terminal control sequences (colours, titles, OSC links, bells) removed.

    Documents and model output are shown as text, never as instructions to a terminal.
    """
    return _CONTROL.sub("", text)


def squeeze(text: str) -> str:
    """Text reduced to what a quotation must keep: letters and digits, lower case.

    Whitespace, hyphenation, quote style and punctuation do not count when asking whether a quote
    stands in its source ("well- being" in a PDF line break is "wellbeing").
    """
    return re.sub(r"[^a-z0-9£%]+", "", plain(text).lower())


# --- sentences ----------------------------------------------------------------------------------

_ANSWER_BREAK = re.compile(r"([.!?](?:\s*\[[\d,\s]+\])*)\s+(?=[A-Z0-9\"'“‘(])")
_LINE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“‘(•])")
_ABBREVIATION_END = re.compile(r"\b(e\.g|i\.e|etc|para|p|Mr|Mrs|Ms|Dr|St|No|vs)\.$", re.I)


def sentences(text: str) -> list[str]:
    """Sentences of report text; a line (a bullet, a table row) is never joined to the next."""
    return [sentence for _, sentence in sentences_by_line(text)]


def sentences_by_line(text: str) -> list[tuple[int, str]]:
    """Each sentence with the number of the line it is on, so a cut text can keep its rows apart."""
    pieces: list[tuple[int, str]] = []
    for n, line in enumerate(continued_lines(text)):
        line = line.strip().removeprefix("• ").strip()
        if line:
            pieces += [(n, sentence) for sentence in _split_line(line)]
    return pieces


def _split_line(line: str) -> list[str]:
    return _join_abbreviations(_LINE_BREAK.split(line))


def _join_abbreviations(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        if out and (_ABBREVIATION_END.search(out[-1]) or re.fullmatch(r"\d{1,3}\.", out[-1])):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


def continued_lines(text: str) -> list[str]:
    """Lines, with a line that merely carries a sentence on ("…advisers (PAs)" / "before they leave…") rejoined."""
    lines: list[str] = []
    for line in text.split("\n"):
        if lines and line[:1].islower() and not re.search(r"[.!?:\]]\s*$", lines[-1]):
            lines[-1] = f"{lines[-1].rstrip()} {line.lstrip()}"
        else:
            lines.append(line)
    return lines


def answer_sentences(answer: str) -> list[str]:
    """An answer's sentences, each keeping the citation marks that follow its full stop.

    A line break ends a sentence too: a list item is a claim of its own, never a tail on the last.
    """
    out: list[str] = []
    for line in continued_lines(answer):
        line = _LIST_MARK.sub("", re.sub(r"\s+", " ", line)).strip()
        if not line:
            continue
        parts = _ANSWER_BREAK.split(line)
        out += _join_abbreviations(
            [parts[i] + (parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]
        )
    return out


def complete_sentences(buffer: str) -> tuple[list[str], str]:
    """The sentences a streamed buffer has finished, and the unfinished rest exactly as written."""
    cut = 0
    for match in _ANSWER_BREAK.finditer(buffer):
        if not _ABBREVIATION_END.search(buffer[: match.start(1) + 1]):
            cut = max(cut, match.end())
    line_end = buffer.rfind("\n")
    following = buffer[line_end + 1 :].lstrip()
    if line_end >= 0 and following and not following[0].islower():
        cut = max(cut, line_end + 1)  # a new line, not a continuation, has begun: the one before is finished
    if cut == 0:
        return [], buffer
    return answer_sentences(buffer[:cut]), buffer[cut:]


# --- words --------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

#: Words that carry no claim of their own: function words, and what every report and question says.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "with",
        "as",
        "at",
        "by",
        "from",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "how",
        "why",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "so",
        "such",
        "into",
        "about",
        "also",
        "very",
        "more",
        "some",
        "any",
        "each",
        "can",
        "could",
        "would",
        "should",
        "will",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "i",
        "me",
        "my",
        "we",
        "our",
        "us",
        "you",
        "your",
        "he",
        "she",
        "his",
        "her",
        "him",
        "ofsted",
        "report",
        "reports",
        "reported",
        "inspectors",
        "inspector",
        "inspection",
        "inspections",
        "said",
        "says",
        "say",
        "found",
        "find",
        "finds",
        "local",
        "authority",
        "authorities",
        "children's",
        "extract",
        "extracts",
        "according",
        "please",
        "tell",
        "give",
        "show",
        "brief",
        "summarise",
        "summarize",
        "think",
        "thought",
        "latest",
        "current",
        "currently",
        "now",
        "recent",
        "recently",
    ]
)

#: Words that make a sentence say the opposite; kept apart from STOP_WORDS so checks can see them.
NEGATORS = frozenset({"not", "no", "never", "cannot", "none", "nor", "neither", "without", "nothing", "nobody"})
#: Words that deny what follows them as "not" does ("interviews lack depth" = they do not have it).
DENIERS = NEGATORS | {"lack", "lacks", "lacking", "lacked", "absence"}


def words(text: str) -> list[str]:
    """Lower-case word tokens, with "n't" read as "not"."""
    text = plain(text).lower().replace("n't", " not").replace("cannot", "can not")
    return [w.removesuffix("'s") for w in _WORD.findall(text)]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The Snowball stem, so 'referrals' meets 'referral'."""
    return _stemmer().stemWord(word)


def content_words(text: str) -> set[str]:
    """The stemmed words that carry meaning (a new set each call; the work is cached per text)."""
    return set(_content_words(text))


@lru_cache(maxsize=8192)
def _content_words(text: str) -> frozenset[str]:
    kept = [w for w in words(text) if w not in STOP_WORDS and w not in NEGATORS and len(w) > 2]
    return frozenset(_stemmer().stemWords(kept))


# --- polarity -----------------------------------------------------------------------------------

# --- numbers, years, months, grades -------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "half": 50, "quarter": 25, "third": 33,
}  # fmt: skip
_NUMBER = re.compile(r"(?<![\w.])£?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\w.])£?\d+(?:\.\d+)?%?")
#: What may follow a year typed short ("wigan 25 ofsted", "nov 24 -"): the end, a dash, a framework word;
#: never a noun it could be counting ("Lancashire 15 children", "in may 15 children").
YEAR_ENDS = (
    r"(?=\s*(?:$|[-–—?!.:;)]|,(?!\s*\d)|\s(?:ofsted|ilacs|inspection|report|visit|judge?ments?|grades?|ratings?|"
    r"leadership|and|vs|versus)\b))"
)
YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b", re.I)
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
#: Words of the calendar: capitalised in a question ("before Thursday's meeting"), never a place.
CALENDAR = frozenset([*MONTHS, *WEEKDAYS, "christmas", "easter", "whitsun"])


def month_year(iso: str, *, short: bool = False, unknown: str = "") -> str:
    """'July 2023' ('Jul 2023' when short) from an ISO date; a bare year stays as it is, none is `unknown`."""
    if len(iso or "") < 7:
        return iso or unknown
    month = MONTHS[int(iso[5:7]) - 1].capitalize()
    return f"{month[:3] if short else month} {iso[:4]}"


def long_date(iso: str) -> str:
    """'8 May 2023' from an ISO date."""
    year, month, day = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    return f"{day} {MONTHS[month - 1].capitalize()} {year}"


_FRACTION = re.compile(
    r"\b(a|an|one|two|three|four|five|six|seven|eight|nine)[\s-]+(half|halves|thirds?|quarters?|fifths?|sixths?|eighths?|tenths?)\b",
    re.I,
)
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "quarter": 4, "fifth": 5, "sixth": 6, "eighth": 8, "tenth": 10}


def _fraction_shares(match: re.Match[str]) -> set[str]:
    """'two fifths' → {'40'}, 'a third' → {'33'}: the whole percentage a report prints for the share."""
    top = 1 if match.group(1).lower() in ("a", "an") else _NUMBER_WORDS[match.group(1).lower()]
    name = match.group(2).lower()
    bottom = _DENOMINATORS["half" if name.startswith("hal") else name.removesuffix("s")]
    share = 100 * top / bottom
    return {str(round(share))}  # the nearest whole percentage: 'two thirds' → 67


def numbers(text: str) -> set[str]:
    """The quantities a text states ('18', '12%', '£1.5', 'twelve' → '12', 'two fifths' → '40'), years left out."""
    text = plain(text)
    found: set[str] = set()
    for match in _FRACTION.finditer(text):
        found |= _fraction_shares(match)
    text = _FRACTION.sub(" ", text)
    for match in _NUMBER.finditer(text):
        token = match.group(0).replace(",", "").lstrip("£").rstrip("%")
        if YEAR.fullmatch(token):
            continue
        value = float(token)
        found.add(str(int(value)) if value == int(value) else str(value))
    for match in re.finditer(r"\b([a-z]+) dozen\b", text, re.I):
        if match.group(1).lower() in _NUMBER_WORDS:  # "two dozen" is 24, not 2
            found.add(str(_NUMBER_WORDS[match.group(1).lower()] * 12))
            text = text.replace(match.group(0), " ")
    for phrase, value in _COUNT_PHRASES:
        if phrase.search(text):
            found.add(value)
            text = phrase.sub(" ", text)
    for word in words(text):
        if word in _NUMBER_WORDS and word not in {"one"}:
            found.add(str(_NUMBER_WORDS[word]))
    return found


#: Counts said in words that are not number words: "a couple of new hubs" is two, "half a dozen" six.
_COUNT_PHRASES = (
    (re.compile(r"\bhalf a dozen\b", re.I), "6"),
    (re.compile(r"\ba dozen\b", re.I), "12"),
    (re.compile(r"\ba (?:couple|pair) of\b", re.I), "2"),
)


def years(text: str) -> set[int]:
    """Years named in the text."""
    return {int(y) for y in YEAR.findall(text)}


def months(text: str) -> set[str]:
    """Month names in the text, lower case ('may' only when capitalised: "may" is usually a verb)."""
    found = set()
    for match in _MONTH.finditer(text):
        word = match.group(0)
        if word.lower() == "may" and word != "May":
            continue
        found.add(word.lower())
    return found


#: Ofsted's grades as a claim may state them ("adequate" is the pre-2013 scale: no current report uses it).
GRADE = re.compile(
    r"\b(outstanding|good|requir(?:es|ed|ing|e)\s+improvement(?:\s+to\s+be\s+good)?|inadequate|adequate)\b", re.I
)


#: Judgement areas as managers and reports name them, most specific first.
JUDGEMENT_AREAS: tuple[tuple[str, str], ...] = (
    ("safeguarding_board", r"(local )?safeguarding children(?:'s)? boards?|lscbs?|safeguarding boards?"),
    ("children_in_care_and_care_leavers", r"children (in care|looked after) and care leavers"),
    ("leadership_management_governance", r"leadership,? management and governance"),
    ("help_and_protection", r"help and protection|help & protection"),
    ("care_leavers", r"care leavers?"),
    ("children_in_care", r"children in care|looked[- ]after children|children looked after|achieving permanence"),
    ("impact_of_leaders", r"impact of leaders|leaders|leadership"),
    ("adoption_performance", r"adoption"),
    ("overall_effectiveness", r"overall( effectiveness)?|children's services|childrens services|services for children"),
)


def grade_of(text: str) -> str:
    """A grade as Ofsted writes it: 'requires improvement to be good' → 'requires improvement'."""
    text = re.sub(r"\s+", " ", text.lower())
    return "requires improvement" if text.startswith("requir") else text


def possessive(name: str) -> str:
    """A name's possessive as a reader writes it: St Helens', Lancashire's."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def listed(items, conjunction: str = "and") -> str:
    """'2015, 2018 and 2026'; 'East Sussex or West Sussex': items as a sentence lists them."""
    shown = [str(i) for i in items]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} {conjunction} {shown[-1]}"
