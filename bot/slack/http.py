"""The HTTP front for Slack's Events API: Bolt at /slack/events, with /healthz and /metrics beside it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from bot.ops.metrics import Metrics
from bot.settings import LOOPBACK

log = logging.getLogger("briefing.http")


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
