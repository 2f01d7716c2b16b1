"""The policy in force, and every record stamped with it: a concern, a contact question, a leadership decision (the
standing permission it grants), a declaration and a review each get, as they are first stored, the version of the
newest policy_version row (storage.models.PolicyVersion), read in the same transaction. Nothing else has to pass
the version along.

At start-up the POLICY_VERSION setting is recorded as in force when it names a version never recorded before (so a
restart, or an old instance still running during a deploy, never records an earlier one again; a version governors
recorded at a review stays until the setting names a new one); records stored before versions were kept get the
first one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, event, select, text, update
from sqlmodel import SQLModel

from storage.db import transaction
from storage.models import Concern, ContactCheck, ContactPermission, Declaration, PolicyReview, PolicyVersion
from storage.tenancy import mine, school_in

SETTING = "POLICY_VERSION setting"  # recorded_by for a version that came from the setting
STAMPED: tuple[type[SQLModel], ...] = (Concern, ContactCheck, ContactPermission, Declaration, PolicyReview)
_TABLE = PolicyVersion.__table__  # type: ignore[attr-defined]


def in_force(connection: Connection) -> str | None:
    newest = select(_TABLE.c.version).where(mine(_TABLE, connection)).order_by(_TABLE.c.id.desc()).limit(1)
    return connection.execute(newest).scalar()


def _stamp(_mapper: Any, connection: Connection, target: Any) -> None:
    if target.policy_version is None:
        target.policy_version = in_force(connection)


def _adopt(_mapper: Any, connection: Connection, review: PolicyReview) -> None:
    """A review that approved a new version (stamped with the one it reviewed): the new one is in force from now."""
    if review.adopted_version:
        connection.execute(
            _TABLE.insert().values(
                school_id=school_in(connection),
                version=review.adopted_version,
                in_force_from=review.reviewed_at,
                recorded_by=review.reviewed_by,
            )
        )


for _model in STAMPED:
    event.listen(_model, "before_insert", _stamp)
event.listen(PolicyReview, "after_insert", _adopt)


def adopt_setting(engine: Engine, version: str, now: datetime) -> bool:
    """Record the configured version as in force from now, if no version of that name was ever recorded. Returns
    whether it was recorded. Two processes starting at once record it once (the table is locked meanwhile)."""
    with transaction(engine) as session:
        if engine.dialect.name == "postgresql":  # SQLite's writers already queue (BEGIN IMMEDIATE)
            session.execute(text("LOCK TABLE policy_version IN SHARE ROW EXCLUSIVE MODE"))
        known = set(session.execute(select(_TABLE.c.version).where(mine(_TABLE, session))).scalars())
        if version in known:
            return False
        session.add(PolicyVersion(version=version, in_force_from=now, recorded_by=SETTING))
        if not known:  # the first version kept: what was stored before was made under it
            for model in STAMPED:
                table = model.__table__  # type: ignore[attr-defined]
                unstamped = (mine(table, session), table.c.policy_version.is_(None))
                session.execute(update(table).where(*unstamped).values(policy_version=version))
        return True
