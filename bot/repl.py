"""`briefing repl`: a terminal chat over the library, with history, completion and follow-ups.

The prompt appears at once; the library and the model load in a background thread, and a
question asked before they are ready waits for them with a message saying so.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TextIO

from rich.console import Console

from bot.render import safe
from bot.services import EMPTY_LIBRARY, INGEST_HINT, brief_asked, brief_from_words, compare_request, parse_date
from bot.settings import Settings
from index.errors import BriefingError

log = logging.getLogger("briefing.repl")


@dataclass
class Session:
    """What a conversation remembers: earlier turns, the last answer, pinned filters."""

    turns: list = field(default_factory=list)
    last: object | None = None
    authority: str | None = None
    since: date | None = None


class Backend:
    """Loads the library and model in the background so the prompt is never kept waiting."""

    def __init__(self, settings: Settings, use_llm: bool = True) -> None:
        self.settings = settings
        self.library = None
        self.engine = None
        self.model_error: str | None = None
        self.error: str | None = None
        self._ready = threading.Event()
        self.use_llm = use_llm
        threading.Thread(target=self._load, daemon=True).start()

    def _load(self) -> None:
        try:
            from bot.app import create_engine, create_library

            self.library = create_library(self.settings)
            self.library.retriever.authorities()  # opens the store and the lexical index
            self.engine = create_engine(self.settings, self.library)
            if self.use_llm:
                try:
                    _ = self.engine.llm
                    self.engine.judge()  # loaded now too, so the first answer does not wait for it
                except BriefingError as err:
                    self.model_error = str(err)
        except BriefingError as err:
            self.error = str(err)
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        """Whether loading has finished."""
        return self._ready.is_set()

    def wait(self) -> None:
        """Block until the library (and model) are loaded."""
        self._ready.wait()

    def authorities(self) -> list[str]:
        """Authority names for completion (empty until loaded)."""
        if not self.ready or self.library is None:
            return []
        return self.library.retriever.authorities()


def run(settings: Settings, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, use_llm: bool = True) -> None:
    """The read-ask-print loop; plain line-by-line when not attached to a terminal."""
    interactive = stdin.isatty() and stdout.isatty()
    console = Console(file=stdout, force_terminal=interactive, soft_wrap=not interactive, highlight=False)
    backend = Backend(settings, use_llm=use_llm)
    session = Session()
    if interactive:
        console.print("[bold]briefing[/bold] — ask about Ofsted children's services reports. /help for commands.")
        read = _terminal_reader(settings, backend)
    else:
        read = _plain_reader(stdin)
    while True:
        try:
            line = read()
        except EOFError:
            break
        except KeyboardInterrupt:
            continue
        if line is None:
            break
        line = line.strip()
        if not line:
            continue
        if line in QUIT:
            break
        try:
            _handle(line, console, backend, session, interactive)
        except KeyboardInterrupt:
            console.print("\n[yellow](stopped)[/yellow]")
        except BriefingError as err:
            console.print(f"[red]error:[/red] {safe(err)}")
        except Exception as err:  # noqa: BLE001 - a bug in one answer must not end the session
            log.exception("the REPL caught an unexpected error")
            console.print(f"[red]error:[/red] unexpected {type(err).__name__}: {safe(err)} (the log has the details)")


def _terminal_reader(settings: Settings, backend: Backend):
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings

    class Names(Completer):
        def get_completions(self, document, complete_event):
            word = document.get_word_before_cursor(WORD=True)
            text = document.text_before_cursor
            if text.startswith("/") and " " not in text:
                for name in [c.name for c in COMMANDS] + ["/quit"]:
                    if name.startswith(text):
                        yield Completion(name, start_position=-len(text))
                return
            if len(word) >= 2:
                for name in backend.authorities():
                    if name.lower().startswith(word.lower()):
                        yield Completion(name, start_position=-len(word))

    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event) -> None:
        event.current_buffer.insert_text("\n")

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prompt = PromptSession(
        history=FileHistory(str(settings.data_dir / "repl_history")),
        completer=Names(),
        key_bindings=bindings,
        complete_while_typing=True,
    )
    return lambda: prompt.prompt("› ")


def _plain_reader(stdin: TextIO):
    def read() -> str | None:
        line = stdin.readline()
        return None if line == "" else line

    return read


def _handle(line: str, console: Console, backend: Backend, session: Session, interactive: bool) -> None:
    line = _chosen(line, console, session)
    command = _command_for(line)
    if command is not None and not command.needs_library:
        command.run(line.removeprefix(command.name).strip(), console, backend, session)
        return
    if not backend.ready:
        console.print("[dim]loading the library and model…[/dim]")
        backend.wait()
    if backend.error:
        raise BriefingError(backend.error)
    if command is not None:
        command.run(line.removeprefix(command.name).strip(), console, backend, session)
        return
    if backend.library.store.count() == 0:
        console.print(f"{EMPTY_LIBRARY} {INGEST_HINT}")
        return
    from bot.engine.messages import question_problem

    problem = question_problem(line)
    if problem:
        console.print(problem + ".", markup=False, highlight=False)
        return
    _ask(line, console, backend, session, interactive)


def _chosen(line: str, console: Console, session: Session) -> str:
    """A number typed after "did you mean East Sussex or West Sussex?" asks again with that council."""
    last = session.last
    if getattr(last, "status", "") == "clarify" and line.strip().isdigit():
        choice = int(line.strip())
        if 1 <= choice <= len(last.choices):
            line = last.with_choice(last.choices[choice - 1])
            console.print(line, style="dim", markup=False, highlight=False)
    return line


def _command_for(line: str) -> Command | None:
    """The command a line gives: a command taking words matches as a prefix ("/open 2"), others exactly."""
    for command in COMMANDS:
        if line == command.name or (command.takes_words and line.startswith(command.name)):
            return command
    return None


def _help(words: str, console: Console, backend: Backend, session: Session) -> None:
    console.print(HELP)


def _clear(words: str, console: Console, backend: Backend, session: Session) -> None:
    session.turns.clear()
    session.last = None
    console.print("conversation cleared")


def _since(words: str, console: Console, backend: Backend, session: Session) -> None:
    try:
        session.since = None if words in ("", "off") else parse_date(words)
    except ValueError as err:
        console.print(f"[red]/since: {safe(err)}[/red]")
        return
    console.print(f"since: {session.since or 'any date'}")


def _authority(words: str, console: Console, backend: Backend, session: Session) -> None:
    from index.authorities import authority_key, nearest

    if words in ("", "off"):
        session.authority = None
        console.print("authority filter off")
        return
    held = backend.library.retriever.authorities()
    match = [h for h in held if authority_key(h) == authority_key(words)]
    if not match:
        close = nearest(words, held)
        suggestion = f" (did you mean {', '.join(close)}?)" if close else ""
        console.print(safe(f"not in the library: {words}{suggestion}"))
        return
    session.authority = match[0]
    console.print(f"authority: {session.authority}")


def _library(words: str, console: Console, backend: Backend, session: Session) -> None:
    from bot.render.terminal import library_holdings

    library_holdings(console, backend.library.store.reports())


def _compare(words: str, console: Console, backend: Backend, session: Session) -> None:
    from bot.render.terminal import comparison_table

    name = words or session.authority or ""
    if not name:
        console.print("usage: /compare NAME (or pin one with /authority NAME first)")
        return
    asked = compare_request(name, backend.library.retriever)
    if asked.problem:
        console.print(safe(f"/compare: {asked.problem}"))
        return
    comparison_table(console, asked.rows)


def _model(words: str, console: Console, backend: Backend, session: Session) -> None:
    llm = backend.engine.llm if backend.use_llm and not backend.model_error else None
    console.print(f"model: {llm.name if llm else 'none — ' + (backend.model_error or 'evidence only')}")


def _sources(words: str, console: Console, backend: Backend, session: Session) -> None:
    from bot.render.terminal import answer as render_answer

    if session.last is None:
        console.print("no answer yet")
        return
    render_answer(console, session.last)


def _check(words: str, console: Console, backend: Backend, session: Session) -> None:
    from bot.render.terminal import claim_checks

    if not words:
        console.print("usage: /check CLAIM, e.g. /check care leavers were judged good in the latest inspection")
        return
    claim_checks(console, backend.engine.check(words, use_judge=backend.use_llm))


def _brief(words: str, console: Console, backend: Backend, session: Session) -> None:
    from bot.render import document

    console.print(document.text(brief_from_words(backend.library.retriever, words)))


def _brief_summary(words: str, console: Console, backend: Backend) -> None:
    from bot.render import document
    from bot.services import BRIEF_WHAT, brief_summary

    if not words:
        console.print(BRIEF_WHAT)
        return
    briefing = brief_from_words(backend.library.retriever, words)
    console.print(document.text(brief_summary(briefing)), markup=False, highlight=False)
    subject = " ".join(str(w) for w in (briefing.authority, briefing.topic, briefing.year) if w)
    console.print(f"The whole brief (how it compares, questions to ask): /brief {subject}", style="dim", markup=False)


def _ask(question: str, console: Console, backend: Backend, session: Session, interactive: bool) -> None:
    from bot.engine.answer import Turn
    from bot.evidence.citations import source_parts
    from bot.render.terminal import SentencePrinter
    from index.plan import Filters

    engine = backend.engine
    if (words := brief_asked(question)) is not None:  # "brief me on X before Thursday": the brief's summary
        _brief_summary(words or session.authority or "", console, backend)
        return
    use_llm = backend.use_llm and backend.model_error is None
    filters = Filters(authorities=[session.authority] if session.authority else [], since=session.since)
    with SentencePrinter(console) as printer:
        result = engine.ask(
            question,
            filters=filters,
            history=session.turns,
            use_llm=use_llm,
            on_sentence=printer,
            on_notes=printer.notes,
        )
    if result.citations:
        listed = "  ".join(f"[{c.n}] " + " · ".join(source_parts(c.passage)) for c in result.citations)
        console.print(listed, style="dim", markup=False, highlight=False)
    session.last = result
    if result.status == "clarify" and not result.choices:
        console.print("Or pin one with /authority NAME.", style="dim")
    if result.status == "clarify":
        for n, choice in enumerate(result.choices, start=1):
            console.print(f"  {n}. {choice}", markup=False, highlight=False)
        console.print("Type a number to ask about that council.", style="dim")
        return
    session.turns.append(Turn(result.standalone_question or question, result.text))


def _open(words: str, console: Console, backend: Backend, session: Session) -> None:
    try:
        n = int(words)
    except ValueError:
        console.print("usage: /open N")
        return
    citations = {c.n: c for c in getattr(session.last, "citations", [])}
    if n not in citations:
        console.print(f"no source [{n}] in the last answer")
        return
    p = citations[n].passage
    where = f"page {p.page}" + (f", paragraph {p.paragraph}" if p.paragraph else "")
    console.print(f"[bold]\\[{n}] {safe(p.title or p.local_authority)}[/bold] — {where}")
    if p.section:
        console.print(f"[dim]{safe(p.section)}[/dim]")
    console.print(safe(p.text))
    console.print(f"[dim]{safe(p.url or p.source)}[/dim]")


@dataclass(frozen=True)
class Command:
    """One REPL command: what /help says of it, and what runs it."""

    name: str
    usage: str
    help: str
    run: Callable[[str, Console, Backend, Session], None]
    takes_words: bool = False
    needs_library: bool = True


COMMANDS = [
    Command("/help", "/help", "these commands", _help, needs_library=False),
    Command("/sources", "/sources", "full citations of the last answer", _sources, needs_library=False),
    Command("/open", "/open N", "the whole cited paragraph N, with its page and link", _open, True, False),
    Command("/authority", "/authority NAME", "only this authority from now on (/authority off to stop)", _authority,
            True),
    Command("/since", "/since YYYY[-MM-DD]", "only reports dated on or after", _since, True, needs_library=False),
    Command("/brief", "/brief NAME [topic]", "a one-page cited brief", _brief, True),
    Command("/check", "/check CLAIM", "is this sentence what the reports say? (supported / contradicted / not found)",
            _check, True),
    Command("/library", "/library", "what the library holds, and which authorities it lacks", _library),
    Command("/compare", "/compare [NAME]",
            "latest judgements beside statistical neighbours and region (default: /authority)", _compare, True),
    Command("/model", "/model", "which model answers", _model),
    Command("/clear", "/clear", "forget the conversation", _clear, needs_library=False),
]  # fmt: skip
QUIT = ("/quit", "/exit")
HELP = "\n".join(
    [
        "Ask a question in plain English, or use a command:",
        *(f"  {c.usage:19s} {c.help}" for c in COMMANDS if c.name != "/help"),
        "  /quit               leave (or Ctrl-D); Ctrl-C stops an answer",
        "Esc then Enter starts a new line.",
    ]
)
