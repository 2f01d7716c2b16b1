"""Two schools in one database: each school's engine reads, changes, sends, exports and claims its own rows and
nothing of the other's; with no school nothing is read or written at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, and_, func, insert, join, select, text, union_all, update
from sqlalchemy.orm import aliased

from flows.permissions import Act, RecordKind
from flows.schools import SchoolRole, parse_trust
from storage import audit, tenancy
from storage.commands import Changed, change
from storage.concerns import ConcernStore
from storage.db import make_engine, reading, transaction
from storage.export import export
from storage.models import AuditEntry, Concern, JobRun, OutboxMessage, State
from storage.outbox import OutboxStore
from storage.outbox_messages import Message
from storage.retention import claim_period
from storage.school_import import import_trust
from storage.schools import described, for_key, trust_leads
from storage.subject_access import gather
from storage.tenancy import NoSchool, act_as, school_of
from storage.tenants import SchoolMember, SchoolRow
from tests.conftest import NOW, PEOPLE, ROOT, migrated_database_url
from tests.storage.helpers import a_concern, command

TRUST = parse_trust((ROOT / "examples" / "schools.toml").read_text())
# What each wall says when it refuses (for whoever reads the traceback): which one stopped the statement.
ASKED_WITH_NO_SCHOOL = "^a school's records were asked for with no school$"
WRITTEN_WITH_NO_SCHOOL = "^a school's record was written with no school$"
ANOTHER_SCHOOLS = "^a record of another school was written$"
NOT_ONE_BY_ONE = "^a school's rows are written one by one, each checked$"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """North (the school the settings ran, adopted) and south, each with one concern; opened for no school."""
    for url in migrated_database_url(tmp_path_factory.mktemp("tenancy"), "tenancy"):
        raw = make_engine(url)
        import_trust(raw, TRUST, NOW, adopt="north")
        a_concern(for_key(raw, "north"))
        a_concern(for_key(raw, "south"))
        yield raw
        raw.dispose()


@pytest.fixture
def schools(database: Engine) -> tuple[Engine, Engine]:
    return for_key(database, "north"), for_key(database, "south")


def ids(engine: Engine) -> list[int]:
    """The school's first concern (each test adds none)."""
    return [c.id or 0 for c in ConcernStore(engine).open_concerns()]


