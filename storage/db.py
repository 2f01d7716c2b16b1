"""The engine, transactions and schema upgrades: the one place where database sessions and transactions are opened."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from storage.tenancy import session_info

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
READ_ONLY = "policybot_read_only"


# How long a request waits for the database (a lock held by another writer, a connection, a pool slot) before it
# gives up and the person is told to try again in a minute: well inside Slack's 3 seconds.
WAIT_SECONDS = 2


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine that behaves the same for many threads on SQLite and PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": WAIT_SECONDS}, **kwargs)
        _sqlite_write_safety(engine)
        return engine
    waits = {"connect_timeout": WAIT_SECONDS, "options": f"-c lock_timeout={WAIT_SECONDS * 1000}"}
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=WAIT_SECONDS,
        connect_args=waits,
        **kwargs,
    )


def _sqlite_write_safety(engine: Engine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE so that two writers queue instead of failing mid-transaction."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={WAIT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """Commit on success, roll back on error; returned objects stay readable afterwards."""
    with Session(engine, expire_on_commit=False, info=session_info(engine)) as session, session.begin():
        yield session


_together = threading.local()  # this thread's read_together(): (the engine, its read transaction's connection)


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A transaction that only reads: on SQLite it does not queue behind writers for the write lock. Inside
    read_together() for the same school's engine, a session of its own in the one read transaction held there."""
    shared: tuple[Engine, Connection] | None = getattr(_together, "read", None)
    if shared is not None and shared[0] is engine:
        # Its own session (its own objects, loaded as its store asks), joining the connection's transaction.
        with Session(bind=shared[1], expire_on_commit=False, info=session_info(engine)) as session:
            yield session
        return
    with Session(_read_only(engine), expire_on_commit=False, info=session_info(engine)) as session, session.begin():
        yield session


@contextmanager
def read_together(engine: Engine) -> Iterator[None]:
    """Every reading(engine) on this thread until the end of the block is in one read transaction (one connection,
    one round of checking it out and setting its school, one commit): for drawing a Home, which reads a person's
    part of several stores one after another. Another engine's reading (another school's) is its own as ever."""
    if getattr(_together, "read", None) is not None:
        yield
        return
    with _read_only(engine).connect() as connection, connection.begin():
        _together.read = (engine, connection)
        try:
            yield
        finally:
            _together.read = None


@contextmanager
def plain_writing(engine: Engine) -> Iterator[Connection]:
    """A transaction of plain SQL statements, without an ORM session: for the outbox's small statements, on the
    sender's hot path. Commit on success, roll back on error. On SQLite the sender's threads write one at a time."""
    with _one_writer(engine), engine.begin() as connection:
        yield connection


@contextmanager
def plain_reading(engine: Engine) -> Iterator[Connection]:
    """plain_writing()'s counterpart that only reads (on SQLite it does not queue for the write lock)."""
    with _read_only(engine).begin() as connection:
        yield connection


@contextmanager
def _one_writer(engine: Engine) -> Iterator[None]:
    """SQLite takes one writer at a time, and a writer kept waiting retries at intervals rather than in turn: with the
    sender's threads writing as well as the requests', a request could wait past WAIT_SECONDS. So the sender's writes
    queue here and meet SQLite's wait one at a time; a request's never queue behind them here (so it still gives up
    after WAIT_SECONDS when another process holds the database). PostgreSQL locks rows, not the database."""
    if engine.dialect.name != "sqlite":
        yield
        return
    with _writer_lock(engine.pool):  # one lock for the database, whichever school's engine writes
        yield


@lru_cache(maxsize=8)
def _writer_lock(pool: object) -> threading.RLock:
    return threading.RLock()


@lru_cache(maxsize=256)
def _read_only(engine: Engine) -> Engine:
    return engine.execution_options(**{READ_ONLY: True})


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("database ping failed")
        return False


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class SchemaProblem(Exception):
    """The schema cannot be brought where it was asked: a sentence for the person running policybot."""


