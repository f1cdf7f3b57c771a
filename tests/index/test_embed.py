"""The embedder: the int8 copy is built once, agrees with the bundled model, and repeated text is embedded once."""

from __future__ import annotations

import sys

import numpy as np

from index.chunk import passages
from index.embed import OnnxEmbedder, quantized
from index.ingest import embed_once
from index.understand import read_report
from tests.fixtures.library import OFSTED


def _texts(n: int = 24) -> list[str]:
    report = read_report(sorted((OFSTED / "st-helens").glob("*.pdf"))[-1])
    return [p.for_embedding for p in passages(report)][:n]


def test_the_int8_copy_is_built_once_and_ranks_like_the_bundled_model(embedder, cache_dir):
    from index.embed import bundled_model_dir

    model, tokenizer = bundled_model_dir()
    built = quantized(model, cache_dir)
    assert built != model and built.parent == cache_dir and embedder.name == f"{built.name}@128"
    stamp = built.stat().st_mtime_ns
    assert quantized(model, cache_dir) == built and built.stat().st_mtime_ns == stamp  # not rebuilt

    original = OnnxEmbedder(model, tokenizer, threads=2)
    texts = _texts()
    fast, slow = embedder.embed(texts), original.embed(texts)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-4)
    assert float((fast * slow).sum(axis=1).min()) > 0.97
    question = "How well are care leavers supported in St Helens?"
    assert np.argmax(fast @ embedder.embed_query(question)) == np.argmax(slow @ original.embed_query(question))


def test_dropping_the_softmax_nan_guards_leaves_every_vector_as_it_was(tmp_path):
    import onnx
    import onnxruntime as ort

    from index.embed import bundled_model_dir, drop_softmax_nan_guards

    model, tokenizer = bundled_model_dir()
    guarded = tmp_path / "guarded.onnx"
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(guarded)
    ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    unguarded = tmp_path / "unguarded.onnx"
    unguarded.write_bytes(guarded.read_bytes())

    assert drop_softmax_nan_guards(unguarded) == 6  # one per layer
    assert not [n for n in onnx.load(str(unguarded)).graph.node if n.op_type == "IsNaN"]
    assert drop_softmax_nan_guards(unguarded) == 0  # nothing left to drop; the file is untouched

    texts = _texts(40) + ["x", "Ofsted"]  # short texts pad a batch: masked keys in most rows
    before = OnnxEmbedder(guarded, tokenizer, batch_size=64).embed(texts)
    after = OnnxEmbedder(unguarded, tokenizer, batch_size=64).embed(texts)
    assert np.isfinite(after).all()
    assert np.abs(after - before).max() < 1e-5


def test_without_the_onnx_package_the_bundled_model_runs_as_it_is(tmp_path, monkeypatch):
    from index.embed import bundled_model_dir

    monkeypatch.setitem(sys.modules, "onnxruntime.quantization", None)  # as if onnx were not installed
    model, _ = bundled_model_dir()
    assert quantized(model, tmp_path) == model
    assert not list(tmp_path.iterdir())


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner, self.texts, self.name = inner, [], inner.name

    def embed(self, texts):
        self.texts += texts
        return self.inner.embed(texts)


def test_text_repeated_across_reports_is_embedded_once(embedder):
    found = [p for f in sorted(OFSTED.glob("*/2015-0[1-3]-*.pdf"))[:3] for p in passages(read_report(f))]
    repeated = len(found) - len({" ".join(p.text.split()).lower() for p in found})
    assert repeated > 0  # the legal basis, grade descriptors and notices recur word for word
    counting, seen = CountingEmbedder(embedder), {}
    vectors = embed_once(found, counting, seen)
    assert len(vectors) == len(found) and len(counting.texts) == len(found) - repeated
    first = {}
    for p, v in zip(found, vectors, strict=True):
        key = " ".join(p.text.split()).lower()
        if key in first:
            assert np.array_equal(first[key], v)  # a repeat carries its first copy's vector
        first.setdefault(key, v)
    again = embed_once(found[:5], counting, seen)
    assert len(counting.texts) == len(found) - repeated and np.array_equal(again, vectors[:5])


def test_another_embedder_re_embeds_every_file_and_the_same_one_nothing(embedder, tmp_path):
    from index.ingest import ingest
    from index.library import open_library
    from tests.fixtures.library import LETTER

    library = open_library(tmp_path, embedder)
    assert ingest([LETTER], library.store, embedder).new == [str(LETTER)]
    assert ingest([LETTER], library.store, embedder).unchanged == [str(LETTER)]
    other = CountingEmbedder(embedder)
    other.name = "another-model@128"  # vectors from another model must not sit beside these
    again = ingest([LETTER], library.store, other)
    assert again.replaced == [str(LETTER)] and other.texts
    library.store.close()


class LotRecorder(CountingEmbedder):
    """The real embedder, keeping the size of each lot it is given."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self.lots: list[int] = []

    def embed(self, texts):
        self.lots.append(len(texts))
        return super().embed(texts)


def test_reports_embedded_together_store_the_vectors_each_would_get_alone(embedder, tmp_path):
    from index.ingest import ingest
    from index.library import open_library

    files = sorted((OFSTED / "st-helens").glob("*.pdf"))[:3]
    stored = {}
    for together in (1, 10_000):
        library = open_library(tmp_path / str(together), embedder)
        recorder = LotRecorder(embedder)
        summary = ingest(files, library.store, recorder, workers=1, embed_together=together)
        assert len(summary.new) == 3
        assert len(recorder.lots) == (3 if together == 1 else 1)  # one lot per report, or one for all
        got = library.store._passages.get(include=["embeddings", "metadatas"])
        stored[together] = {i: np.asarray(v) for i, v in zip(got["ids"], got["embeddings"], strict=True)}
        assert {m["source"] for m in got["metadatas"]} == {str(f) for f in files}
        library.store.close()
    assert stored[1].keys() == stored[10_000].keys()
    for key, vector in stored[1].items():
        # Each passage keeps its own vector. Not bit for bit: int8 activations are scaled per batch,
        # so batchmates move a vector slightly (as one report's passages always have).
        assert float(vector @ stored[10_000][key]) > 0.98
