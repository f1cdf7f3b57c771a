"""The fixed prompt prefix's KV state, computed once and restored for each answer.

In memory for a long-lived process, and from `cache_dir` for a fresh CLI run, keyed on the model
file and the prefix's tokens, so a new model or prompt file is never served stale state.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
from pathlib import Path

#: A prefix shorter than this is not worth a saved state (about a second of prefill on two cores).
_WORTH_KEEPING = 64
#: Prompts with different fixed prefixes (answers, follow-up rewrites) each keep their state.
_KEPT_PREFIXES = 4


class PrefixStates:
    """The prefix states of one llama.cpp context: kept in it, in memory, on disk, or computed."""

    def __init__(self, llama, *, name: str, model_key: str, cache_dir: Path | None) -> None:
        self._llama = llama
        self.name = name
        self._model_key = model_key
        self._cache_dir = cache_dir
        self._prefixes: dict[tuple[int, ...], bytes] = {}

    def _state_file(self, prefix: list[int]) -> Path | None:
        if self._cache_dir is None:
            return None
        digest = hashlib.sha256(json.dumps([self._model_key, prefix]).encode()).hexdigest()[:16]
        return self._cache_dir / f"prefix-{self.name}-{digest}.kv"

    def restore(self, prefix: list[int]) -> str:
        """Put the prefix's KV state in the context: 'kept', 'memory', 'disk', 'computed' or 'none'."""
        llama = self._llama
        if len(prefix) < _WORTH_KEEPING:
            llama.reset()  # the whole prompt in one batch: quick, and the same every time
            return "none"
        held = list(llama.input_ids[: llama.n_tokens])
        if held[: len(prefix)] == prefix:
            # Keep the prefix and nothing after it: the rest of the prompt is always evaluated in one
            # batch, so the same prompt gets the same answer whatever was asked before (llama.cpp's
            # sums differ in the last bits between one batch and token by token).
            llama._ctx.kv_cache_seq_rm(-1, len(prefix), -1)  # noqa: SLF001
            llama.n_tokens = len(prefix)
            return "kept"
        key = tuple(prefix)
        if key in self._prefixes:
            self._set_state(prefix, self._prefixes[key])
            return "memory"
        path = self._state_file(prefix)
        if path is not None and path.exists():
            try:
                state = path.read_bytes()
                self._set_state(prefix, state)
                self._remember(key, state)
                return "disk"
            except (OSError, RuntimeError):
                path.unlink(missing_ok=True)  # a torn or foreign file: compute it again
        llama.reset()
        llama.eval(prefix)
        state = self._get_state()
        self._remember(key, state)
        if path is not None:
            self._save(path, state)
        return "computed"

    def _remember(self, key: tuple[int, ...], state: bytes) -> None:
        self._prefixes[key] = state
        while len(self._prefixes) > _KEPT_PREFIXES:
            del self._prefixes[next(iter(self._prefixes))]

    def _get_state(self) -> bytes:
        ctx = self._llama._ctx.ctx  # noqa: SLF001 - llama.cpp's sequence-state API needs the raw context
        import llama_cpp

        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        return bytes(buffer[:written])

    def _set_state(self, prefix: list[int], state: bytes) -> None:
        import llama_cpp

        llama = self._llama
        llama._ctx.kv_cache_seq_rm(-1, 0, -1)  # noqa: SLF001
        buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if not llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, buffer, len(state), 0):  # noqa: SLF001
            llama.reset()
            raise RuntimeError("llama.cpp refused the saved state")
        llama.input_ids[: len(prefix)] = prefix
        llama.n_tokens = len(prefix)
        llama._requires_eval = True  # noqa: SLF001 - the logits were not restored; the next token re-computes them

    def _save(self, path: Path, state: bytes) -> None:
        """Write atomically, keeping only this model's few newest states."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.partial")
            partial.write_bytes(state)
            partial.replace(path)
            saved = sorted(path.parent.glob(f"prefix-{self.name}-*.kv"), key=lambda f: -f.stat().st_mtime_ns)
            for old in saved[_KEPT_PREFIXES:]:  # states for prompt files that have since changed
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only data dir only costs the next process the prefix's prefill