def revisions(url: str) -> list[str]:
    """The revisions this version of policybot knows, oldest first."""
    return [
        script.revision for script in reversed(list(ScriptDirectory.from_config(alembic_config(url)).walk_revisions()))
    ]


def upgrade(url: str, owner_url: str | None = None) -> None:
    """Bring the schema to the newest migration; SchemaProblem when the database was upgraded by a newer policybot
    (rolled back code against the newer schema). On PostgreSQL two upgrades at once take turns (migrations/env.py).
    `owner_url`: the tables' owner runs the migrations, then grants `url`'s role what policybot does with them."""
    if owner_url is not None:
        upgrade(owner_url)
        _grant(owner_url, url)
        return
    known, current = revisions(url), current_revision(url)
    if current is not None and current not in known:
        raise SchemaProblem(
            f"the database schema is at revision {current}, newer than this version knows (up to {known[-1]}): "
            f"run the newer version, or with it `policybot db downgrade {known[-1]}` first"
        )
    command.upgrade(alembic_config(url), "head")


def _grant(owner_url: str, url: str) -> None:
    """policybot's own role may read and write the rows (row-level security still keeps each school's apart), and
    read the schema's revision; it owns nothing, so it can neither alter a table nor lift the security."""
    role = make_url(url).username
    if not role or role == make_url(owner_url).username:
        return
    engine = make_engine(owner_url)
    try:
        with engine.begin() as conn:
            quoted = conn.dialect.identifier_preparer.quote(role)
            conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"))
            conn.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}"))
            conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    """Take the schema back to `revision` (one this policybot knows), undoing the migrations after it."""
    known = revisions(url)
    if revision not in known:
        raise SchemaProblem(f"{revision!r} is not a revision this version knows ({', '.join(known)})")
    current = current_revision(url)
    if current is not None and current not in known:
        raise SchemaProblem(f"the schema is at {current}, which only a newer version can take back")
    if current is None or known.index(revision) >= known.index(current):
        raise SchemaProblem(f"the schema is at {current or 'no revision'}: a downgrade goes back to an earlier one")
    if known.index(revision) < known.index(OUTBOX) <= known.index(current):
        _nothing_waiting(url)  # checked first: on SQLite a downgrade that fails half-way stays half done
    if known.index(revision) < known.index(SCHOOLS) <= known.index(current):
        _one_school(url)
    command.downgrade(alembic_config(url), revision)


OUTBOX = "0006"  # the revision that made the outbox: before it, nothing waited to be sent
SCHOOLS = "0012"  # the revision that made the school the tenant: before it, one school's records only


def _one_school(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            imported = conn.execute(text("SELECT key FROM school WHERE NOT from_settings ORDER BY key")).scalars().all()
    finally:
        engine.dispose()
    if imported:
        raise SchemaProblem(
            f"this database holds a trust's schools ({', '.join(imported)}), and the schema before {SCHOOLS} holds "
            "one school's records only: a rollback would mix them. Restore the backup taken before the schools "
            "were imported instead"
        )


def _nothing_waiting(url: str) -> None:
    pending = "SELECT COUNT(*) FROM outbox_message WHERE state = 'pending'"
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql" and "school" in inspect(conn).get_table_names():
                # Row-level security (0013) shows even the owner only the school a transaction names: each in turn.
                waiting = 0
                for (school,) in conn.execute(text("SELECT id FROM school")).all():
                    conn.execute(text("SELECT set_config('policybot.school', :s, true)"), {"s": str(school)})
                    waiting += conn.execute(text(f"{pending} AND school_id = :s"), {"s": school}).scalar() or 0
            else:
                waiting = conn.execute(text(pending)).scalar() or 0
    finally:
        engine.dispose()
    if waiting:
        raise SchemaProblem(
            f"{waiting} message(s) still wait to be sent, and the schema before {OUTBOX} has nowhere to keep them: "
            "start policybot until `policybot status` says 0 messages waiting, stop it, then downgrade again"
        )


def current_revision(url: str) -> str | None:
    """The Alembic revision the schema is at; None for a database without one (nothing created yet)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
