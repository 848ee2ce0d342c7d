"""The feature space both classifiers share: word TF-IDF (explainable) + hashed character n-grams (robust
to slang and misspellings, no vocabulary to store)."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from nlp.text import normalise

CHAR_FEATURES = 2**14


def build_vectoriser() -> FeatureUnion:
    words = TfidfVectorizer(
        preprocessor=normalise,
        ngram_range=(1, 2),
        min_df=2,
        max_features=15_000,
        sublinear_tf=True,
        dtype=np.float32,
    )
    chars = Pipeline(
        [
            (
                "hash",
                HashingVectorizer(
                    preprocessor=normalise,
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    n_features=CHAR_FEATURES,
                    alternate_sign=False,
                    norm=None,
                    dtype=np.float32,
                ),
            ),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ]
    )
    return FeatureUnion([("words", words), ("chars", chars)])
