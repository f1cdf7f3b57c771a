"""What the bot says in Slack when it is not answering: welcomes, refusals, queue places, apologies."""

from __future__ import annotations

from bot.slack.queue import MAX_WAITING_PER_USER

SUGGESTED_PROMPTS = [
    {"title": "Strategy discussions", "message": "What did Ofsted say about strategy discussions in Lancashire?"},
    {"title": "Latest judgements", "message": "How were St Helens care leavers judged in 2023?"},
    {"title": "What to improve", "message": "What does Ofsted want Birmingham to improve?"},
]
WELCOME = "Ask me about any authority's Ofsted reports. Every answer cites the report, page and paragraph."
HOW_TO_ASK = (
    "Ask me about an authority's Ofsted reports, e.g. “what did Ofsted say about strategy discussions in Lancashire?”"
)
NOT_ENABLED = "Sorry, this assistant is not enabled here."
TOO_MANY = f"You already have {MAX_WAITING_PER_USER} questions waiting; ask this again once they are answered."
RESTARTED = "The assistant restarted before it could answer this. Please ask again in a minute."
SEARCHING = "Searching the reports…"
ANSWERED_ABOVE = "(answered above)"


def queue_place(ahead: int) -> str:
    """The placeholder of a question with others before it."""
    return f"You're number {ahead + 1} in the queue; I'll answer here shortly."


def apology(error_id: str, *, too_slow: bool) -> str:
    """Every failed job ends in one of these: an error id the team can trace."""
    if too_slow:
        return f"Sorry, that took too long to answer (error id {error_id}). Please try a narrower question."
    return f"Sorry, something went wrong answering that (error id {error_id}). Please try again."


NO_FOLLOWS = "Following councils is not set up on this bot."


def following(councils: list[str]) -> str:
    """The reply to /following."""
    if not councils:
        return "This channel follows no council. Try /follow Tameside."
    return "This channel follows " + ", ".join(councils) + "."


def not_a_council(words: str, verb: str) -> str:
    """A /follow or /unfollow of something that is not a council with children's services today."""
    if not words:
        return f"Name a council, e.g. /{verb} Tameside."
    return f"Sorry, {words!r} is not an English children's services authority today. Try /{verb} Tameside."


def followed(council: str, fresh: bool) -> str:
    """The reply to /follow."""
    if not fresh:
        return f"This channel already follows {council}."
    return f"Following {council} here: when a new Ofsted report on it reaches the library, its digest is posted here."


def unfollowed(council: str, was: bool) -> str:
    """The reply to /unfollow."""
    return f"No longer following {council} here." if was else f"This channel does not follow {council}."
