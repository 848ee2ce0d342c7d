"""The linear-time guard itself: it passes linear work and fails quadratic work of the same size."""

from __future__ import annotations

import re

import pytest

from tests.nlp.linear_time import assert_linear

TEXT = "jalan rusak " * 20_000


def _quadratic(text: str) -> int:
    words = text.split()
    return sum(1 for a in words for b in words if a == b)


def test_linear_work_passes() -> None:
    assert_linear(lambda t: re.findall(r"\w+", t), TEXT)


def test_quadratic_work_fails() -> None:
    with pytest.raises(AssertionError, match="characters took"):
        assert_linear(_quadratic, TEXT[: len(TEXT) // 8])  # 5,000 words: 25 million comparisons
