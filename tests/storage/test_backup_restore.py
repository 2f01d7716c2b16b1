"""A backup restored: what waited to be sent at the backup may have gone since, so `policybot db restored` marks each
post and file then waiting to be looked for in Slack before it is sent again (never twice to anyone). On
PostgreSQL the drill is the real one: pg_dump, pg_restore into a new database, then the command."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from storage.db import upgrade
from storage.models import OutboxMessage, Send
from storage.outbox import OutboxStore
from storage.outbox_messages import Message
from tests.conftest import base_environment, new_database_url, policybot, school_engine

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def waiting_at_the_backup(url: str) -> None:
    """One post sent, one post and one redraw still waiting, as a backup would catch them."""
    upgrade(url)
    outbox = OutboxStore(school_engine(url))
    outbox.put([Message("backup:sent", None, "ULEAD1", "sent before the backup")], NOW)
    [claimed] = outbox.claim_due(NOW, replies=False, limit=10)
    assert outbox.sent(claimed.row, "DLEAD1", "1.1", NOW)
    outbox.put([Message("backup:waiting", None, "ULEAD1", "waiting at the backup")], NOW)
    outbox.put([Message("backup:redraw", None, "CLEAD1", "", send=Send.UPDATE, thread_of="backup:sent")], NOW)
    outbox.engine.dispose()


def unsure_by_key(url: str) -> dict[str, bool]:
    engine = create_engine(url)
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        found = {key: unsure for key, unsure in connection.execute(select(table.c.key, table.c.unsure))}
    engine.dispose()
    return found


def test_a_restored_database_looks_before_it_sends_again(tmp_path: Path) -> None:
    for url in new_database_url(tmp_path, "restored"):
        waiting_at_the_backup(url)
        said = policybot("db", "restored", env=base_environment(DATABASE_URL=url))
        assert said.returncode == 0 and said.stdout.startswith("1 message waiting at the backup will be looked for")
        assert "policybot retention --apply" in said.stdout
        assert unsure_by_key(url) == {"backup:sent": False, "backup:waiting": True, "backup:redraw": False}


@pytest.fixture
def server() -> Iterator[str]:
    found = os.environ.get("POLICYBOT_TEST_DATABASE_URL")
    if not found or not (PG_BIN / "pg_dump").exists():
        pytest.skip("the PostgreSQL drill needs the test server and Debian's PostgreSQL 15 tools")
    yield found


def test_pg_dump_and_pg_restore_round_trip_with_messages_waiting(server: str, tmp_path: Path) -> None:
    base = make_url(server)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    names = [f"policybot_backup_{os.getpid()}", f"policybot_restored_{os.getpid()}"]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        source, target = (base.set(database=name).render_as_string(hide_password=False) for name in names)
        waiting_at_the_backup(source)
        where = ["-h", base.host or "127.0.0.1", "-p", str(base.port or 5432), "-U", base.username or "postgres"]
        dump = tmp_path / "policybot.dump"
        subprocess.run([PG_BIN / "pg_dump", *where, "-Fc", "-f", dump, names[0]], check=True, timeout=60)
        subprocess.run([PG_BIN / "pg_restore", *where, "-d", names[1], dump], check=True, timeout=60)
        assert unsure_by_key(target) == unsure_by_key(source)  # the backup holds it all
        said = policybot("db", "restored", env=base_environment(DATABASE_URL=target))
        assert said.returncode == 0, said.stderr
        assert unsure_by_key(target) == {"backup:sent": False, "backup:waiting": True, "backup:redraw": False}
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_what_a_record_from_before_the_outbox_had_to_send_is_looked_for_too(tmp_path: Path) -> None:
    """A backup of an older version, restored and upgraded: its remaining rows are marked, and what they are drawn
    into is looked for in Slack before it is sent."""
    url = f"sqlite:///{tmp_path}/remaining.db"
    upgrade(url)
    outbox = OutboxStore(school_engine(url))
    outbox.put([Message("remaining:concern:1:post", None, "CLEAD1", "", send=Send.REMAINING)], NOW)
    assert outbox.restored() == 1
    [claimed] = outbox.claim_due(NOW, replies=False, limit=10)
    assert claimed.was_unsure
    drawn = [Message("concern:1:post", None, "CLEAD1", "the post"), Message("concern:1:receipt", None, "U1", "r")]
    assert outbox.remaining_drawn(claimed.row, drawn, NOW, unsure=claimed.was_unsure)
    assert unsure_by_key(url) == {"concern:1:post": True, "concern:1:receipt": True}
