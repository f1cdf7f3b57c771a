"""A library on disk, opened: its store, embedder and retriever, each built on first use so commands start fast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from index.embed import Embedder
from index.retrieve import Retriever
from index.store import ChromaStore, Store

DEFAULT_COLLECTION = "passages"


@dataclass
class Library:
    """The indexed library. `open_store` and `open_embedder` say how; nothing opens until it is used."""

    data_dir: Path
    open_store: Callable[[], Store]
    open_embedder: Callable[[], Embedder]

    @cached_property
    def store(self) -> Store:
        """The passages and report records."""
        return self.open_store()

    @cached_property
    def embedder(self) -> Embedder:
        """The model that embeds passages and questions."""
        return self.open_embedder()

    @cached_property
    def retriever(self) -> Retriever:
        """Hybrid search over the store; its lexical index lives under the data dir."""
        return Retriever(self.store, self.embedder, self.data_dir / "lexical")

    def close(self) -> None:
        """Let go of the store, if it was opened (files and the embedded library's lock)."""
        if "store" in self.__dict__:
            self.store.close()


def open_library(data_dir: Path, embedder: Embedder, *, writer: bool = False) -> Library:
    """An embedded library under `data_dir` with this embedder: what tests and tools use without settings."""
    store = lambda: ChromaStore(path=data_dir / "chroma", collection=DEFAULT_COLLECTION, writer=writer)  # noqa: E731
    return Library(data_dir, store, lambda: embedder)
