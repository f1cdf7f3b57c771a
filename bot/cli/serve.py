"""`briefing` (the REPL), `repl`, `config`, `model`, `model-server`, `slack`, `doctor`: running the assistant."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import app, console, errors, fail, settings_or_exit
from bot.settings import Settings
from index.errors import BriefingError


@app.callback()
def start(ctx: typer.Context) -> None:
    """With no command: the REPL in a terminal, this help otherwise."""
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            repl()
        else:
            console.print(ctx.get_help())


@app.command()
def repl(no_llm: Annotated[bool, typer.Option("--no-llm", help="Answer with quoted passages only.")] = False) -> None:
    """An interactive session: questions, follow-ups, /sources, /open N, /brief and /library."""
    from bot.repl import run

    run(settings_or_exit(), use_llm=not no_llm)


@app.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    settings = settings_or_exit()
    for name, value in settings.masked().items():
        console.print(f"{name:22s} {value}", highlight=False)


@app.command()
def model(
    verify: Annotated[
        bool, typer.Option(help="Recompute the checksum and run a real forward pass in a child process.")
    ] = False,
) -> None:
    """Show the active model; assemble the bundled one into the data dir on first use."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from bot.llm.bundle import BUNDLES, assemble
    from bot.llm.bundle import verify as verify_checksum
    from index.errors import ModelUnavailable

    settings = settings_or_exit()
    if settings.llm_url:
        from bot.llm.openai_compatible import masked_url

        console.print(f"model server: {masked_url(settings.llm_url)} (model {settings.llm_model})")
        return
    if settings.model_path:
        path = settings.model_path
        if not path.exists():
            fail(f"{path}: BRIEFING_MODEL_PATH points at no file")
    elif settings.hf_repo and settings.hf_file:
        from bot.app import model_file

        try:
            path = model_file(settings)  # downloaded once, only because the settings ask for it
        except ModelUnavailable as err:
            fail(str(err))
    else:
        bundle = BUNDLES[settings.model]
        try:
            with Progress(BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=console) as progress:
                task = progress.add_task("assemble", total=None)
                path = assemble(
                    bundle,
                    settings.data_dir / "models",
                    lambda done, total: progress.update(task, completed=done, total=total),
                )
        except ModelUnavailable as err:
            fail(str(err))
    console.print(f"model: {path.name} ({path.stat().st_size / 1e9:.2f} GB) at {path}")
    if verify:
        bundled = settings.model_path is None and not (settings.hf_repo and settings.hf_file)
        ok = not bundled or verify_checksum(path)  # only the assembled bundle has a recorded sum
        if bundled:
            console.print("checksum: ok" if ok else "[red]checksum: MISMATCH or not recorded[/red]")
        if not ok:
            raise typer.Exit(1)
        model_runs(settings, path)


def model_runs(settings: Settings, path: Path) -> None:
    """One real forward pass in a child; a crash there is one line here, and exit 1."""
    from bot.app import check_model

    with console.status("running the model once (a forward pass in a child process)…"):
        result = check_model(settings, path, trust_record=False)
    if not result.ok:
        fail(f"{result.detail}; fix: {result.fix}")
    console.print(f"forward pass: ok — {result.detail}", highlight=False)


@app.command()
def slack(
    http: Annotated[bool, typer.Option("--http", help="Serve Slack's HTTP events instead of Socket Mode.")] = False,
    port: Annotated[int, typer.Option(help="Port for --http.")] = 3000,
    host: Annotated[
        str, typer.Option(help="Address for --http: this machine only by default; 0.0.0.0 in a container.")
    ] = "127.0.0.1",
) -> None:
    """Run the Slack bot (Socket Mode by default; --http for replicas behind a load balancer)."""
    from bot.app import create_engine, create_library
    from bot.slack.bot import create_bot

    settings = settings_or_exit()
    if not settings.llm_url:  # before any question is taken: a model that crashes is one line, not a dead bot
        from bot.app import model_file

        try:
            model_runs(settings, model_file(settings))
        except BriefingError as err:
            fail(str(err))
    library = create_library(settings)
    engine = create_engine(settings, library)

    import signal

    def stop(signum, frame) -> None:
        raise KeyboardInterrupt  # SIGTERM from systemd or docker: shut down as on Ctrl-C

    signal.signal(signal.SIGTERM, stop)
    bot = None
    try:
        bot = create_bot(settings, engine)
        if http:
            from bot.slack.http import http_app, serve_http

            if settings.slack_signing_secret is None:
                fail("--http needs SLACK_SIGNING_SECRET so request signatures can be checked")

            def health() -> dict:
                return {**bot.health(), "passages": library.store.count()}

            console.print(f"serving Slack events on {host}:{port}/slack/events (health: /healthz, metrics: /metrics)")
            token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
            from bot.settings import LOOPBACK

            local = host in LOOPBACK
            front = http_app(bot.app, bot.metrics, health, token, metrics_open=local)
            serve_http(front, port, host).serve_forever()
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            if settings.slack_app_token is None:
                fail("Socket Mode needs SLACK_APP_TOKEN (xapp-…); or run with --http")
            SocketModeHandler(bot.app, settings.slack_app_token.get_secret_value()).start()
    except BriefingError as err:
        fail(str(err))
    except KeyboardInterrupt:
        pass  # SIGTERM or Ctrl-C (the HTTP front's loop takes it and returns instead)
    told = bot.shutdown() if bot is not None else 0
    errors.print(f"stopped; {told} unanswered question(s) were asked to try again", highlight=False)


@app.command("model-server", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def model_server(ctx: typer.Context) -> None:
    """llama-cpp-python's OpenAI-compatible server (its own options, e.g. --model F --port N), repacking off."""
    from bot.llm.server import serve

    serve(list(ctx.args), repack=settings_or_exit().llama_repack)


@app.command()
def doctor(no_model: Annotated[bool, typer.Option("--no-model", help="Skip the model speed probe.")] = False) -> None:
    """Check settings, the store, the model and Slack tokens, and say how to fix what is wrong."""
    from bot.ops.doctor import doctor as run_checks

    checks = run_checks(settings_or_exit(), probe_model=not no_model)
    for check in checks:
        mark = "[green]ok[/green]  " if check.ok else "[red]FAIL[/red]"
        # One check, one line, however long (an AVX-512 CPU's flags pass 200 columns): grep finds it whole.
        console.print(f"{mark} {check.name:9s} {check.detail}", highlight=False, soft_wrap=True)
        if check.fix:
            console.print(f"      fix: {check.fix}", highlight=False, soft_wrap=True)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
