"""The schools this deployment serves and their people by role (the one school run from the settings, or a trust's
schools imported from its file: storage.school_import), and the database opened for one of them. Not records of a
school: they say which school an event belongs to, so no school scopes them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import col, select

from flows.errors import DomainError
from flows.schools import School, SchoolRole
from flows.slack_ids import USERGROUP_ID
from storage.db import reading
from storage.tenancy import for_school, school_of
from storage.tenants import SchoolMember, SchoolRow

SETTINGS_KEY = "school"  # the key of the school run from the settings (migration 0012)


class NoSuchSchool(DomainError):
    """A school asked for by key that this deployment does not serve (a sentence for the person asking)."""


def settings_school(engine: Engine) -> Engine:
    """`engine`, for the one school run from the settings (no schools file imported)."""
    with reading(engine) as session:
        row = session.exec(select(SchoolRow).where(SchoolRow.from_settings)).first()
    if row is None or row.id is None:
        raise NoSuchSchool(
            "this database holds a trust's schools, imported from a schools file (`policybot schools list`), not "
            "the one school the settings describe"
        )
    return for_school(engine, row.id)


def for_key(engine: Engine, key: str) -> Engine:
    """`engine`, for the school with this key (--school KEY)."""
    with reading(engine) as session:
        row = session.exec(select(SchoolRow).where(SchoolRow.key == key)).first()
    if row is None or row.id is None:
        raise NoSuchSchool(f"no school has the key {key!r} here (`policybot schools list` lists them)")
    return for_school(engine, row.id)


def chosen(engine: Engine, key: str | None, every: bool = False) -> Engine:
    """`engine`, for the school a command names (--school KEY); with none named, the one school there is (or the one
    run from the settings); NoSuchSchool, saying to choose, when there are several (`every`: the command can take
    every school, with --all-schools, and says so)."""
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
        + (", or every school with --all-schools" if every else "")
    )


def every_school(engine: Engine) -> list[Engine]:
    """`engine`, for each school in turn (what is done for the whole database, a school at a time)."""
    return [opened for _, opened in by_key(engine)]


def by_key(engine: Engine) -> list[tuple[str, Engine]]:
    """Each school's key, and `engine` opened for it, in key order."""
    with reading(engine) as session:
        rows = session.exec(select(SchoolRow.key, SchoolRow.id).order_by(SchoolRow.key)).all()
    return [(key, for_school(engine, school)) for key, school in rows if school is not None]


def zone_of(engine: Engine, settings_zone: str) -> str:
    """The time zone of the school `engine` is opened for: its own, or for the school run from the settings, theirs."""
    with reading(engine) as session:
        row = session.get(SchoolRow, school_of(engine))
    return settings_zone if row is None or row.from_settings else row.timezone


def described(engine: Engine) -> list[tuple[int, School]]:
    """Each school imported from the file, as the file described it (its id with it), in key order; the trust's own
    safeguarding leads, who belong to no school, apart (`trust_leads`)."""
    with reading(engine) as session:
        rows = session.exec(select(SchoolRow).where(col(SchoolRow.from_settings).is_(False))).all()
        members = session.exec(select(SchoolMember).where(col(SchoolMember.school_id).is_not(None))).all()
    held: dict[int | None, dict[SchoolRole, set[str]]] = {}
    for member in members:
        held.setdefault(member.school_id, {}).setdefault(member.role, set()).add(member.slack_id)
    return [(row.id, _school(row, held.get(row.id, {}))) for row in sorted(rows, key=lambda r: r.key) if row.id]


def trust_leads(engine: Engine) -> frozenset[str]:
    with reading(engine) as session:
        role = SchoolMember.role == SchoolRole.TRUST_SAFEGUARDING_LEAD
        return frozenset(session.exec(select(SchoolMember.slack_id).where(role)).all())


def _school(row: SchoolRow, roles: dict[SchoolRole, set[str]]) -> School:
    def people(role: SchoolRole) -> frozenset[str]:
        return frozenset(i for i in roles.get(role, ()) if not USERGROUP_ID.match(i))

    def group(role: SchoolRole) -> str | None:
        return next((i for i in sorted(roles.get(role, ())) if USERGROUP_ID.match(i)), None)

    return School(
        key=row.key,
        name=row.name,
        team_id=row.team_id or "",
        leadership_channel=row.leadership_channel or "",
        headteacher=min(people(SchoolRole.HEADTEACHER), default=""),
        chair=min(people(SchoolRole.CHAIR), default=""),
        safeguarding_leads=people(SchoolRole.SAFEGUARDING_LEAD),
        staff=people(SchoolRole.STAFF),
        leaders=people(SchoolRole.LEADER),
        governors=people(SchoolRole.GOVERNOR),
        staff_usergroup=group(SchoolRole.STAFF),
        leaders_usergroup=group(SchoolRole.LEADER),
        governors_usergroup=group(SchoolRole.GOVERNOR),
        timezone=row.timezone,
        working_hours=row.working_hours,
        closures=tuple(row.closures.splitlines()) if row.closures else (),
        policy_review_date=row.policy_review_date,
        contact_rules=row.contact_rules,
    )


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


def trust_held(url: str) -> bool:
    """Whether the database at `url` holds a trust's schools, imported from a schools file (then the one school's
    settings are not needed); False for a database not made yet, with no schema yet, or that does not answer (what
    comes next says why)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import make_engine
    from storage.export import missing_database

    if missing_database(url) is not None:
        return False
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("school"):
            return False
        with reading(engine) as session:
            imported = select(SchoolRow.id).where(col(SchoolRow.from_settings).is_(False))
            return session.exec(imported).first() is not None
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()
