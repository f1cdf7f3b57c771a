"""Stage 5, store: passages and their vectors in Chroma, plus one record per report.

Embedded (`PersistentClient`) by default; a Chroma server when a URL is given. Writes for one
report go passages first and the report record last, so an interrupted ingest leaves the report
unrecorded and the next run redoes it; passage ids come from content, so redoing adds nothing twice.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import numpy as np

from index.chunk import Passage
from index.errors import StoreUnavailable

_VERSION_ID = "__library_version__"
_BATCH = 2000


class _Failing:
    """A Chroma collection whose failures are StoreUnavailable: one line for a user, not a traceback.

    Chroma raises many types (its own errors, sqlite3's, httpx's for a server); what a user can do
    about any of them is the same, so they are told where the library is and what failed.
    """

    def __init__(self, collection, where: str) -> None:
        self._collection, self._where = collection, where

    def __getattr__(self, name: str):
        attribute = getattr(self._collection, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            try:
                return attribute(*args, **kwargs)
            except Exception as err:  # noqa: BLE001 - see the class docstring
                detail = " ".join(str(err).split())[:200]
                raise StoreUnavailable(
                    f"the library at {self._where} failed to {name} ({type(err).__name__}: {detail})"
                ) from err

        return call


class Store(Protocol):
    """What the rest of the library needs from a vector store."""

    def version(self) -> str:
        """Changes whenever passages change; lexical indexes key on it."""
        ...

    def file_hashes(self) -> dict[str, str]:
        """Content hash of every recorded report, by source path."""
        ...

    def put_report(self, record: dict, file_hash: str, passages: list[Passage], vectors: np.ndarray) -> int:
        """Store one report's passages (replacing its old ones); returns how many were new."""
        ...

    def remove_report(self, source: str) -> int:
        """Drop a report and its passages; returns passages removed."""
        ...

    def reports(self) -> list[dict]:
        """Every report record."""
        ...

    def query(self, vector: np.ndarray, where: dict | None, n: int) -> list[tuple[Passage, float]]:
        """Nearest passages with cosine similarity."""
        ...

    def all_passages(self) -> list[Passage]:
        """Everything, for rebuilding the lexical index."""
        ...

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by passage id."""
        ...

    def get(self, ids: list[str]) -> list[Passage]:
        """Passages by id, in the order asked."""
        ...

    def count(self) -> int:
        """How many passages the library holds."""
        ...

    def close(self) -> None:
        """Release files and connections (a long-lived process opening many libraries needs this)."""
        ...


class LibraryLock:
    """One writer or any number of readers per embedded library, across processes.

    Chroma's embedded client must not share a directory with another process that writes: an
    ingest takes this lock exclusively, every other command shares it. A Chroma server needs none.
    (POSIX `flock`; released when the process ends, however it ends.)
    """

    def __init__(self, folder: Path, *, writer: bool) -> None:
        self._file = None
        try:
            import fcntl
        except ImportError:  # Windows: no flock; one process at a time is then the user's to keep
            return
        folder.mkdir(parents=True, exist_ok=True)
        lock_file = (folder / ".lock").open("a+")
        try:
            fcntl.flock(lock_file, (fcntl.LOCK_EX if writer else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            if writer:
                raise StoreUnavailable(
                    f"the library at {folder} is in use by another process (an ingest, or the REPL or Slack bot "
                    "in embedded mode); wait for it to finish or stop it, then run this again"
                ) from None
            raise StoreUnavailable(
                f"an ingest is writing the library at {folder}; try again when it has finished"
            ) from None
        self._file = lock_file

    def release(self) -> None:
        """Let other processes in."""
        if self._file is not None:
            self._file.close()  # closing the file releases the lock
            self._file = None


# long: the Store protocol in full over Chroma's two collections and the library lock; each method is short.
class ChromaStore:
    """The default `Store`: Chroma, embedded on disk or as a server."""

    def __init__(
        self, *, path: Path | None = None, url: str | None = None, collection: str = "passages", writer: bool = False
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self._lock = LibraryLock(path, writer=writer) if path is not None and not url else None
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                parsed = urlparse(url)
                self._client = chromadb.HttpClient(
                    host=parsed.hostname or "localhost",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            passages = self._client.get_or_create_collection(
                collection, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            )
            reports = self._client.get_or_create_collection(f"{collection}_reports", embedding_function=None)
        except Exception as err:  # chromadb raises many types; the user needs one line
            if self._lock is not None:
                self._lock.release()
            where = url or str(path)
            raise StoreUnavailable(f"cannot open the library at {where}: {err}") from err
        self._passages = _Failing(passages, url or str(path))
        self._reports = _Failing(reports, url or str(path))

    def close(self) -> None:
        """Release the client's files and connections."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
        if self._lock is not None:
            self._lock.release()

    # --- bookkeeping ---

    def version(self) -> str:
        """The stamp written by the last change."""
        got = self._reports.get(ids=[_VERSION_ID], include=["metadatas"])
        if got["ids"]:
            return str(got["metadatas"][0]["version"])
        return "empty"

    def _bump(self) -> None:
        self._reports.upsert(
            ids=[_VERSION_ID], embeddings=[[0.0]], metadatas=[{"version": uuid.uuid4().hex}], documents=[""]
        )

    def file_hashes(self) -> dict[str, str]:
        """Source → content hash for every recorded report."""
        got = self._reports.get(include=["metadatas"])
        return {
            m["source"]: m["file_hash"] for i, m in zip(got["ids"], got["metadatas"], strict=True) if i != _VERSION_ID
        }

    def count(self) -> int:
        """Passages held."""
        return self._passages.count()

    # --- writing ---

    def put_report(self, record: dict, file_hash: str, passages: list[Passage], vectors: np.ndarray) -> int:
        """Write the report's passages, drop its stale ones, then record the report.

        Passages whose text is unchanged are written again too: what a newer reader understood of the
        report (its council's canonical name, its dates) must reach every passage, not only new ones.
        """
        source = record["source"]
        old_ids = set(self._passages.get(where={"source": source}, include=[])["ids"])
        new = [p for p in passages if p.id not in old_ids]
        pairs = list(zip(passages, vectors, strict=True))
        # Passage ids include the report's, so one this report never stored is new to the whole
        # collection: `add` skips upsert's look-up of each id (about a third faster on a fresh library).
        for write, chosen in ((self._passages.add, False), (self._passages.upsert, True)):
            part = [(p, v) for p, v in pairs if (p.id in old_ids) is chosen]
            for start in range(0, len(part), _BATCH):
                batch = part[start : start + _BATCH]
                write(
                    ids=[p.id for p, _ in batch],
                    embeddings=np.vstack([v for _, v in batch]).tolist(),
                    documents=[p.text for p, _ in batch],
                    metadatas=[p.metadata() for p, _ in batch],
                )
        stale = list(old_ids - {p.id for p in passages})
        if stale:
            self._passages.delete(ids=stale)
        if passages or stale:
            # Before the record: a crash between the two leaves the report unrecorded, so the next
            # run writes it again; after it, a crash would leave indexes keyed on the old version.
            self._bump()
        self._reports.upsert(
            ids=[record["report_id"]],
            embeddings=[[0.0]],
            documents=[json.dumps(record, default=str)],
            metadatas=[
                {"source": source, "file_hash": file_hash, "local_authority": record.get("local_authority") or ""}
            ],
        )
        if passages or stale:
            self._bump()  # again: a reader that cached the report list between the two must look again
        return len(new)

    def remove_report(self, source: str) -> int:
        """Forget a report and its passages."""
        ids = self._passages.get(where={"source": source}, include=[])["ids"]
        if ids:
            self._passages.delete(ids=ids)
        self._reports.delete(where={"source": source})
        self._bump()
        return len(ids)

    # --- reading ---

    def reports(self) -> list[dict]:
        """Every report record, as stored."""
        got = self._reports.get(include=["documents"])
        return [json.loads(d) for i, d in zip(got["ids"], got["documents"], strict=True) if i != _VERSION_ID]

    def query(self, vector: np.ndarray, where: dict | None, n: int) -> list[tuple[Passage, float]]:
        """Nearest passages, most similar first."""
        if n <= 0:
            return []
        got = self._passages.query(
            query_embeddings=[vector.tolist()],
            n_results=n,
            where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (Passage.from_store(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0], strict=True
            )
        ]

    def all_passages(self) -> list[Passage]:
        """Every passage, paged so a large library does not need one huge response."""
        out: list[Passage] = []
        offset = 0
        while True:
            got = self._passages.get(include=["documents", "metadatas"], limit=5000, offset=offset)
            if not got["ids"]:
                return out
            out += [
                Passage.from_store(i, d, m)
                for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            ]
            offset += len(got["ids"])

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by passage id (cheaper than embedding the text again)."""
        if not ids:
            return {}
        got = self._passages.get(ids=ids, include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)}

    def get(self, ids: list[str]) -> list[Passage]:
        """Passages by id, in the order asked; unknown ids are left out."""
        if not ids:
            return []
        got = self._passages.get(ids=ids, include=["documents", "metadatas"])
        by_id = {
            i: Passage.from_store(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }
        return [by_id[i] for i in ids if i in by_id]
