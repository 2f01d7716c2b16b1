"""The governors' export: by default it names nobody and holds nothing staff typed (every personal field is filled
with a marker, and no marker comes out); with details everything does. Times are the school's, CSV stays text."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, select, update
from sqlmodel import SQLModel

from flows.concerns import ConcernDraft
from flows.contact import Person
from flows.contact_requests import Relationship
from flows.permissions import People, place
from flows.taxonomy import Area, Kind, Role
from storage import logs as stored_logs
from storage import personal
from storage.audit import SYSTEM_ACTOR
from storage.concerns import ConcernStore
from storage.db import transaction
from storage.export import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    LOGS,
    PERMISSION_COLUMNS,
    _cell,
    _value,
    columns,
    export,
    missing_database,
    write,
)
from storage.tenancy import school_of
from tests.conftest import LONDON, NOW, csv_rows
from tests.storage.helpers import Contacts, one_of_everything

ALL_LOGS = list(LOGS)


def outputs(store: ConcernStore, contacts: Contacts, include_details: bool) -> dict[str, str]:
    found = {"json": export(store.engine, "json", include_details=include_details, tz=LONDON)}
    for log in ALL_LOGS:
        found[log] = export(store.engine, "csv", include_details=include_details, log=log, tz=LONDON)
    return found


def exported_columns() -> set[tuple[str, str]]:
    """Every (table, column) that the export with details carries."""
    found = {("contact_permission", name) for name in PERMISSION_COLUMNS}
    for table, names in LOGS.values():
        found |= {(table, n) for n in columns(table, names, True)}
    found |= {(AUDIT_TABLE, n) for n in columns(AUDIT_TABLE, AUDIT_COLUMNS, True) if n != "actor_role"}
    return found


def mark_every_personal_field(engine: Engine) -> dict[tuple[str, str], set[str]]:
    """Give a marker of its own to every personal field the stores left without one, and to every personal field the
    export never carries; then each personal (table, column) with the markers it holds."""
    exported, count = exported_columns(), 0
    with transaction(engine) as session:
        connection = session.connection()
        for name, table in SQLModel.metadata.tables.items():
            marked = [c for c in table.columns if personal.is_personal(name, c.name)]
            for row in list(connection.execute(select(table)).mappings()) if marked else []:
                values = {}
                for column in marked:
                    value = row[column.name]
                    kept = isinstance(value, str) and "MARK" in value or value == SYSTEM_ACTOR
                    if not kept or (name, column.name) not in exported:
                        count += 1
                        values[column.name] = f"MARK{count}X"  # short enough for every column; no marker in another
                key = next(iter(table.primary_key.columns))
                if values:
                    connection.execute(update(table).where(key == row[key.name]).values(**values))
        found: dict[tuple[str, str], set[str]] = {}
        for name, table in SQLModel.metadata.tables.items():
            for column in table.columns:
                if personal.is_personal(name, column.name):
                    stored = connection.execute(select(column)).scalars()
                    held = {v for v in stored if v != SYSTEM_ACTOR}
                    found[(name, column.name)] = held
    return found


def test_the_default_export_names_nobody_and_holds_nothing_typed(stores: tuple[ConcernStore, Contacts]) -> None:
    store, contacts = stores
    one_of_everything(store, contacts)
    markers = mark_every_personal_field(store.engine)
    for (table, name), values in markers.items():
        assert values and all("MARK" in v for v in values), f"{table}.{name} holds no marker: {values}"

    for what, text in outputs(store, contacts, include_details=False).items():
        assert "MARK" not in text, f"the default {what} export holds something personal"
        assert text.count("\n") > 1, what  # and it does hold the records

    detailed = outputs(store, contacts, include_details=True)
    exported = exported_columns()
    for (table, name), values in markers.items():
        for value in values:
            if (table, name) in exported:
                assert value in detailed["json"], f"{table}.{name} missing from the detailed export"
            else:  # bookkeeping: never exported
                assert not any(value in text for text in detailed.values()), f"{table}.{name} exported"
    every_csv = "".join(detailed[log] for log in ALL_LOGS)
    for log, (table, names) in LOGS.items():
        for name in columns(table, names, True):
            for value in markers.get((table, name), set()):
                assert value in detailed[log], f"{table}.{name} missing from the detailed {log} csv"
    for name in columns(AUDIT_TABLE, AUDIT_COLUMNS, True):
        for value in markers.get((AUDIT_TABLE, name), set()):
            assert value in every_csv, f"{AUDIT_TABLE}.{name} missing from the detailed csv"


def test_who_acted_is_a_role_by_default_and_an_id_with_details(stores: tuple[ConcernStore, Contacts]) -> None:
    store, contacts = stores
    one_of_everything(store, contacts)
    logs = json.loads(export(store.engine, "json", tz=LONDON))
    roles = {
        name: [(e["action"], e["actor_role"]) for e in logs[name][0]["audit"]]
        for name in ("concerns", "contact_checks", "declarations", "policy_reviews")
    }
    assert roles == {
        "concerns": [
            ("reported", "reporter"),
            ("delivered", "policybot"),
            ("acknowledged", "someone else"),
            ("resolved", "someone else"),
        ],
        "contact_checks": [("asked", "asker"), ("asked_leadership", "asker"), ("approved", "someone else")],
        "declarations": [("declared", "declarer"), ("acknowledged", "someone else")],
        "policy_reviews": [("refused_mark_review_done", "someone else"), ("reviewed", "someone else")],
    }
    assert logs["policy_reviews"][0] == {
        "id": 1,
        "review_on": "2026-09-01",
        "reviewed_at": "2026-11-25T09:30:00+00:00",
        "next_review_on": "2027-09-01",
        "policy_version": "2015-03",  # the policy reviewed...
        "adopted_version": "2026-09",  # ...and the one the governors approved at the review
        "audit": logs["policy_reviews"][0]["audit"],
    }
    assert logs["policy_reviews"][0]["audit"][1]["detail"] == "next review 2027-09-01; new policy version"
    assert {c["policy_version"] for c in logs["concerns"]} == {"2015-03"}
    assert all("actor_id" not in e and "note" not in e for e in logs["concerns"][0]["audit"])
    assert set(logs["contact_permissions"][0]) == {
        *("id", "person", "channel", "granted_at", "review_on", "check_id", "policy_version")
    }

    detailed = json.loads(export(store.engine, "json", include_details=True, tz=LONDON))
    event = detailed["concerns"][0]["audit"][2]
    assert (event["actor_role"], event["actor_id"], event["note"]) == ("someone else", "UMARKHEAD", "MARK-ack-note")


def test_an_empty_log_still_has_its_columns(stores: tuple[ConcernStore, Contacts]) -> None:
    store, contacts = stores
    declarations = export(store.engine, "csv", log="declarations", tz=LONDON)
    assert declarations == (
        "\ufeffid,declared_at,person,relationship,confirm_by,status,acknowledged_at,policy_version,"
        "event_at,event_actor_role,event_action,event_from_state,event_to_state,event_detail\r\n"
    )
    concerns = export(store.engine, "csv", tz=LONDON).removeprefix("\ufeff").strip().split(",")
    assert concerns[:3] == ["reference", "created_at", "area"] and "event_actor_role" in concerns
    detailed = export(store.engine, "csv", log="declarations", include_details=True, tz=LONDON)
    assert detailed.startswith("\ufeffid,declared_at,staff_id,") and detailed.strip().endswith(
        "event_actor_id,event_action,event_from_state,event_to_state,event_detail,event_note"
    )


def test_times_are_the_schools_with_the_offset_and_dates_stay_dates(stores: tuple[ConcernStore, Contacts]) -> None:
    store, contacts = stores
    people = People(frozenset({"UL1"}), frozenset({"UDSL"}), "UHEAD", "UCHAIR")
    for key, at in (
        ("V1", datetime(2026, 12, 2, 13, 4, 30, 123, tzinfo=UTC)),
        ("V2", datetime(2026, 7, 1, 8, 0, tzinfo=UTC)),
    ):
        draft = ConcernDraft("US1", Area.CONTENT, Kind.VALUES, "tiktok", frozenset({Role.PUBLIC}), description="x")
        store.create(draft, key, place(people, safeguarding=False, involved=None), at)
    contacts.declare("US1", Person.PUPIL_FAMILY.value, Relationship.FAMILY, "x", "V3", NOW, date(2027, 7, 1))
    logs = json.loads(export(store.engine, "json", tz=LONDON))
    assert [c["created_at"] for c in logs["concerns"]] == ["2026-12-02T13:04:30+00:00", "2026-07-01T09:00:00+01:00"]
    assert logs["concerns"][1]["audit"][0]["at"] == "2026-07-01T09:00:00+01:00"
    assert logs["declarations"][0]["confirm_by"] == "2027-07-01"
    rows = csv_rows(export(store.engine, "csv", tz=ZoneInfo("America/New_York")))
    assert rows[1]["created_at"] == "2026-07-01T04:00:00-04:00"


def test_a_naive_time_from_the_database_is_utc() -> None:
    assert _value(datetime(2026, 7, 1, 8, 0), LONDON) == "2026-07-01T09:00:00+01:00"
    assert _value(datetime(2026, 12, 2, 13, 4), LONDON) == "2026-12-02T13:04:00+00:00"
    assert _value(date(2026, 7, 1), LONDON) == "2026-07-01"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
@pytest.mark.parametrize("spaces", ["", " ", "   ", "\n ", "\u00a0"])
def test_a_cell_a_spreadsheet_would_run_stays_text(start: str, spaces: str) -> None:
    value = f'{spaces}{start}HYPERLINK("http://x")'
    assert _cell(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "a=b", "2026-07-01T09:00:00+01:00", "", 3, -3, None, True])
def test_other_cells_are_left_alone(value: object) -> None:
    assert _cell(value) == value


def test_a_typed_formula_comes_out_as_text(stores: tuple[ConcernStore, Contacts]) -> None:
    store, contacts = stores
    people = People(frozenset({"UL1"}), frozenset({"UDSL"}), "UHEAD", "UCHAIR")
    draft = ConcernDraft(
        "US1",
        Area.CONTENT,
        Kind.VALUES,
        "tiktok",
        frozenset({Role.PUBLIC}),
        names="  @SUM(A1)",
        description="-2+3",
    )
    store.create(draft, "V1", place(people, safeguarding=False, involved=None), NOW)
    row = csv_rows(export(store.engine, "csv", include_details=True, tz=LONDON))[0]
    assert (row["names"], row["description"]) == ("'@SUM(A1)", "'-2+3")  # the form strips the spaces


def test_a_database_not_yet_created_is_named_and_left_uncreated(tmp_path: Path) -> None:
    new = tmp_path / "new.db"
    assert missing_database(f"sqlite:///{new}") == str(new)
    assert not new.exists()
    new.touch()
    assert missing_database(f"sqlite:///{new}") is None
    assert missing_database("sqlite:///:memory:") is None
    assert missing_database("postgresql+psycopg://u:p@localhost/policybot") is None


def test_since_is_a_moment(stores: tuple[ConcernStore, Contacts]) -> None:
    store, contacts = stores
    one_of_everything(store, contacts)
    later = json.loads(export(store.engine, "json", since=NOW + timedelta(days=1), tz=LONDON))
    assert later == {
        "concerns": [],
        "contact_checks": [],
        "declarations": [],
        "policy_reviews": [],
        "contact_permissions": [],
    }


def test_the_export_and_the_stored_logs_name_the_same_logs() -> None:
    assert list(LOGS) == list(stored_logs.LOGS)


# --- streamed: written as it is read, from one snapshot, the JSON exactly json.dumps's --------------------------------


def seed(engine: Engine, count: int, typed: str = "typed", first: int = 1) -> None:
    """Concerns SMP-T-0001 on, straight into the tables, each reported and resolved (typed text in the description,
    the names and the resolving note), but the last, which has no trail at all."""
    concerns, entries = [], []
    for i in range(first, first + count):
        at = NOW + timedelta(hours=i)
        row = {"id": i, "reference": f"SMP-T-{i:04d}", "submission_key": f"T{i}", "reporter_id": f"UREP{i}"}
        row |= {"area": "content", "kind": "values", "platform": "tiktok", "roles": "public", "names": typed}
        row |= {"description": typed, "links": "", "kept_copy": False, "safeguarding": False, "route_kind": "channel"}
        row |= {"status": "new", "version": 1, "created_at": at, "updated_at": at}
        concerns.append(row | {"nudges_sent": 0})
        for actor, action, note in ((f"UREP{i}", "reported", ""), ("ULEAD", "resolved", typed)) if i < count else ():
            entry = {"subject_kind": "concern", "subject_id": i, "at": at, "actor_id": actor, "action": action}
            entries.append(entry | {"from_state": None, "to_state": None, "detail": None, "note": note})
    school = {"school_id": school_of(engine)}
    concerns, entries = [row | school for row in concerns], [entry | school for entry in entries]
    with transaction(engine) as session:
        session.connection().execute(SQLModel.metadata.tables["concern"].insert(), concerns)
        if entries:
            session.connection().execute(SQLModel.metadata.tables["audit_entry"].insert(), entries)


class Recording(io.StringIO):
    """An output that notes each write in `seen`, among the statements the export runs."""

    def __init__(self, seen: list[str]) -> None:
        super().__init__()
        self.seen = seen

    def write(self, text: str) -> int:
        self.seen.append("write")
        return super().write(text)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_each_batch_is_written_out_before_the_next_is_read(fresh_engine: Engine, fmt: str) -> None:
    """What keeps the memory flat: an export that read every record first, or built one string, fails this."""
    seed(fresh_engine, 7)
    seen: list[str] = []

    def statement(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        seen.append("read concerns" if "FROM concern " in sql else "read")

    event.listen(fresh_engine, "before_cursor_execute", statement)
    out = Recording(seen)
    write(out, fresh_engine, fmt, include_details=True, batch=2, tz=LONDON)
    event.remove(fresh_engine, "before_cursor_execute", statement)
    reads = [i for i, what in enumerate(seen) if what == "read concerns"]
    assert len(reads) == 4  # 7 concerns, 2 at a time
    for this, following in zip(reads, reads[1:], strict=False):
        assert "write" in seen[this:following], seen
    assert out.getvalue() == export(fresh_engine, fmt, include_details=True, tz=LONDON)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_batches_change_nothing_in_the_export(fresh_engine: Engine, fmt: str) -> None:
    seed(fresh_engine, 5)
    whole = export(fresh_engine, fmt, include_details=True, tz=LONDON)
    for batch in (1, 2, 5, 6):
        out = io.StringIO()
        write(out, fresh_engine, fmt, include_details=True, batch=batch, tz=LONDON)
        assert out.getvalue() == whole, batch
    since = NOW + timedelta(hours=3)  # SMP-T-0003 on
    later = export(fresh_engine, fmt, since, include_details=True, tz=LONDON)
    out = io.StringIO()
    write(out, fresh_engine, fmt, since, include_details=True, batch=1, tz=LONDON)
    assert out.getvalue() == later and "SMP-T-0002" not in later and "SMP-T-0003" in later


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_streamed_export_is_one_snapshot(fresh_engine: Engine, fmt: str) -> None:
    """Changes committed while an export is being written (after it has read its first batch) are not in it: not a
    new concern, not a new event of a concern it has not reached yet, not one of a concern it has written."""
    seed(fresh_engine, 4)
    before = export(fresh_engine, fmt, include_details=True, tz=LONDON)

    class Meanwhile(io.StringIO):
        changed = False

        def write(self, text: str) -> int:
            if "SMP-T-0001" in text and not self.changed:
                self.changed = True
                seed(fresh_engine, 1, first=9)
                late = {"subject_kind": "concern", "at": NOW, "actor_id": "ULATE", "action": "escalated", "note": ""}
                late["school_id"] = school_of(fresh_engine)
                # a new event of the concern written, and of one not read yet
                with transaction(fresh_engine) as session:
                    audit = SQLModel.metadata.tables["audit_entry"]
                    session.connection().execute(audit.insert(), [late | {"subject_id": i} for i in (1, 3)])
            return super().write(text)

    out = Meanwhile()
    write(out, fresh_engine, fmt, include_details=True, batch=1, tz=LONDON)
    assert out.changed and out.getvalue() == before
    after = export(fresh_engine, fmt, include_details=True, tz=LONDON)
    assert "SMP-T-0009" in after and after.count("ULATE") == 2


def test_the_json_is_the_document_json_dumps_makes(fresh_engine: Engine) -> None:
    typed = 'Zoë said "%s" \\ \u2028 \U0001f600 \x01 %(x)s\nline two\ttab'
    seed(fresh_engine, 3, typed)
    for details in (False, True):
        text = export(fresh_engine, "json", include_details=details, tz=LONDON)
        logs = json.loads(text)
        assert text == json.dumps(logs, indent=2) + "\n"
        assert [len(c["audit"]) for c in logs["concerns"]] == [2, 2, 0] and logs["declarations"] == []
        assert (logs["concerns"][0].get("description"), logs["concerns"][0]["audit"][1].get("note")) == (
            (typed, typed) if details else (None, None)
        )
    empty = io.StringIO()
    write(empty, fresh_engine, "json", NOW + timedelta(days=1), tz=LONDON)
    assert empty.getvalue() == json.dumps(json.loads(empty.getvalue()), indent=2) + "\n"
