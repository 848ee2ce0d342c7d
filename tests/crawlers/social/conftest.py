"""Fixtures for the social connectors: the fixture files and a hash key (the replay server fixture,
``replay``, is in tests/conftest.py: flow tests use it too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
HASH_KEY = "test-handle-hash-key"


@pytest.fixture
def fixture_bytes() -> Any:
    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture
def hash_key() -> str:
    return HASH_KEY
