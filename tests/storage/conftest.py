"""The storage tests' databases (SQLite, or PostgreSQL on that pass), migrated: one for a module whose tests each make
records of their own (migrating costs a second a test on a busy machine), or one of the test's own where a test
counts everything in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.concerns import ConcernStore
from tests.conftest import migrated_database_url, school_engine
from tests.storage.helpers import Contacts


def migrated(folder: Path, name: str) -> Iterator[Engine]:
    for url in migrated_database_url(folder, name):
        made = school_engine(url)
        yield made
        made.dispose()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """One database for the module: each test makes its own records."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    yield from migrated(tmp_path_factory.mktemp(name), name)


@pytest.fixture
def fresh_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty database of the test's own."""
    yield from migrated(tmp_path, "fresh")


@pytest.fixture
def fresh_store(fresh_engine: Engine) -> ConcernStore:
    return ConcernStore(fresh_engine)


@pytest.fixture
def stores(fresh_engine: Engine) -> tuple[ConcernStore, Contacts]:
    return ConcernStore(fresh_engine), Contacts(fresh_engine)
