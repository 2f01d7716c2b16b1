"""Upgrades and rollbacks as commands: a downgrade and back again, an older policybot refusing a newer schema in one
sentence (never Alembic's traceback in a restart loop), and two upgrades at once on PostgreSQL taking turns."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from subprocess import PIPE

import pytest
from sqlalchemy import text

from storage.db import SchemaProblem, current_revision, downgrade, make_engine, revisions, upgrade
from tests.conftest import ROOT, base_environment, new_database_url, school_engine


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    yield from new_database_url(tmp_path, "schema")


def test_a_downgrade_takes_the_schema_back_and_an_upgrade_brings_it_again(url: str) -> None:
    known = revisions(url)
    assert known[0] == "0001" and len(known) == len(set(known))
    upgrade(url)
    assert current_revision(url) == known[-1]
    downgrade(url, known[-2])
    assert current_revision(url) == known[-2]
    upgrade(url)
    assert current_revision(url) == known[-1]


def test_an_older_policybot_refuses_a_newer_schema_in_one_sentence(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaProblem) as newer:
        upgrade(url)
    assert str(newer.value).startswith("the database schema is at revision 9999, newer than this version knows")
    assert "\n" not in str(newer.value)
    with pytest.raises(SchemaProblem):
        downgrade(url, revisions(url)[-1])
    with pytest.raises(SchemaProblem, match="not a revision this version knows"):
        downgrade(url, "0042x")


@pytest.mark.skipif(not os.environ.get("POLICYBOT_TEST_DATABASE_URL"), reason="the advisory lock is PostgreSQL's")
def test_two_upgrades_at_once_on_postgresql_take_turns(url: str) -> None:
    """Four processes starting at once on a fresh database (Alembic's context is one per process, so processes)."""
    env = {**base_environment(DATABASE_URL=url)}
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE, text=True
        )
        for _ in range(4)
    ]
    answers = [process.communicate(timeout=120) for process in started]
    assert [process.returncode for process in started] == [0, 0, 0, 0], [err for _, err in answers]
    # Each read the revision before the others had written it, so each may say it created the schema.
    assert all(out.startswith(("created the database schema", "the database schema is already")) for out, _ in answers)
    assert current_revision(url) == revisions(url)[-1]


def test_going_back_before_the_outbox_waits_until_nothing_waits_to_be_sent(url: str) -> None:
    """0.1.0 had no outbox: a rollback to it must not drop a safeguarding alert still waiting to go."""
    from datetime import UTC, datetime

    from storage.outbox import OutboxStore
    from storage.outbox_messages import Message

    upgrade(url)
    outbox = OutboxStore(school_engine(url))
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    outbox.put([Message("concern:1:alert:UDSL1", None, "UDSL1", "A safeguarding concern")], now)
    with pytest.raises(SchemaProblem, match=r"^1 message\(s\) still wait to be sent"):
        downgrade(url, "0005")
    assert outbox.waiting()[0] == 1  # still there, still waiting
    [claimed] = outbox.claim_due(now, replies=False, limit=10)
    assert outbox.sent(claimed.row, "DUSL1", "1.1", now)
    outbox.engine.dispose()
    downgrade(url, "0005")
    assert current_revision(url) == "0005"
