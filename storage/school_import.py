"""Importing a trust's schools file into the database: idempotent (what changed is updated, and said), a school
missing from the file reported and kept with its records, and the school run from the settings handed over to one
of the file's only when the import names it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from flows.schools import School, SchoolRole, Trust
from storage.db import reading, transaction
from storage.models import (
    AuditEntry,
    Concern,
    ContactCheck,
    ContactPermission,
    Declaration,
    JobRun,
    OutboxMessage,
    PolicyReview,
    PolicyVersion,
    ReferenceCounter,
    ReviewReminder,
    State,
)
from storage.schools import SETTINGS_KEY, NoSuchSchool
from storage.tenancy import act_as, for_school
from storage.tenants import SchoolMember, SchoolRow

RECORDS = (Concern, ContactCheck, Declaration, PolicyReview, AuditEntry)  # a school with any of these is adopted
LEFTOVERS = (ContactPermission, PolicyVersion, JobRun, ReviewReminder, ReferenceCounter, OutboxMessage)


@dataclass
class Imported:
    """What an import did, for the one summary line per school the command prints."""

    added: list[str] = field(default_factory=list)  # schools new to the database
    updated: dict[str, tuple[int, int]] = field(default_factory=dict)  # key: (people added, people removed)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the database, not in the file: kept, with their records
    adopted: str | None = None  # the school the settings ran, now the file's school of this key


def import_trust(engine: Engine, trust: Trust, now: datetime, adopt: str | None = None) -> Imported:
    """Store the file's schools and people, in one transaction. The school run from the settings, if it holds
    records, becomes the file's school `adopt` (its records with it); without `adopt` it is refused (DomainError)."""
    done = Imported()
    keys = {school.key for school in trust.schools}
    if adopt is not None and adopt not in keys:
        raise NoSuchSchool(f"--adopt {adopt}: the file has no school with that key")
    with transaction(engine) as session:
        stored = {row.key: row for row in session.exec(select(SchoolRow)).all()}
        from_settings = next((row for row in stored.values() if row.from_settings), None)
        if from_settings is not None:
            if adopt in stored and stored[adopt] is not from_settings:  # a file's school may be keyed "school" too
                raise NoSuchSchool(f"--adopt {adopt}: that school is stored already, with records of its own")
            _hand_over(session, from_settings, adopt, done)
            stored.pop(SETTINGS_KEY, None)
            if done.adopted:
                stored[done.adopted] = from_settings
        for school in trust.schools:
            row = stored.get(school.key)
            if row is None:
                row = SchoolRow(key=school.key)
                done.added.append(school.key)
            changed = _describe(row, school, now)
            session.add(row)
            session.flush()
            added, removed = _members(session, row.id, school.members())
            if school.key not in done.added and (changed or added or removed):
                done.updated[school.key] = (added, removed)
            elif school.key not in done.added:
                done.unchanged.append(school.key)
        _members(session, None, frozenset((SchoolRole.TRUST_SAFEGUARDING_LEAD, u) for u in trust.safeguarding_leads))
        done.missing = sorted(set(stored) - keys)
    return done


def _hand_over(session: Session, row: SchoolRow, adopt: str | None, done: Imported) -> None:
    """The school run from the settings: the file's school `adopt` takes it over (records and all); or, with no
    records, it goes; with records and no `adopt`, the import is refused."""
    if adopt is not None:
        row.key, row.from_settings, done.adopted = adopt, False, adopt
        return
    assert row.id is not None
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with reading(for_school(engine, row.id)) as scoped:
        held = any(scoped.exec(select(kind.id).limit(1)).first() for kind in RECORDS)
        waiting = scoped.exec(select(OutboxMessage.id).where(OutboxMessage.state == State.PENDING).limit(1)).first()
    if held or waiting:
        raise NoSuchSchool(
            "this database holds the records of the school run from the settings: say which school of the file "
            "it is with --adopt KEY (its records become that school's)"
        )
    # What the bot keeps even with no record (the policy version it started under, its job runs, messages sent):
    # the school's, so they go with it.
    connection = session.connection()
    act_as(connection, row.id)
    for model in LEFTOVERS:
        table = model.__table__  # type: ignore[union-attr]
        connection.execute(delete(table).where(table.c.school_id == row.id))
    session.delete(row)
    session.flush()


def _describe(row: SchoolRow, school: School, now: datetime) -> bool:
    """Give the row the file's description of the school; whether anything changed."""
    wanted = {
        "name": school.name,
        "team_id": school.team_id,
        "leadership_channel": school.leadership_channel,
        "timezone": school.timezone,
        "working_hours": school.working_hours,
        "closures": "\n".join(school.closures) or None,
        "policy_review_date": school.policy_review_date,
        "contact_rules": school.contact_rules,
    }
    changed = any(getattr(row, name) != value for name, value in wanted.items())
    for name, value in wanted.items():
        setattr(row, name, value)
    row.imported_at = now
    return changed


def _members(session: Session, school_id: int | None, wanted: frozenset[tuple[SchoolRole, str]]) -> tuple[int, int]:
    """Make the school's (or, with None, the trust's) people by role what the file says: (added, removed)."""
    school = col(SchoolMember.school_id)
    where = school == school_id if school_id is not None else school.is_(None)
    have = {(m.role, m.slack_id): m for m in session.exec(select(SchoolMember).where(where)).all()}
    gone = set(have) - wanted
    if gone:
        session.execute(delete(SchoolMember).where(col(SchoolMember.id).in_([have[g].id for g in gone])))
    for role, slack_id in sorted(wanted - set(have)):
        session.add(SchoolMember(school_id=school_id, role=role, slack_id=slack_id))
    return len(wanted - set(have)), len(gone)
