"""Fixtures: real indexes built once per session from the shared corpus, data paths under tmp."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Library, create_library
from bot.settings import Settings
from index.embed import OnnxEmbedder
from index.ingest import ingest

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
OFSTED = CORPUS / "ofsted"
SEEDS = CORPUS / "seeds"
LETTER = SEEDS / "001_d6466b21c827d6ce.txt"

#: A small real library: the seed pages and every report of three authorities.
SMALL_LIBRARY = [SEEDS, OFSTED / "lancashire", OFSTED / "st-helens", OFSTED / "north-east-lincolnshire"]


def pytest_collection_modifyitems(config, items):
    if not CORPUS.exists():
        skip = pytest.mark.skip(reason=f"shared corpus not found at {CORPUS}")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One cache for the session: the int8 embedder is built once, not once per data dir."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch, cache_dir):
    """No test reads the developer's .env or writes outside tmp."""
    for key in list(os.environ):
        if key.startswith("BRIEFING_") or key.startswith("SLACK_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(cache_dir))


@pytest.fixture(scope="session")
def embedder(cache_dir) -> OnnxEmbedder:
    """The embedder a default install runs: the bundled MiniLM, quantised for int8 products."""
    return OnnxEmbedder.from_dir(None, cache_dir=cache_dir, threads=2)


@pytest.fixture(scope="session")
def small_model(tmp_path_factory) -> Path:
    """The real 0.5B GGUF, assembled from its registry packages once per session."""
    from bot.llm.bundle import BUNDLES, assemble

    return assemble(BUNDLES["small"], tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def small_library_dir(tmp_path_factory, embedder) -> Path:
    """A data dir holding the small library, built once."""
    data_dir = tmp_path_factory.mktemp("library")
    library = create_library(Settings(data_dir=data_dir, _env_file=None), embedder=embedder)
    ingest(SMALL_LIBRARY, library.store, embedder, workers=2)
    return data_dir


@pytest.fixture
def small_library(small_library_dir, tmp_path, embedder) -> Iterator[Library]:
    """A private copy of the small library, so a test may change it (closed after, so files are not leaked)."""
    copy = tmp_path / "library"
    shutil.copytree(small_library_dir, copy)
    library = create_library(Settings(data_dir=copy, _env_file=None), embedder=embedder)
    yield library
    if "store" in library.__dict__:
        library.store.close()


def briefing(*args: str, env: dict[str, str], timeout: float = 600) -> str:
    """Run the `briefing` CLI in a subprocess as a user would; it must succeed. Returns stdout."""
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def add_two_sussexes(library: Library, folder: Path) -> None:
    """Two short pages, one per Sussex, so "Sussex" is ambiguous in this library."""
    folder.mkdir(parents=True, exist_ok=True)
    for side in ("East", "West"):
        (folder / f"{side.lower()}-sussex.txt").write_text(
            f"{side} Sussex children's services\n\n{side} Sussex County Council's fostering service was praised "
            f"by inspectors. {side} Sussex social workers know their children well.\n"
        )
    ingest([folder], library.store, library.embedder)
