"""Answer latency embedded vs. a Chroma server and llama.cpp's server on loopback, same model and library.

`python bench/servers_bench.py [CORPUS]` (starts and stops both servers itself).
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bot.app import create_engine, create_library
from bot.llm.bundle import BUNDLES, assemble
from bot.settings import Settings
from index.ingest import ingest

QUESTIONS = [
    "What did Ofsted say about strategy discussions in Lancashire?",
    "How were St Helens care leavers judged in 2023?",
    "What did the 2026 inspection of Lancashire ask it to improve for young carers?",
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(url)


def _run(settings: Settings, paths: list[Path]) -> list[float]:
    library = create_library(settings)
    ingest(paths, library.store, library.embedder)
    engine = create_engine(settings, library)
    engine.ask(QUESTIONS[0])  # warm: model loaded, prompt prefix cached
    totals = []
    for question in QUESTIONS:
        answer = engine.ask(question)
        totals.append(answer.timings["total_ms"])
    return totals


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus")
    paths = [corpus / "seeds", corpus / "ofsted/lancashire", corpus / "ofsted/st-helens"]
    work = Path(tempfile.mkdtemp())
    model = assemble(BUNDLES["default"], work / "models")
    embedded = _run(Settings(data_dir=work / "embedded", model_path=model), paths)
    chroma_port, llm_port = _port(), _port()
    chroma = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "chroma"),
            "run",
            "--path",
            str(work / "server"),
            "--port",
            str(chroma_port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    llm = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "model-server",  # llama-cpp-python's server with repacking off, as answers load the model
            "--model",
            str(model),
            "--port",
            str(llm_port),
            "--n_ctx",
            "4096",
            "--n_threads",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat")
        _wait(f"http://127.0.0.1:{llm_port}/v1/models")
        servers = _run(
            Settings(
                data_dir=work / "replica",
                chroma_url=f"http://127.0.0.1:{chroma_port}",
                llm_url=f"http://127.0.0.1:{llm_port}/v1",
            ),
            paths,
        )
    finally:
        chroma.terminate()
        llm.terminate()
    print(f"embedded: median answer {statistics.median(embedded) / 1000:.1f}s {[round(t / 1000, 1) for t in embedded]}")
    print(f"servers:  median answer {statistics.median(servers) / 1000:.1f}s {[round(t / 1000, 1) for t in servers]}")


if __name__ == "__main__":
    main()
