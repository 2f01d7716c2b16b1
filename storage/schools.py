"""The schools this deployment serves and their people by role: the one school run from the settings, and a trust's
schools imported from its file (idempotent: what changed is updated, a school missing from the file is reported and
keeps its records). Not records of a school: they say which school an event belongs to, so no school scopes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from flows.errors import DomainError
from flows.schools import School, SchoolRole, Trust
from storage.db import reading, transaction
from storage.models import Concern, ContactCheck, Declaration, SchoolMember, SchoolRow
from storage.tenancy import for_school, school_of

SETTINGS_KEY = "school"  # the key of the school run from the settings (migration 0012)


class NoSuchSchool(DomainError):
    """A school asked for by key that this deployment does not serve (a sentence for the person asking)."""


def settings_school(engine: Engine) -> Engine:
    """`engine`, for the one school run from the settings (no schools file imported)."""
    with reading(engine) as session:
        row = session.exec(select(SchoolRow).where(SchoolRow.from_settings)).first()
    if row is None or row.id is None:
        raise NoSuchSchool(
            "this database holds a trust's schools, imported from a schools file (`policybot schools list`), and "
            "this version of policybot serves only the one school its settings describe"
        )
    return for_school(engine, row.id)


def for_key(engine: Engine, key: str) -> Engine:
    """`engine`, for the school with this key (--school KEY)."""
    with reading(engine) as session:
        row = session.exec(select(SchoolRow).where(SchoolRow.key == key)).first()
    if row is None or row.id is None:
        raise NoSuchSchool(f"no school has the key {key!r} here (`policybot schools list` lists them)")
    return for_school(engine, row.id)


def chosen(engine: Engine, key: str | None) -> Engine:
    """`engine`, for the school a command names (--school KEY); with none named, the one school there is (or the one
    run from the settings); NoSuchSchool, saying to choose, when there are several."""
    if key is not None:
        return for_key(engine, key)
    with reading(engine) as session:
        rows = session.exec(select(SchoolRow).order_by(SchoolRow.key)).all()
    settings = [row for row in rows if row.from_settings]
    if len(rows) == 1 or settings:
        row = settings[0] if settings else rows[0]
        assert row.id is not None
        return for_school(engine, row.id)
    raise NoSuchSchool(
        f"this database holds {len(rows)} schools ({', '.join(row.key for row in rows)}): choose one with --school KEY"
    )


def every_school(engine: Engine) -> list[Engine]:
    """`engine`, for each school in turn (what is done for the whole database, a school at a time)."""
    with reading(engine) as session:
        ids = session.exec(select(SchoolRow.id).order_by(SchoolRow.key)).all()
    return [for_school(engine, school) for school in ids if school is not None]


def zone_of(engine: Engine, settings_zone: str) -> str:
    """The time zone of the school `engine` is opened for: its own, or for the school run from the settings, theirs."""
    with reading(engine) as session:
        row = session.get(SchoolRow, school_of(engine))
    return settings_zone if row is None or row.from_settings else row.timezone


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
            if adopt in stored:
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
        holds_records = any(
            scoped.exec(select(kind.id).limit(1)).first() for kind in (Concern, ContactCheck, Declaration)
        )
    if holds_records:
        raise NoSuchSchool(
            "this database holds the records of the school run from the settings: say which school of the file "
            "it is with --adopt KEY (its records become that school's)"
        )
    session.delete(row)
    session.flush()


def _describe(row: SchoolRow, school: School, now: datetime) -> bool:
    """Give the row the file's description of the school; whether anything changed."""
    wanted = {
        "name": school.name,
        "team_id": school.team_id,
        "leadership_channel": school.leadership_channel,
        "timezone": school.timezone,
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


@dataclass(frozen=True)
class Listed:
    key: str
    name: str
    team_id: str | None
    leadership_channel: str | None
    timezone: str
    from_settings: bool
    people: int  # distinct people and user groups named at the school


def listed(engine: Engine) -> list[Listed]:
    """Every school served, in key order."""
    with reading(engine) as session:
        rows = session.exec(select(SchoolRow).order_by(SchoolRow.key)).all()
        members = session.exec(select(SchoolMember)).all()
    named: dict[int | None, set[str]] = {}
    for member in members:
        named.setdefault(member.school_id, set()).add(member.slack_id)
    return [
        Listed(r.key, r.name, r.team_id, r.leadership_channel, r.timezone, r.from_settings, len(named.get(r.id, ())))
        for r in rows
    ]
