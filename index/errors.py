"""The few things that go wrong in ways a user must hear about, each in one line."""


class BriefingError(Exception):
    """Base for errors shown to users as one readable line, never a traceback."""


class UnreadableDocument(BriefingError):
    """A file we were asked to read is not a document we can use; the message names the file."""


class ModelUnavailable(BriefingError):
    """No answer model can be loaded or reached; the message says what to install or set."""


class StoreUnavailable(BriefingError):
    """The library's store cannot be opened or reached."""


class UnknownAuthority(BriefingError):
    """An authority name matched nothing in the library; the message lists the nearest names."""


class TooSlow(BriefingError):
    """An answer ran past its deadline: stopped at the next token, so one question cannot hold the model."""
