"""The end-to-end tests' own fixtures (the shared bot and its Slack are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import new_database_url


@pytest.fixture
def database(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database for a bot of the test's own, which migrates it as it starts."""
    yield from new_database_url(tmp_path, request.module.__name__.rsplit(".", 1)[-1])
