"""PostgreSQL's row-level security, the second wall between schools: policybot's own role (which owns no table) sees
and writes a school's rows only in a transaction that named the school, even with no WHERE at all; and none when it
named none. The owner runs the migrations and grants the role what it needs, nothing more."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from flows.schools import parse_trust
from storage.concerns import ConcernStore
from storage.db import make_engine, reading, transaction, upgrade
from storage.models import JobRun
from storage.school_import import import_trust
from storage.schools import for_key
from storage.tenancy import _by_table, school_of
from tests.conftest import NOW, ROOT, new_database_url
from tests.storage.helpers import a_concern

SCOPED_TABLES = list(_by_table())  # every table whose rows are a school's
pytestmark = pytest.mark.skipif(
    not os.environ.get("POLICYBOT_TEST_DATABASE_URL"), reason="row-level security is PostgreSQL's"
)


@pytest.fixture(scope="module")
def as_policybot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database upgraded by its owner (the test server's superuser) for a role of policybot's own, with a concern
    at each of north and south; the role's engine, opened for no school."""
    server = os.environ["POLICYBOT_TEST_DATABASE_URL"]
    role = f"policybot_app_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
    try:
        for owner_url in new_database_url(tmp_path_factory.mktemp("rls"), "rls"):
            app_url = make_url(owner_url).set(username=role).render_as_string(hide_password=False)
            upgrade(app_url, owner_url=owner_url)
            app = make_engine(app_url)
            import_trust(app, parse_trust((ROOT / "examples" / "schools.toml").read_text()), NOW)
            a_concern(for_key(app, "north"))
            a_concern(for_key(app, "south"))
            yield app
            app.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def plain_references(engine: Engine) -> list[str]:
    """Every concern's reference, by plain SQL with no WHERE: what the database itself lets through."""
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT reference FROM concern ORDER BY id")).scalars())


def test_a_query_with_no_where_sees_only_the_schools_rows(as_policybot: Engine) -> None:
    assert plain_references(for_key(as_policybot, "north")) == ["SMP-NORTH-2026-0001"]
    assert plain_references(for_key(as_policybot, "south")) == ["SMP-SOUTH-2026-0001"]


def test_with_no_school_named_nothing_is_seen(as_policybot: Engine) -> None:
    assert plain_references(as_policybot) == []
    with as_policybot.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_entry")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM school")).scalar() == 2  # the schools themselves are no secret


def test_a_row_for_another_school_is_refused_by_the_database(as_policybot: Engine) -> None:
    north, south = for_key(as_policybot, "north"), for_key(as_policybot, "south")
    with pytest.raises(DBAPIError, match="row-level security"), north.begin() as conn:
        conn.execute(
            text("INSERT INTO job_run (school_id, name, period) VALUES (:s, 'x', 'y')"), {"s": school_of(south)}
        )
    with transaction(north) as session:
        session.add(JobRun(name="x", period="y"))  # its own: taken
    with reading(south) as session:
        assert session.execute(text("SELECT COUNT(*) FROM job_run")).scalar() == 0
    [north_id] = [c.id for c in ConcernStore(north).open_concerns()]
    with south.begin() as conn:  # an UPDATE of the other school's row by its id reaches nothing
        assert conn.execute(text("UPDATE concern SET description = 'x' WHERE id = :i"), {"i": north_id}).rowcount == 0


def test_the_role_owns_nothing_and_cannot_lift_the_wall(as_policybot: Engine) -> None:
    with as_policybot.connect() as conn:
        walls = conn.execute(
            text("SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:t)"),
            {"t": [table.name for table in SCOPED_TABLES]},
        ).all()
    assert sorted(walls) == sorted((table.name, True, True) for table in SCOPED_TABLES)  # the owner held to it too
    with pytest.raises(DBAPIError, match="must be owner"), as_policybot.begin() as conn:
        conn.execute(text("ALTER TABLE concern NO FORCE ROW LEVEL SECURITY"))
    with pytest.raises(DBAPIError, match="permission denied"), as_policybot.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
