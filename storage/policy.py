"""The policy in force, and every record stamped with it: a concern, a contact question, a leadership decision (the
standing permission it grants), a declaration and a review each get, as they are first stored, the version of the
newest policy_version row (storage.models.PolicyVersion), read in the same transaction. Nothing else has to pass
the version along.

At start-up the POLICY_VERSION setting is recorded when it is first configured or changed (never over a version
governors recorded at a review since); records stored before versions were kept get the first one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, event, select, update
from sqlmodel import SQLModel

from storage.db import transaction
from storage.models import Concern, ContactCheck, ContactPermission, Declaration, PolicyReview, PolicyVersion

SETTING = "POLICY_VERSION setting"  # recorded_by for a version that came from the setting
STAMPED: tuple[type[SQLModel], ...] = (Concern, ContactCheck, ContactPermission, Declaration, PolicyReview)
_TABLE = PolicyVersion.__table__  # type: ignore[attr-defined]


def in_force(connection: Connection) -> str | None:
    newest = select(_TABLE.c.version).order_by(_TABLE.c.id.desc()).limit(1)
    return connection.execute(newest).scalar()


def _stamp(_mapper: Any, connection: Connection, target: Any) -> None:
    if target.policy_version is None:
        target.policy_version = in_force(connection)


def _adopt(_mapper: Any, connection: Connection, review: PolicyReview) -> None:
    """A review that approved a new version (stamped with the one it reviewed): the new one is in force from now."""
    if review.adopted_version:
        connection.execute(
            _TABLE.insert().values(
                version=review.adopted_version, in_force_from=review.reviewed_at, recorded_by=review.reviewed_by
            )
        )


for _model in STAMPED:
    event.listen(_model, "before_insert", _stamp)
event.listen(PolicyReview, "after_insert", _adopt)


def adopt_setting(engine: Engine, version: str, now: datetime) -> bool:
    """Record the configured version as in force from now, if it was never recorded or the setting has changed
    since it last was. Returns whether it was recorded."""
    with transaction(engine) as session:
        set_before = select(_TABLE.c.version).where(_TABLE.c.recorded_by == SETTING).order_by(_TABLE.c.id.desc())
        last_set = session.execute(set_before.limit(1)).scalar()
        if last_set == version:
            return False
        session.add(PolicyVersion(version=version, in_force_from=now, recorded_by=SETTING))
        if last_set is None:  # the first version kept: what was stored before was made under it
            for model in STAMPED:
                table = model.__table__  # type: ignore[attr-defined]
                session.execute(update(table).where(table.c.policy_version.is_(None)).values(policy_version=version))
        return True
