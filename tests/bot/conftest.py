"""The bot-level tests' shared fixtures: the fake Slack with the leadership channel, and a migrated database (SQLite,
or PostgreSQL on that pass)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.slack import LocalSlack
from storage.db import upgrade
from tests.bot.helpers import CHANNEL, HEAD, LEAD
from tests.conftest import new_database_url


@pytest.fixture
def fake() -> Iterator[LocalSlack]:
    slack = LocalSlack(channels={CHANNEL: {"is_private": True, "is_member": True}}, members={CHANNEL: [LEAD, HEAD]})
    yield slack
    slack.close_now()


@pytest.fixture
def database(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    for url in new_database_url(tmp_path, request.module.__name__.rsplit(".", 1)[-1]):
        upgrade(url)
        yield url
