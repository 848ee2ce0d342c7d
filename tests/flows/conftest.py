"""A Runtime over a fresh database and the demo sites, initialised (migrated, configuration synced)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.settings import Settings
from flows.runtime import Runtime
from flows.setup import initialise


@pytest.fixture
def runtime(settings: Settings, demo_site: str) -> Iterator[Runtime]:
    rt = Runtime(settings, base_url=demo_site)
    initialise(rt)
    yield rt
    rt.close()
