"""Text vectors without a downloaded model: TF-IDF (words and character n-grams) reduced by LSA.

Why not a sentence-embedding model: see docs/decisions/0016-voice.md (no model that ships inside a PyPI
wheel was both trustworthy and free of PyTorch; nothing may be downloaded at run time). Character n-grams
make the vectors tolerant of OCR damage ("problematics", "communicationers"). Everything is seeded, so the
same input gives the same vectors.
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

SEED = 0
STOP_WORDS = sorted(ENGLISH_STOP_WORDS | {"drug", "drugs", "think", "question", "need", "needs", "like", "use",
                                          "people", "make", "way", "ways", "would", "also", "e.g", "eg", "ie"})
WORD_PATTERN = r"(?u)\b[a-zA-Z][a-zA-Z'-]+\b"  # noqa: S105 - a regular expression, not a secret
WORD_RE = re.compile(r"[a-z][a-z'’-]+")


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower().replace("’", "'"))


def char_vectoriser() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True, min_df=1)


def word_vectoriser(min_df: int = 1) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, lowercase=True,
                           stop_words=STOP_WORDS, min_df=min_df, token_pattern=WORD_PATTERN)  # noqa: S106


def similarity(queries: list[str], targets: list[str]) -> np.ndarray:
    """Cosine similarity (queries × targets) on character n-grams fitted on both: robust to OCR errors."""
    vectoriser = char_vectoriser().fit(list(targets) + list(queries))
    q = vectoriser.transform(queries)
    t = vectoriser.transform(targets)
    return (q @ t.T).toarray()


class Embedder:
    """Fit on a corpus, then embed texts: words + character n-grams (TF-IDF), LSA to `dims` when large enough."""

    def __init__(self, dims: int = 100):
        self.dims = dims
        self.words = word_vectoriser()
        self.chars = char_vectoriser()
        self.svd: TruncatedSVD | None = None

    def fit(self, texts: list[str]) -> Embedder:
        texts = [t or " " for t in texts]
        try:
            self.words.fit(texts)
        except ValueError:  # every word a stop word
            self.words = word_vectoriser().fit(texts + ["placeholder text"])
        self.chars.fit(texts)
        matrix = self._sparse(texts)
        components = min(self.dims, matrix.shape[1] - 1, max(len(texts) - 1, 1))
        if len(texts) >= 20 and components >= 2:
            self.svd = TruncatedSVD(n_components=components, random_state=SEED, algorithm="randomized", n_iter=5)
            self.svd.fit(matrix)
        return self

    def _sparse(self, texts: list[str]):
        w = normalize(self.words.transform(texts))
        c = normalize(self.chars.transform(texts)) * 0.5
        return sparse.hstack([w, c]).tocsr()

    def transform(self, texts: list[str]) -> np.ndarray:
        matrix = self._sparse([t or " " for t in texts])
        if self.svd is not None:
            dense = self.svd.transform(matrix)
        else:
            dense = matrix.toarray()
        return normalize(dense)

    def fit_transform(self, texts: list[str]) -> np.ndarray:
        return self.fit(texts).transform(texts)
