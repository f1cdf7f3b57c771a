"""For operators: counts and latencies, the HTTP front (Slack events, /healthz, /metrics), and `doctor`."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.settings import LOOPBACK, Settings, masked_url

log = logging.getLogger("briefing.operations")


@dataclass
class Metrics:
    """Counters and latency sums, exposed in Prometheus' text format."""

    counts: dict[str, int] = field(default_factory=dict)
    sums_ms: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str, n: int = 1) -> None:
        """Add to a counter."""
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + n

    def observe(self, name: str, ms: float) -> None:
        """Record one latency."""
        with self._lock:
            self.counts[f"{name}_count"] = self.counts.get(f"{name}_count", 0) + 1
            self.sums_ms[name] = self.sums_ms.get(name, 0.0) + ms

    def record_answer(self, status: str, timings: dict[str, float]) -> None:
        """What one answer cost."""
        self.count("briefing_questions_total")
        self.count(f"briefing_answers_{status}_total")
        for key in ("retrieve_ms", "first_token_ms", "total_ms"):
            if key in timings:
                self.observe(f"briefing_{key.removesuffix('_ms')}_milliseconds", timings[key])

    def prometheus(self) -> str:
        """The text exposition format."""
        with self._lock:
            lines = [f"{name} {value}" for name, value in sorted(self.counts.items())]
            lines += [f"{name}_sum {value:.1f}" for name, value in sorted(self.sums_ms.items())]
        return "\n".join(lines) + "\n"


MAX_BODY_BYTES = 2 * 1024 * 1024  # Slack's largest payloads (block actions with their message) are far smaller


def http_app(
    slack_app, metrics: Metrics, health: Callable[[], dict], metrics_token: str | None = None, *, metrics_open=True
):
    """A WSGI app: Bolt at /slack/events, plus /healthz and /metrics for the load balancer.

    /metrics says how busy the bot is and how often it fails. With `BRIEFING_METRICS_TOKEN` set it
    needs `Authorization: Bearer <token>`. Without one it answers loopback callers, and only when
    `metrics_open` (the CLI passes False for a front not bound to loopback: behind a proxy on the
    same machine every caller looks like loopback).
    """
    import hmac

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    slack = SlackRequestHandler(slack_app)

    def app(environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/slack/events":
            return slack(environ, start_response)
        if path == "/healthz":
            try:
                body = health()
            except Exception:  # noqa: BLE001 - an unhealthy store must answer 503, not crash
                log.exception("health check failed")  # the detail goes to the log, never to the caller
                body = {"ok": False, "error": "health check failed; see the bot's log"}
            status = "200 OK" if body.get("ok") else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if path == "/metrics":
            scheme, _, bearer = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
            if metrics_token:
                allowed = scheme == "Bearer" and hmac.compare_digest(bearer.strip().encode(), metrics_token.encode())
            else:  # only where no proxy can stand in between: a front bound to loopback (see `serve`)
                allowed = metrics_open and environ.get("REMOTE_ADDR", "") in LOOPBACK
            if not allowed:
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [b"metrics are for this machine, or need the metrics token\n"]
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4")])
            return [metrics.prometheus().encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return app


class HttpFront:
    """waitress serving the app, where wsgiref had no limits.

    A bounded thread pool, request bodies capped before they are read into memory, idle and slow
    connections closed. Loopback by default; a container or a reverse proxy says `--host 0.0.0.0`.
    """

    def __init__(self, app, port: int, host: str = "127.0.0.1", *, threads: int = 8, idle_timeout: int = 20) -> None:
        from waitress import create_server

        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            connection_limit=100,
            max_request_body_size=MAX_BODY_BYTES,
            max_request_header_size=64 * 1024,
            channel_timeout=idle_timeout,  # a client that stops sending is dropped: no slowloris
            cleanup_interval=min(5, idle_timeout),
            ident="briefing",
            expose_tracebacks=False,
            asyncore_use_poll=True,  # poll, unlike select, lets `shutdown` close sockets under the loop
        )
        self.port = self._server.effective_port

    def serve_forever(self) -> None:
        """Serve until `shutdown`."""
        self._server.run()

    def shutdown(self) -> None:
        """Close the listening socket and every connection; `serve_forever` then returns."""
        self._server.close()
        self._server.task_dispatcher.shutdown(timeout=5)
        for channel in list(self._server._map.values()):  # the loop runs while any is open
            channel.close()


def serve_http(app, port: int, host: str = "127.0.0.1", **limits) -> HttpFront:
    """The HTTP front for `briefing slack --http`; returns it so tests can shut it down."""
    return HttpFront(app, port, host, **limits)


@dataclass
class Check:
    """One line of `briefing doctor`."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(settings: Settings, *, probe_model: bool = True) -> list[Check]:
    """Check settings, store, model and Slack tokens; say what is wrong and how to fix it."""
    from index.errors import BriefingError

    checks: list[Check] = []
    checks.append(Check("data dir", True, str(settings.data_dir)))
    try:
        from bot.app import create_library

        library = create_library(settings)
        count = library.store.count()
        where = masked_url(settings.chroma_url) if settings.chroma_url else str(settings.chroma_dir)
        checks.append(
            Check(
                "library",
                count > 0,
                f"{count} passages in {where}",
                "" if count else "run: briefing ingest ../shared/corpus",
            )
        )
    except BriefingError as err:
        checks.append(Check("library", False, str(err), "check BRIEFING_CHROMA_URL or BRIEFING_DATA_DIR"))
    if probe_model:
        checks += _model_checks(settings)
    if settings.slack_bot_token is not None:
        try:
            from slack_sdk import WebClient

            reply = WebClient(
                token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=10
            ).auth_test()
            checks.append(Check("slack", True, f"bot token valid for {reply.get('team')} as {reply.get('user')}"))
        except Exception as err:  # noqa: BLE001 - any failure here is reported, not raised
            checks.append(Check("slack", False, f"auth.test failed: {err}", "check SLACK_BOT_TOKEN"))
    else:
        checks.append(Check("slack", True, "not configured (only needed for `briefing slack`)"))
    return checks


def _model_checks(settings: Settings) -> list[Check]:
    """A server is asked for a few tokens; the in-process model runs a real forward pass in a child."""
    from bot.app import check_model, create_llm, model_file
    from index.errors import BriefingError

    if settings.llm_url:
        try:
            llm = create_llm(settings)
            started = time.perf_counter()
            tokens = list(llm.stream([{"role": "user", "content": "Say OK."}], max_tokens=16))
            seconds = time.perf_counter() - started
            return [Check("model", bool(tokens), f"{llm.name}: {len(tokens) / seconds:.1f} tokens/s on a probe")]
        except BriefingError as err:
            return [Check("model", False, str(err), "check BRIEFING_LLM_URL and that the server is up")]
    try:
        path = model_file(settings)
    except BriefingError as err:
        return [Check("model", False, str(err), "pip install 'briefing[model]' or set BRIEFING_LLM_URL")]
    result = check_model(settings, path, trust_record=False)
    from bot.model_probe import cpu_features

    repack = "on" if settings.llama_repack else "off"
    buffers = ", ".join(result.buffers) or "not reported"
    return [
        Check("model", result.ok, result.detail, result.fix),
        Check("cpu", True, f"{cpu_features()}; llama.cpp: {result.system_info or 'did not report'}"),
        Check("buffers", result.ok, f"weights in {buffers} (repacking {repack}: BRIEFING_LLAMA_REPACK)"),
    ]
