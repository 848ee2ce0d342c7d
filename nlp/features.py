"""The feature space both classifiers share: TF-IDF over words, word pairs and crude stems.

Built for speed (triage must handle thousands of texts a second on one core): a text is tokenised once
(``nlp.text.tokens``), words become ids through one dict lookup each, and pairs and stems are found with
numpy over the whole batch. scikit-learn's vectorisers cost 3-4x more here because they count every feature
in a Python loop, and character n-grams (tried in the first model) cost 3x more again for a small gain that
the stems and the slang map recover. The figures are in docs/model.md and docs/benchmarks.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.preprocessing import normalize

from nlp.text import stem, tokens


def _top(counts: Counter[str], min_df: int, limit: int) -> list[str]:
    kept = [(-df, term) for term, df in counts.items() if df >= min_df]
    return [term for _, term in sorted(kept)[:limit]]


class TokenVectoriser:
    """Sublinear TF-IDF over known words, pairs of known words and stems, L2-normalised rows."""

    def __init__(
        self, max_words: int = 20_000, max_pairs: int = 20_000, max_stems: int = 8_000, min_df: int = 2
    ) -> None:
        self.max_words = max_words
        self.max_pairs = max_pairs
        self.max_stems = max_stems
        self.min_df = min_df
        self.vocabulary_: dict[str, int] = {}
        self.stems_: dict[str, int] = {}
        self.pair_keys_: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.idf_: NDArray[np.float32] = np.zeros(0, dtype=np.float32)
        self._stem_cache: dict[str, int] = {}

    def __getstate__(self) -> dict[str, object]:
        """What is saved: everything but the stem cache (rebuilt as texts come)."""
        return {k: v for k, v in self.__dict__.items() if k != "_stem_cache"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._stem_cache = {}

    @property
    def n_features(self) -> int:
        return len(self.vocabulary_) + len(self.pair_keys_) + len(self.stems_)

    def fit(self, texts: Iterable[str]) -> TokenVectoriser:
        documents = [tokens(text) for text in texts]
        words: Counter[str] = Counter()
        for doc in documents:
            words.update(set(doc))
        self.vocabulary_ = {w: i for i, w in enumerate(_top(words, self.min_df, self.max_words))}
        n_words = len(self.vocabulary_)
        pairs: Counter[int] = Counter()
        stems: Counter[str] = Counter()
        for doc in documents:
            ids = [self.vocabulary_.get(w, -1) for w in doc]
            pairs.update({a * n_words + b for a, b in pairwise(ids) if a >= 0 and b >= 0})
            stems.update({s for s in map(stem, doc)} - set(doc))
        kept_pairs = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        self.pair_keys_ = np.sort(
            np.array([k for k, df in kept_pairs[: self.max_pairs] if df >= self.min_df], dtype=np.int64)
        )
        offset = n_words + len(self.pair_keys_)
        self.stems_ = {s: offset + i for i, s in enumerate(_top(stems, self.min_df, self.max_stems))}
        self._stem_cache = {}
        counts = self._counts(documents)
        df = np.bincount(counts.indices, minlength=self.n_features)
        self.idf_ = (np.log((1 + len(documents)) / (1 + df)) + 1).astype(np.float32)
        return self

    def _counts(self, documents: Sequence[list[str]]) -> csr_matrix:
        """Raw feature counts, one row per tokenised document; one pass over the batch's words."""
        flat = [word for doc in documents for word in doc]
        lengths = np.fromiter((len(doc) for doc in documents), dtype=np.int64, count=len(documents))
        doc_of = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        vocabulary, n_words = self.vocabulary_, len(self.vocabulary_)
        ids = np.fromiter((vocabulary.get(w, -1) for w in flat), dtype=np.int64, count=len(flat))
        cache = self._stem_cache
        stem_ids = np.fromiter(
            (cache[w] if w in cache else self._stem_id(w) for w in flat), dtype=np.int64, count=len(flat)
        )
        ends = np.cumsum(lengths) - 1  # a pair never spans two documents
        pairable = (ids >= 0)[:-1] & (ids >= 0)[1:]
        pairable[ends[(ends >= 0) & (ends < len(pairable))]] = False
        positions = np.flatnonzero(pairable)
        keys = ids[positions] * n_words + ids[positions + 1]
        where, found = self._pair_ids(keys)
        known, stemmed = ids >= 0, stem_ids >= 0
        rows = np.concatenate([doc_of[known], doc_of[positions[found]], doc_of[stemmed]])
        cols = np.concatenate([ids[known], where + n_words, stem_ids[stemmed]])
        matrix = csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(documents), self.n_features)
        )
        matrix.sum_duplicates()
        return matrix

    def _stem_id(self, word: str) -> int:
        """The stem feature of ``word``, or -1 when its stem is the word itself or not kept."""
        cached = self._stem_cache.get(word)
        if cached is None:
            root = stem(word)
            cached = self.stems_.get(root, -1) if root != word else -1
            if len(self._stem_cache) < 500_000:
                self._stem_cache[word] = cached
        return cached

    def _pair_ids(self, keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """For each key: its position in ``pair_keys_`` (where kept) and whether it is a kept pair."""
        if not len(self.pair_keys_):
            return np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
        where = np.minimum(np.searchsorted(self.pair_keys_, keys), len(self.pair_keys_) - 1)
        found = self.pair_keys_[where] == keys
        return where[found], found

    def transform(self, texts: Iterable[str]) -> csr_matrix:
        return self.transform_tokens([tokens(text) for text in texts])

    def transform_tokens(self, documents: Sequence[list[str]]) -> csr_matrix:
        """Features of documents already tokenised with ``nlp.text.tokens`` (tokenise once, use twice)."""
        matrix = self._counts(documents)
        matrix.data = (np.log(matrix.data) + 1) * self.idf_[matrix.indices]
        result: csr_matrix = normalize(matrix, copy=False)
        return result

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        return self.fit(texts).transform(texts)

    def feature_names(self) -> list[str]:
        words = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        n_words = len(words)
        pairs = [f"{words[k // n_words]} {words[k % n_words]}" for k in self.pair_keys_.tolist()]
        stems = [f"~{s}" for s in sorted(self.stems_, key=self.stems_.__getitem__)]
        return [*words, *pairs, *stems]


def build_vectoriser() -> TokenVectoriser:
    return TokenVectoriser()