def test_each_school_sees_its_own_concerns_and_counts_its_own_references(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    [north_id], [south_id] = ids(north), ids(south)
    assert north_id != south_id
    assert ConcernStore(north).get(south_id) is None and ConcernStore(south).get(north_id) is None
    assert ConcernStore(north).events(south_id) == []
    mine, theirs = ConcernStore(north).get(north_id), ConcernStore(south).get(south_id)
    assert mine is not None and theirs is not None
    assert (mine.reference, theirs.reference) == ("SMP-NORTH-2026-0001", "SMP-SOUTH-2026-0001")
    assert ConcernStore(north).by_reference(theirs.reference) is None
    with reading(north) as session:  # a count with no column of the table's own: limited all the same
        assert session.scalar(select(func.count()).select_from(Concern)) == 1


def test_a_leader_of_one_school_cannot_change_the_others_record(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    [south_id] = ids(south)
    lead = sorted(PEOPLE.leadership)[0]
    reached = change(north, PEOPLE, command(RecordKind.CONCERN, south_id, Act.ACKNOWLEDGE, lead, version=1))
    assert not isinstance(reached, Changed)
    still = ConcernStore(south).get(south_id)
    assert still is not None and still.version == 1 and still.acknowledged_by is None
    assert [e.action for e in audit.trail(south, "concern", south_id)] == ["reported"]


def test_each_school_sends_only_its_own_messages(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    OutboxStore(north).put([Message("reply:north", None, "UN1", "to north")], NOW)  # (a reply: no record)
    OutboxStore(south).put([Message("reply:south", None, "ULEADS", "to south")], NOW)
    claimed = OutboxStore(north).claim_due(NOW, replies=False, limit=100)
    assert "reply:south" not in {c.row.key for c in claimed} and "reply:north" in {c.row.key for c in claimed}
    assert all(c.row.school_id == school_of(north) for c in claimed)
    assert OutboxStore(north).target("reply:south") is None


def test_exports_and_subject_access_hold_one_schools_records(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    [south_id] = ids(south)
    theirs = ConcernStore(south).get(south_id)
    assert theirs is not None
    document = export(north, "json", include_details=True, tz=UTC)
    assert "SMP-NORTH-2026-0001" in document and theirs.reference not in document
    assert gather(north, "USTAFF", NOW)["records"] == 1  # the reporter's concern at north only
    assert gather(south, "USTAFF", NOW)["records"] == 1


def test_job_claims_are_each_schools(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    assert claim_period(north, "retention", "2026-12") and claim_period(south, "retention", "2026-12")
    assert not claim_period(north, "retention", "2026-12")


def test_with_no_school_nothing_is_read_or_written(database: Engine) -> None:
    raw = database
    assert school_of(raw) is None
    with pytest.raises(NoSchool, match=ASKED_WITH_NO_SCHOOL):
        ConcernStore(raw).open_concerns()
    with pytest.raises(NoSchool):
        OutboxStore(raw).waiting()
    with pytest.raises(NoSchool, match=ASKED_WITH_NO_SCHOOL):
        claim_period(raw, "retention", "2027-01")  # plain SQL, through a session: it asks for its school itself
    with pytest.raises(NoSchool, match=WRITTEN_WITH_NO_SCHOOL), transaction(raw) as session:
        session.add(JobRun(name="retention", period="2027-01"))
    with pytest.raises(NoSchool, match=ASKED_WITH_NO_SCHOOL), reading(raw) as session:
        session.execute(select(OutboxMessage.id)).all()
    with pytest.raises(NoSchool, match=ASKED_WITH_NO_SCHOOL), reading(raw) as session:
        # Plain SQL typed with a scoped model's columns: its table is named by the columns alone.
        session.execute(text("SELECT id FROM concern").columns(Concern.id)).all()


def test_a_row_of_another_school_is_never_written(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    [north_id] = ids(north)
    with pytest.raises(NoSchool, match=ANOTHER_SCHOOLS), transaction(south) as session:
        session.add(JobRun(name="retention", period="2027-02", school_id=school_of(north)))
    with pytest.raises(NoSchool, match=ANOTHER_SCHOOLS), transaction(south) as session:
        # A row that is no school's record (a person of the school), then one of north's: each row is checked.
        session.add(SchoolMember(school_id=school_of(south), role=SchoolRole.STAFF, slack_id="UNEW"))
        session.add(JobRun(name="retention", period="2027-02", school_id=school_of(north)))
    with reading(north) as session:
        row = session.get(Concern, north_id)
        assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.period == "2027-02")) == 0
    with reading(south) as session:
        assert session.scalar(select(func.count(SchoolMember.id)).where(SchoolMember.slack_id == "UNEW")) == 0
    assert row is not None
    row.description = "moved"
    with pytest.raises(NoSchool, match=ANOTHER_SCHOOLS), transaction(south) as session:
        session.add(row)  # another school's record, carried over into this school's session
    assert ConcernStore(north).get(north_id).description == "x"  # type: ignore[union-attr]


def test_each_school_reads_back_as_the_file_described_it(database: Engine) -> None:
    assert [school for _, school in described(database)] == list(TRUST.schools)
    assert trust_leads(database) == TRUST.safeguarding_leads
    with reading(database) as session:  # and says when the file last described it
        assert session.execute(select(SchoolRow.key, SchoolRow.imported_at)).all() == [("north", NOW), ("south", NOW)]


def test_the_shapes_the_criteria_do_not_reach_are_limited_or_refused(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    [north_id], [south_id] = ids(north), ids(south)
    with reading(north) as session:
        joined = select(func.count()).select_from(join(Concern, AuditEntry, AuditEntry.subject_id == Concern.id))
        assert session.scalar(joined) == session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.subject_kind == "concern")
        )
        # Plain tables joined on a person, who reported a concern at each school: each side is north's alone.
        concern, trail = Concern.__table__, AuditEntry.__table__  # type: ignore[attr-defined]
        by_person = join(concern, trail, trail.c.actor_id == concern.c.reporter_id)
        assert session.scalar(select(func.count()).select_from(by_person).where(trail.c.action == "reported")) == 1
        assert session.scalars(select(aliased(Concern).id)).all() == [north_id]
        assert session.scalars(union_all(select(Concern.id), select(Concern.id))).all() == [north_id, north_id]
        # Every concern, with its escalation if it had one: north's concern, never escalated, is there all the same.
        escalated = and_(AuditEntry.subject_id == Concern.id, AuditEntry.action == "escalated")
        assert session.execute(select(Concern.id, AuditEntry.at).outerjoin(AuditEntry, escalated)).all() == [
            (north_id, None)
        ]
        # The same as a count of no entity: the side that found no row keeps it (1, not 0).
        outer = concern.outerjoin(trail, and_(trail.c.subject_id == concern.c.id, trail.c.action == "escalated"))
        assert session.scalar(select(func.count()).select_from(outer)) == 1
    with transaction(north) as session:  # a plain table's UPDATE, through the session: north's rows only
        session.execute(update(Concern.__table__).values(links="north only"))  # type: ignore[attr-defined]
    assert ConcernStore(south).get(south_id).links == ""  # type: ignore[union-attr]
    assert ConcernStore(north).get(north_id).links == "north only"  # type: ignore[union-attr]
    with pytest.raises(NoSchool, match=NOT_ONE_BY_ONE), transaction(north) as session:
        session.execute(insert(JobRun).values(name="retention", period="2027-03", school_id=school_of(south)))
    with reading(north) as session:
        theirs = session.get(Concern, north_id)
    with pytest.raises(NoSchool, match=ANOTHER_SCHOOLS), transaction(south) as session:
        session.add(theirs)  # another school's row, carried into this school's session...
        session.delete(theirs)  # ...and deleted there
    assert ConcernStore(north).get(north_id) is not None


def test_two_schools_may_send_messages_of_the_same_key(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    same = "review:20270301:remind:30 days:UGOVBOTH"  # a governor of both schools, reminded of each one's review
    OutboxStore(north).put([Message(same, None, "UGOVBOTH", "north's review")], NOW)
    OutboxStore(south).put([Message(same, None, "UGOVBOTH", "south's review")], NOW)
    mine, theirs = OutboxStore(north).target(same), OutboxStore(south).target(same)
    assert mine is not None and theirs is not None and (mine.text, theirs.text) == ("north's review", "south's review")
    assert not OutboxStore(north).sent(theirs, "D1", "1.1", NOW)  # another school's row: not this store's to finish
    assert OutboxStore(south).target(same).state == State.PENDING  # type: ignore[union-attr]


def test_each_transaction_of_a_schools_engine_names_its_school_to_the_database(
    database: Engine, schools: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    north, south = schools
    named: list[int] = []
    monkeypatch.setattr(tenancy, "act_as", lambda _connection, school: named.append(school))
    for engine in (north, database, south):  # the engine of no school names none
        with engine.begin():
            pass
    assert named == [school_of(north), school_of(south)]


class PostgreSQL:
    """What `act_as` uses of a connection to PostgreSQL (row-level security is PostgreSQL's: the tests of the
    database itself run only on a PostgreSQL server)."""

    dialect = SimpleNamespace(name="postgresql")

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def exec_driver_sql(self, sql: str, parameters: dict[str, Any]) -> None:
        self.sent.append((sql, parameters))


def test_on_postgresql_the_school_is_set_for_the_rest_of_the_transaction_as_row_level_security_reads_it() -> None:
    postgresql = PostgreSQL()
    act_as(postgresql, 7)  # type: ignore[arg-type]
    [(sql, parameters)] = postgresql.sent
    # set_config(name, value, is_local): local, for this transaction only; the name migration 0013's policies read.
    assert sql.upper().startswith("SELECT ") and sql.endswith(" set_config(%(name)s, %(school)s, true)")
    assert parameters == {"name": "policybot.school", "school": "7"}


def test_an_update_that_would_move_records_to_another_school_is_refused(schools: tuple[Engine, Engine]) -> None:
    north, south = schools
    [north_id] = ids(north)
    with pytest.raises(NoSchool, match="never changed"), transaction(north) as session:
        session.execute(update(Concern).values(school_id=school_of(south)))
    with pytest.raises(NoSchool, match="never changed"), transaction(north) as session:
        session.execute(update(Concern.__table__).values(school_id=school_of(south)))  # type: ignore[attr-defined]
    assert ConcernStore(north).get(north_id) is not None
