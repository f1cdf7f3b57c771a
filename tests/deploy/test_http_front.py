"""The HTTP front (`briefing slack --http`) against hostile clients: each case failed on wsgiref."""

import json
import socket
import threading
import time

import httpx
import pytest

from bot.ops.metrics import Metrics
from bot.slack.http import MAX_BODY_BYTES, http_app, serve_http


class NoSlack:
    """Stands in for the Bolt app where a test never reaches /slack/events' handler."""

    def dispatch(self, request):  # pragma: no cover - not reached
        raise AssertionError("the body should have been refused before Slack's handler")


@pytest.fixture
def front():
    from slack_bolt import App

    app = App(token="xoxb-x", signing_secret="s", token_verification_enabled=False)
    wsgi = http_app(app, Metrics(), lambda: {"ok": True})
    server = serve_http(wsgi, 0, idle_timeout=2)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    yield server
    server.shutdown()
    serving.join(30)
    assert not serving.is_alive()  # shutdown ends serve_forever: the bot's process can exit cleanly


def _call(app, path: str, **environ) -> tuple[str, bytes]:
    got = {}

    def start_response(status, headers):
        got["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET", **environ}, start_response))
    return got["status"], body


def test_it_listens_on_this_machine_only_by_default(front):

    with socket.create_connection(("127.0.0.1", front.port), timeout=5) as conn:
        assert conn.getpeername()[0] == "127.0.0.1"
    assert front._server.effective_host == "127.0.0.1"


def test_an_oversized_body_is_refused_before_it_is_read(front):
    with socket.create_connection(("127.0.0.1", front.port), timeout=10) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {MAX_BODY_BYTES * 50}\r\n\r\n".encode()
            + b"{"
        )
        reply = conn.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")


def test_a_client_that_stops_sending_is_dropped(front):
    with socket.create_connection(("127.0.0.1", front.port), timeout=30) as conn:
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # ... and never finishes
        started = time.monotonic()
        assert conn.recv(4096) == b""  # the server closed it; recv would otherwise block for 30 s
    assert time.monotonic() - started < 29


def test_metrics_answer_this_machine_or_the_token_only():
    metrics = Metrics()
    metrics.count("briefing_questions_total")
    open_app = http_app(NoSlack(), metrics, lambda: {"ok": True})
    assert _call(open_app, "/metrics", REMOTE_ADDR="127.0.0.1")[0] == "200 OK"
    assert _call(open_app, "/metrics", REMOTE_ADDR="10.1.2.3")[0] == "403 Forbidden"
    locked = http_app(NoSlack(), metrics, lambda: {"ok": True}, metrics_token="t0ken")
    assert _call(locked, "/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer t0ken")[0] == "200 OK"
    assert _call(locked, "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer nope")[0] == "403 Forbidden"
    assert _call(locked, "/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="t0ken")[0] == "403 Forbidden"
    # A front bound beyond loopback has proxies in front of it: loopback proves nothing there.
    wide = http_app(NoSlack(), metrics, lambda: {"ok": True}, metrics_open=False)
    assert _call(wide, "/metrics", REMOTE_ADDR="127.0.0.1")[0] == "403 Forbidden"


def test_an_unhealthy_bot_is_503_without_its_exception_text():
    def failing() -> dict:
        raise RuntimeError("cannot open /srv/briefing/secret-path/chroma")

    status, body = _call(http_app(NoSlack(), Metrics(), failing), "/healthz")
    assert status.startswith("503") and b"secret-path" not in body and json.loads(body)["ok"] is False
    status, body = _call(http_app(NoSlack(), Metrics(), lambda: {"ok": False, "worker": "dead"}), "/healthz")
    assert status.startswith("503") and json.loads(body)["worker"] == "dead"


def test_a_good_request_still_reaches_slack_and_an_unsigned_one_is_refused(front):
    assert httpx.post(f"http://127.0.0.1:{front.port}/slack/events", content="{}").status_code == 401
    assert httpx.get(f"http://127.0.0.1:{front.port}/healthz").json() == {"ok": True}
