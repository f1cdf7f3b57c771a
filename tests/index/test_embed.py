"""The embedder: the int8 copy is built once, agrees with the bundled model, and repeated text is embedded once."""

from __future__ import annotations

import sys

import numpy as np

from index.chunk import passages
from index.embed import OnnxEmbedder, quantized
from index.ingest import embed_once
from index.understand import read_report
from tests.conftest import OFSTED


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
    from bot.app import create_library
    from bot.settings import Settings
    from index.ingest import ingest
    from tests.conftest import LETTER

    library = create_library(Settings(data_dir=tmp_path, _env_file=None), embedder=embedder)
    assert ingest([LETTER], library.store, embedder).new == [str(LETTER)]
    assert ingest([LETTER], library.store, embedder).unchanged == [str(LETTER)]
    other = CountingEmbedder(embedder)
    other.name = "another-model@128"  # vectors from another model must not sit beside these
    again = ingest([LETTER], library.store, other)
    assert again.replaced == [str(LETTER)] and other.texts
    library.store.close()
