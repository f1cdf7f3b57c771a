"""A local stand-in for an OpenAI-compatible model server: streams the chunks it is given, and can
die and come back on its port (tests of our error handling, and the Slack soak bench)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sse(text: str) -> list[bytes]:
    """A reply streamed word by word, as server-sent events, ending with [DONE]."""
    words = [{"choices": [{"delta": {"content": word + " "}}]} for word in text.split()]
    return [f"data: {json.dumps(chunk)}\n\n".encode() for chunk in words] + [b"data: [DONE]\n\n"]


class ModelStandIn:
    def __init__(self, chunks: list[bytes], port: int = 0) -> None:
        self.chunks = chunks  # replaced or edited between calls by the test
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for chunk in list(standin.chunks):
                    self.wfile.write(chunk)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def kill(self) -> None:
        """Stop answering: connections are refused until a new stand-in takes the port."""
        self._server.shutdown()
        self._server.server_close()
