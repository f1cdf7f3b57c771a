"""Lexical ranking beside Chroma (which has no BM25 in embedded mode), kept in step with the store.

The index is derived from the store and saved under the store's version stamp, so every process
and replica that sees the same store uses the same index, and a stale one is rebuilt on sight.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from index.chunk import Passage
from index.store import Store

_ABANDONED_AFTER = 3600.0  # seconds: a temporary folder this old has no writer left


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    """BM25 over passage text plus header, with the passages kept in memory for filtering."""

    def __init__(self, passages: list[Passage], version: str) -> None:
        import bm25s

        self.version = version
        self.passages = passages
        self._stemmer = _stemmer()
        self._bm25 = bm25s.BM25()
        if passages:
            tokens = bm25s.tokenize(
                [f"{p.header} {p.text}" for p in passages],
                stopwords="en",
                stemmer=self._stemmer,
                show_progress=False,
            )
            self._bm25.index(tokens, show_progress=False)

    def knows(self, word: str) -> bool:
        """Whether the word (as BM25 stems it) occurs anywhere in the library."""
        if not self.passages:
            return False
        return self._stemmer.stemWord(word.lower()) in self._bm25.vocab_dict

    def share_with(self, stem: str) -> float:
        """The share of the library's passages that hold a (stemmed) word: how little it says of any one."""
        index = self._bm25.vocab_dict.get(stem) if self.passages else None
        if index is None:
            return 0.0
        starts = self._bm25.scores["indptr"]
        return float(starts[index + 1] - starts[index]) / len(self.passages)

    def search(
        self,
        query: str,
        k: int,
        keep: Callable[[Passage], bool] | None = None,
        within: Sequence[int] | None = None,
    ) -> list[tuple[Passage, float]]:
        """Best-scoring passages for the query's words, optionally filtered (`within`: positions in `passages`)."""
        import bm25s

        if not self.passages:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False)
        known = [[t for t in tokens[0] if t in self._bm25.vocab_dict]]
        if not known[0]:
            return []
        if within is not None:
            # The passages of a few reports: score everything (cheap, vectorised), rank only those.
            import numpy as np

            scores = self._bm25.get_scores(known[0])
            positions = np.asarray(within, dtype=np.int64)
            if not len(positions):
                return []
            local = scores[positions]
            order = np.argsort(-local, kind="stable")[:k]
            return [(self.passages[int(positions[i])], float(local[i])) for i in order if local[i] > 0]
        if keep is not None:
            # A narrow filter (one report, one council) must not lose its passages below a global cut-off:
            # score every passage, then walk down the ranking keeping only those the filter allows.
            import numpy as np

            scores = self._bm25.get_scores(known[0])
            out = []
            for i in np.argsort(-scores, kind="stable"):
                if scores[i] <= 0:
                    break
                passage = self.passages[int(i)]
                if keep(passage):
                    out.append((passage, float(scores[i])))
                    if len(out) >= k:
                        break
            return out
        idx, scores = self._bm25.retrieve(known, k=min(len(self.passages), k), show_progress=False, n_threads=1)
        out = []
        for i, score in zip(idx[0], scores[0], strict=True):
            if score <= 0:
                break
            out.append((self.passages[int(i)], float(score)))
        return out

    # --- persistence ---

    def save(self, folder: Path) -> None:
        """Write the index and its passages under folder/<version>, dropping older versions.

        Replicas sharing a data dir may save at once: each writes its own temporary folder and the
        first rename wins (a version fixes the content, so a later copy is dropped, not swapped in
        under a replica reading it).
        """
        target = folder / self.version
        tmp = folder / f".{self.version}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.mkdir(parents=True)
        try:
            if self.passages:
                self._bm25.save(str(tmp / "bm25"))
            with (tmp / "passages.jsonl").open("w", encoding="utf-8") as out:
                for p in self.passages:
                    out.write(p.model_dump_json() + "\n")
            with contextlib.suppress(OSError):  # another process saved this version first
                tmp.rename(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        stale = time.time() - _ABANDONED_AFTER
        for other in folder.iterdir():
            abandoned = other.name.endswith(".tmp") and other.stat().st_mtime < stale  # a writer that died
            if other.name != self.version and (not other.name.startswith(".") or abandoned):
                shutil.rmtree(other, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, version: str) -> LexicalIndex | None:
        """The saved index for this version, or None (also when another replica is removing it)."""
        import bm25s

        target = folder / version
        if not (target / "passages.jsonl").exists():
            return None
        index = cls.__new__(cls)
        index.version = version
        try:
            with (target / "passages.jsonl").open(encoding="utf-8") as lines:
                index.passages = [Passage.model_validate_json(line) for line in lines]
            index._stemmer = _stemmer()
            index._bm25 = bm25s.BM25.load(str(target / "bm25")) if index.passages else bm25s.BM25()
        except (OSError, ValueError, KeyError):  # torn or going: rebuild from the store instead
            return None
        return index


def lexical_for(store: Store, folder: Path, current: LexicalIndex | None = None) -> LexicalIndex:
    """The lexical index matching the store now: the one in hand, the saved one, or a rebuild."""
    version = store.version()
    if current is not None and current.version == version:
        return current
    loaded = LexicalIndex.load(folder, version)
    if loaded is not None:
        return loaded
    index = LexicalIndex(store.all_passages(), version)
    with contextlib.suppress(OSError):  # a read-only replica can still serve from memory
        index.save(folder)
    return index
