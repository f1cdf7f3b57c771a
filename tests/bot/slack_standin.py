"""A local stand-in for Slack: the Web API over HTTP (recording every call) and a Socket Mode websocket."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from tests.bot.model_standin import send_json


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.rate_limit_once: set[str] = set()
        # Faults on demand: method -> Slack error for every call (e.g. "missing_scope"), and a test
        # of (method, body) that answers 429 while it holds (e.g. every streamed draft).
        self.errors: dict[str, str] = {}
        self.rate_limit_when = None
        # While this holds, conversations.replies answers as if the thread were empty: two replicas
        # that both look before either has posted.
        self.hide_replies_while = None
        self.messages: dict[tuple[str, str], dict] = {}  # (channel, ts) -> the bot's message
        self.posted: list[str] = []  # the ts of each chat.postMessage, in the order Slack gave them
        self.socket_url = ""
        self._ts = 1000
        self._lock = threading.RLock()  # _keep and _replies take it too
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path, _, query = self.path.partition("?")
                self._answer(path.rsplit("/", 1)[-1], {k: v[0] for k, v in parse_qs(query).items()})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                self._answer(self.path.rsplit("/", 1)[-1], body)

            def _answer(self, method, body):
                with standin._lock:
                    limited = standin.rate_limit_when is not None and standin.rate_limit_when(method, body)
                    if method in standin.rate_limit_once or limited:
                        standin.rate_limit_once.discard(method)
                        standin.calls.append((method + ":429", body))
                        self.send_response(429)
                        self.send_header("Retry-After", "1")
                        self.send_header("Content-Type", "application/json")
                        self.end_headers()
                        self.wfile.write(b'{"ok": false, "error": "ratelimited"}')
                        return
                    # One step under the lock: the call, its ts and what Slack keeps are seen together.
                    standin.calls.append((method, body))
                    standin._ts += 1
                    ts = f"{standin._ts}.000100"
                    reply = {"ok": True}
                    if method in standin.errors:
                        reply = {"ok": False, "error": standin.errors[method]}
                    elif method == "auth.test":
                        reply.update(user_id="UBOT", bot_id="BBOT", team_id="T1", user="briefing")
                    elif method in ("chat.postMessage", "chat.update"):
                        reply.update(ts=body.get("ts") or ts, channel=body.get("channel"))
                        if method == "chat.postMessage":
                            standin.posted.append(ts)
                        standin._keep(method, body, reply["ts"])
                    elif method == "chat.delete":
                        standin.messages.pop((body.get("channel"), body.get("ts")), None)
                    elif method == "conversations.replies":
                        hidden = standin.hide_replies_while is not None and standin.hide_replies_while()
                        reply.update(messages=[] if hidden else standin._replies(body))
                    elif method == "apps.connections.open":
                        reply.update(url=standin.socket_url)
                send_json(self, reply)

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default 5 drops bursts (two replicas, ten at a time) on the floor

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    # --- what Slack keeps: the bot's messages by channel, so replicas can read threads back ---

    def _keep(self, method: str, body: dict, ts: str) -> None:
        metadata = body.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        with self._lock:
            key = (body.get("channel"), ts)
            message = self.messages.get(key) or {
                "ts": ts,
                "thread_ts": body.get("thread_ts") or ts,
                "user": "UBOT",
                "bot_id": "BBOT",
            }
            message["text"] = body.get("text", message.get("text", ""))
            if metadata:
                message["metadata"] = metadata
            self.messages[key] = message

    def _replies(self, query: dict) -> list[dict]:
        with self._lock:
            found = [
                dict(m) for (channel, _), m in self.messages.items()
                if channel == query.get("channel") and query.get("ts") in (m["thread_ts"], m["ts"])
            ]  # fmt: skip
        if str(query.get("include_all_metadata", "")).lower() not in ("1", "true"):
            for message in found:
                message.pop("metadata", None)
        return sorted(found, key=lambda m: float(m["ts"]))

    def thread(self, channel: str, thread_ts: str) -> list[dict]:
        """The thread as Slack would return it, metadata included."""
        return self._replies({"channel": channel, "ts": thread_ts, "include_all_metadata": "true"})

    def close(self) -> None:
        self.server.shutdown()

    def named(self, method: str) -> list[dict]:
        return [body for name, body in self.calls if name == method]

    def wait_for(self, predicate, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return False

    def final_answers(self) -> list[dict]:
        """chat.update calls that carry blocks: the verified answers."""
        return [b for b in self.named("chat.update") if b.get("blocks") not in (None, "", "[]", [])]
