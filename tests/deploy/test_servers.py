"""Scale-out: a real Chroma server and llama.cpp's OpenAI-compatible server on loopback."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.library import OFSTED, SEEDS, briefing, engine_over
from tests.fixtures.slack import free_port

pytestmark = pytest.mark.slow


def _wait(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(f"http://127.0.0.1:{port}/api/v2/heartbeat")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def _start_llm(model: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "model-server",  # llama-cpp-python's server with repacking off, as answers load the model
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(f"http://127.0.0.1:{port}/v1/models")
    return proc


def test_ingest_into_chroma_server_and_answer_through_llm_server(chroma_server, small_model, tmp_path):
    port = free_port()
    llm = _start_llm(small_model, port)
    try:
        env = {
            "BRIEFING_DATA_DIR": str(tmp_path / "replica"),
            "BRIEFING_CHROMA_URL": chroma_server,
            "BRIEFING_LLM_URL": f"http://127.0.0.1:{port}/v1",
        }
        briefing("ingest", str(SEEDS), str(OFSTED / "st-helens"), env=env)
        # a second replica, with its own empty data dir, sees the same library and rebuilds its lexical index
        env["BRIEFING_DATA_DIR"] = str(tmp_path / "replica2")
        question = "What did Ofsted say about support for care leavers in St Helens in 2023?"
        out = briefing("ask", "--json", question, env=env, timeout=300)
        answer = json.loads(out)
        assert set(answer) == {"question", "status", "answer", "notes", "choices", "citations", "model", "timings"}
        assert "127.0.0.1" in answer["model"]
        assert answer["status"] in {"answered", "no_evidence"}
        for c in answer["citations"]:
            assert c["local_authority"] == "St Helens" and c["quote"]
    finally:
        llm.terminate()
        llm.wait(10)


def test_llm_server_killed_mid_answer_gives_clear_error_then_recovers(small_model, small_library):
    from bot.llm.openai_compatible import OpenAICompatibleLLM
    from index.errors import ModelUnavailable

    port = free_port()
    llm_proc = _start_llm(small_model, port)
    first_token = threading.Event()

    class KilledMidAnswer:
        """The real server's stream, with the server killed as its first token arrives."""

        def __init__(self) -> None:
            self.inner = OpenAICompatibleLLM(f"http://127.0.0.1:{port}/v1")
            self.name = self.inner.name
            self.count_tokens = self.inner.count_tokens

        def stream(self, messages, max_tokens):
            for token in self.inner.stream(messages, max_tokens):
                if not first_token.is_set():
                    first_token.set()
                    llm_proc.kill()
                yield token

    engine = engine_over(small_library.retriever, KilledMidAnswer, max_answer_tokens=200)
    with pytest.raises(ModelUnavailable, match="model server"):
        engine.ask("What did Ofsted say about strategy discussions in Lancashire?")
    llm_proc.wait(10)
    with pytest.raises(ModelUnavailable, match="unreachable"):
        engine.ask("What did Ofsted say about strategy discussions in Lancashire?")
    llm_proc = _start_llm(small_model, port)
    try:
        answer = engine.ask("What did Ofsted say about strategy discussions in Lancashire?")
        assert answer.status in {"answered", "no_evidence"}
    finally:
        llm_proc.terminate()
        llm_proc.wait(10)


def test_http_front_serves_health_and_metrics(small_library):
    from bot.ops.metrics import Metrics
    from bot.slack.bot import SlackBot
    from bot.slack.governance import Governance
    from bot.slack.http import http_app, serve_http
    from tests.fixtures.slack_standin import SlackStandIn

    standin = SlackStandIn()

    bot = SlackBot(
        engine_over(small_library.retriever, None),
        token="x",
        signing_secret="s",
        api_url=standin.url,
        governance=Governance(),
        metrics=Metrics(),
    )
    port = free_port()
    server = serve_http(
        http_app(bot.app, bot.metrics, lambda: {"ok": True, "passages": small_library.store.count()}),
        port,
        host="127.0.0.1",
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
        assert health["ok"] and health["passages"] > 100
        bot.metrics.record_answer("answered", {"retrieve_ms": 40, "total_ms": 900})
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert "briefing_questions_total 1" in metrics and "briefing_retrieve_milliseconds_sum 40.0" in metrics
        assert httpx.post(f"http://127.0.0.1:{port}/slack/events", content="{}").status_code == 401
    finally:
        server.shutdown()
        standin.close()
