"""What the model is shown: the follow-up rewritten to stand alone, the evidence cut to the budget, the messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import prompts
from bot.llm import LLM, Message
from index import text as text_rules
from index.authorities import find_authorities
from index.chunk import COVER_SECTION, Passage, count_tokens
from index.retrieve import SearchResult


@dataclass
class Turn:
    """One question and answer earlier in a conversation."""

    question: str
    answer: str


#: Words that lean on the conversation: a pronoun, an opening "and…", "what about…".
_LEANS_BACK = re.compile(
    r"\b(it|its|they|them|their|theirs|that|those|these|this|there|same|also|too|then|again|else|instead|"
    r"other|both|either)\b|^\W*(and|but|so|or)\b|\b(what|how) about\b",
    re.I,
)
#: A comparison: with one council named, its other side is in the conversation.
_COMPARES = re.compile(r"\b(compar\w*|versus|vs|better|worse|than|differ\w*|similar\w*)\b", re.I)


def stands_alone(question: str) -> bool:
    """A question that names its council and leans on nothing said before: rewriting it could only add a wrong place."""
    named, plain = find_authorities(question), text_rules.plain(question)
    return bool(named) and not _LEANS_BACK.search(plain) and (len(named) > 1 or not _COMPARES.search(plain))


def standalone(question: str, history: list[Turn], llm: LLM | None) -> str:
    """Rewrite a follow-up ('and care leavers?') into a question that stands alone."""
    if not history or stands_alone(question):
        return question
    if llm is None:
        # Without a model, carry the earlier question's places and years into a short follow-up.
        # A follow-up that names its own place (or year) keeps it: carrying the old one would add to it.
        previous = history[-1].question
        carried = [] if find_authorities(question) else find_authorities(previous)
        if not text_rules.years(question):
            carried += [str(y) for y in sorted(text_rules.years(previous))]
        return f"{question} ({' '.join(carried)})" if carried else question
    conversation = "\n".join(f"Q: {t.question}\nA: {t.answer[:300]}" for t in history[-3:])
    prompt = prompts.render("rewrite_followup", history=conversation, question=question)
    text = "".join(llm.stream([{"role": "user", "content": prompt}], max_tokens=60)).strip()
    return text.splitlines()[0].strip() if text else question


#: How close in meaning each text is to a query (the library's embedder): `Retriever.closeness`.
Closeness = Callable[[str, list[str]], list[float]]
#: How much each of some sentences bears on the question: the words it shares, then its closeness in meaning.
Bearing = Callable[[list[str]], list[float]]


def bearing(searched: str, closeness: Closeness | None) -> Bearing:
    """Sentences scored by the question's words they share; of those sharing as many, the closer in meaning ranks first.

    Closeness is a cosine (below 1), so it only orders sentences that share as many words. Each
    sentence is embedded once: the cut of each passage and the fit of the prompt ask about the same ones.
    """
    wanted = text_rules.content_words(searched)
    known: dict[str, float] = {}

    def score(sentences: list[str]) -> list[float]:
        new = [s for s in dict.fromkeys(sentences) if s not in known]
        near = closeness(searched, new) if closeness and new else [0.0] * len(new)
        for sentence, close in zip(new, near, strict=True):
            known[sentence] = len(wanted & text_rules.content_words(sentence)) + max(0.0, min(close, 0.99))
        return [known[s] for s in sentences]

    return score


def select_evidence(
    result: SearchResult,
    budget_tokens: int,
    min_relevance: float,
    limit: int = 5,
    count: Callable[[str], int] = count_tokens,
    topic: str | None = None,
    closeness: Closeness | None = None,
) -> list[Passage]:
    """The best passages that fit the extracts' budget, each cut to the sentences that bear on the question.

    When the search gave each place (or each report, for a change over time) its own share, the
    budget is shared the same way, so no place fills the prompt; a change is laid out oldest first.
    `closeness` (the embedder's, for the question's meaning) settles which of the sentences that share
    as many of its words are kept.
    """
    searched = result.plan.searched(topic)
    query_words = text_rules.content_words(searched)  # each passage cut to what bears on it
    rank = bearing(searched, closeness)
    groups: dict[str, list] = {}
    for hit in result.hits:
        groups.setdefault(hit.group, []).append(hit)
    if not groups or budget_tokens <= 0:
        return []
    if len(groups) > limit:
        # More reports than extracts: the oldest and the newest ones, so the change is still visible.
        kept = list(groups)[:1] + list(groups)[-(limit - 1) :]
        groups = {name: groups[name] for name in kept}
    share = budget_tokens // len(groups)
    per_group = max(1, limit // len(groups)) if len(groups) <= limit else 1
    chosen: list[Passage] = []
    for hits in groups.values():
        used, taken = 0, 0
        for hit in hits:
            if hit.similarity < min_relevance and taken:
                break
            room = share - used - LABEL_TOKENS
            longest = max(40, share // 3 if len(groups) == 1 else share // 2)
            passage = _focus(hit.passage, query_words, min(longest, room) if taken else longest, count, rank)
            tokens = count(passage.text) + LABEL_TOKENS
            if taken and used + tokens > share:
                continue
            chosen.append(passage)
            used += tokens
            taken += 1
            if taken >= (limit if len(groups) == 1 else per_group):
                break
    if result.plan.intent.change:
        chosen.sort(key=lambda p: p.date or "")
    return chosen


#: What a label ("[2] Lancashire, ILACS inspection, Feb 2018, Leadership:") costs, roughly, in tokens.
LABEL_TOKENS = 14


def _focus(
    passage: Passage,
    query_words: set[str],
    max_tokens: int,
    count: Callable[[str], int],
    rank: Bearing,
) -> Passage:
    """The passage's sentences that share words with the question, in their original order, within max_tokens.

    A passage none of whose sentences shares a word is kept from its start (the search found it for
    its meaning); one that fits is still cut to its bearing sentences when some bear and some do not.
    Of sentences sharing as many words, the closer in meaning goes first ("senior leaders had not
    recognised" before "management oversight" for "did senior management know"), as `rank` scores them.
    """
    placed = text_rules.sentences_by_line(passage.text)
    sentences = [sentence for _, sentence in placed]
    if len(sentences) <= 1 and count(passage.text) <= max_tokens:
        return passage
    overlap = [len(query_words & text_rules.content_words(s)) for s in sentences]
    if any(overlap):
        shares = [i for i in range(len(sentences)) if overlap[i]]
        score = dict(zip(shares, rank([sentences[i] for i in shares]), strict=True))
        ranked = sorted(shares, key=lambda i: -score[i])
    else:
        ranked = list(range(len(sentences)))
    keep: set[int] = set()
    used = 0
    for i in ranked:
        cost = count(sentences[i])
        if used + cost > max_tokens and keep:
            continue
        keep.add(i)
        used += cost
    if keep == set(range(len(sentences))):
        return passage
    # Sentences that were not neighbours on one line go on separate lines, so no quote can join them.
    lines: list[str] = []
    for i in sorted(keep):
        joined = lines and i - 1 in keep and placed[i - 1][0] == placed[i][0]
        lines.append(f"{lines.pop()} {sentences[i]}" if joined else sentences[i])
    return passage.model_copy(update={"text": "\n".join(lines)})


def fit_prompt(
    question: str,
    evidence: list[Passage],
    budget: int,
    count: Callable[[list[Message]], int],
    rank: Bearing | None = None,
) -> tuple[list[Passage], list[Message], int]:
    """Shrink the extracts until the whole prompt, counted in the model's own tokens, is within budget.

    The longest extract loses a line (a sentence, or a run of neighbouring sentences) first: the one
    that bears least on the question, as `rank` scores it, else its last; an extract down to one line
    that still does not fit is dropped, never cut mid-sentence.
    """
    evidence = list(evidence)
    scored: dict[str, float] = {}
    if rank is not None:
        pieces = list(dict.fromkeys(s for p in evidence for s in text_rules.sentences(p.text)))
        scored = dict(zip(pieces, rank(pieces), strict=True)) if pieces else {}

    def least(lines: list[str]) -> int:
        """The line to drop: the lowest-scoring (a line scores as its best sentence); the last of equals."""
        worth = [max((scored.get(s, 0.0) for s in text_rules.sentences(line)), default=0.0) for line in lines]
        return min(range(len(lines)), key=lambda i: (worth[i], -i))

    while True:
        messages = build_prompt(question, evidence)
        used = count(messages)
        if used <= budget or not evidence:
            return evidence, messages, used
        sizes = [len(p.text) for p in evidence]
        longest = sizes.index(max(sizes))
        pieces = _lines(evidence[longest].text)
        if len(pieces) == 1:
            pieces = text_rules.sentences(evidence[longest].text)
        if len(pieces) > 1:
            dropped = least(pieces) if scored else len(pieces) - 1
            kept = [piece for i, piece in enumerate(pieces) if i != dropped]
            evidence[longest] = evidence[longest].model_copy(update={"text": "\n".join(kept)})
            continue
        # Every extract is down to one sentence: drop one from a report that has another extract, so
        # each place (or each report of a change) keeps its say while any can; of those, the one that
        # bears least on the question (the longest, unranked).
        reports = [p.report_id for p in evidence]
        shared = [i for i, p in enumerate(evidence) if reports.count(p.report_id) > 1]
        if shared and scored:
            del evidence[shared[least([evidence[i].text for i in shared])]]
        else:
            del evidence[max(shared, key=lambda i: sizes[i]) if shared else longest]


def _lines(passage_text: str) -> list[str]:
    """The text's lines as the reader sees them: a line carried over from the one above is not a new line."""
    placed = text_rules.sentences_by_line(passage_text)
    lines: dict[int, list[str]] = {}
    for n, sentence in placed:
        lines.setdefault(n, []).append(sentence)
    return [" ".join(group) for group in lines.values()]


def _extract_label(n: int, p: Passage) -> str:
    """A short label: whose, what kind, when (and the section when it is short and says what the text is)."""
    when = text_rules.month_year(p.date, short=True, unknown="undated")
    label = f"[{n}] {p.local_authority or 'Unknown'}, {p.kind}, {when}"
    if p.from_metadata:
        label += ", Ofsted metadata"
    elif p.section and p.section != COVER_SECTION and len(p.section) <= 40:
        label += f", {p.section}"
    return f"{label}:\n{p.text}"


def build_prompt(question: str, evidence: list[Passage]) -> list[Message]:
    """The exact messages the model sees (shown by --show-prompt)."""
    extracts = "\n\n".join(_extract_label(n, p) for n, p in enumerate(evidence, start=1))
    return [
        {"role": "system", "content": prompts.template("answer_system").strip()},
        {"role": "user", "content": prompts.render("answer_user", extracts=extracts, question=question)},
    ]
