"""A local stand-in for an OpenAI-compatible model server: streams the chunks it is given, and can
die and come back on its port (tests of our error handling, and the Slack soak bench)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def send_json(handler: BaseHTTPRequestHandler, reply: dict) -> None:
    """A 200 with a JSON body, as both stand-ins answer."""
    payload = json.dumps(reply).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def sse(text: str) -> list[bytes]:
    """A reply streamed word by word, as server-sent events, ending with [DONE]."""
    words = [{"choices": [{"delta": {"content": word + " "}}]} for word in text.split()]
    return [f"data: {json.dumps(chunk)}\n\n".encode() for chunk in words] + [b"data: [DONE]\n\n"]


class ModelStandIn:
    def __init__(self, chunks: list[bytes], port: int = 0, *, counts: bool = False) -> None:
        self.chunks = chunks  # replaced or edited between calls by the test
        self.counts = counts  # answer /apply-template and /tokenize, as llama.cpp's server does
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.endswith(("/apply-template", "/tokenize")) and standin.counts:
                    self._count(json.loads(body))
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for chunk in list(standin.chunks):
                    self.wfile.write(chunk)

            def _count(self, asked: dict) -> None:
                # As llama.cpp's own server: the chat as one prompt, then its tokens (a word each here,
                # after a 1,000-token preamble, so a count from the server is told from an estimate).
                if self.path.endswith("/apply-template"):
                    reply = {"prompt": " ".join(m["content"] for m in asked["messages"])}
                else:
                    reply = {"tokens": list(range(1000 + len(asked["content"].split())))}
                send_json(self, reply)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def kill(self) -> None:
        """Stop answering: connections are refused until a new stand-in takes the port."""
        self._server.shutdown()
        self._server.server_close()
