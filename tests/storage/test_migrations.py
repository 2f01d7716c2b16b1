"""Migration 0005 moves every audit_event and contact_event row into the one audit table, audit_entry. A database
filled through the 0004 schema (by SQL, not today's models) is upgraded: every row is there with every field equal,
each record's trail in the order it was written, and the stores read the moved trails and recognise their request
keys. A request key in both old tables stops the upgrade with nothing changed; the downgrade splits the table back.
Runs on SQLite, and on PostgreSQL when POLICYBOT_TEST_DATABASE_URL is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import bindparam, inspect, text
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from storage import audit
from storage.concerns import ConcernStore
from storage.contact_checks import ContactCheckStore
from storage.db import alembic_config, current_revision, make_engine, upgrade
from tests.conftest import new_database_url

BEFORE = "0004"  # today's schema, with audit_event and contact_event


def at(minute: int) -> datetime:
    return datetime(2026, 11, 25, 9, minute, 30, 123456, tzinfo=UTC)


# In id order. c4 was written after c3 though stamped earlier (two requests at once): its trail keeps that order.
CONCERN_EVENTS = {  # label: concern_id, at, actor_id, action, from_status, to_status, detail, note, request_key
    "c0": (1, at(0), "UREPORTER1", "reported", None, "new", "safeguarding", "", "submit:V1"),
    "c1": (1, at(1), "policybot", "delivered", None, None, None, "", None),
    "c2": (2, at(2), "UREPORTER2", "reported", None, "new", None, "", "submit:V2"),
    "c3": (1, at(6), "ULEAD1", "viewed_details", "new", "new", None, "", "ULEAD1:view:1"),
    "c4": (1, at(5), "ULEAD2", "acknowledged", "new", "acknowledged", None, "MARK-ack\nsecond line", "ULEAD2:ack:1"),
    "c5": (1, at(7), "ULEAD2", "escalated", "acknowledged", "escalated", "headteacher", "MARK-esc", "ULEAD2:esc:1"),
    "c6": (2, at(8), "policybot", "nudged", "new", "new", "nudge 1", "", None),
}
CONTACT_EVENTS = {  # label: subject, subject_id, at, actor_id, action, from_state, to_state, note, request_key
    "k0": ("check", 1, at(2), "UASKER1", "asked", None, "refer", "", "check:V3"),  # the same moment as c2
    "k1": ("check", 1, at(5), "UASKER1", "asked_leadership", "none", "pending", "", "UASKER1:ask:1"),
    "k2": ("declaration", 1, at(4), "UDECLARER1", "declared", None, "declared", "", "declare:V4"),
    "k3": ("check", 1, at(9), "policybot", "nudged", "pending", "pending", "nudge 1", None),
    "k4": ("review", 20270301, at(10), "UNOTGOV1", "refused_open_review", None, None, "", "UNOTGOV1:review:1"),
    "k5": ("check", 1, at(11), "ULEAD1", "approved", "pending", "approved", "MARK-note =SUM(A1)", "ULEAD1:decide:1"),
    "k6": ("declaration", 1, at(12), "ULEAD2", "acknowledged", "declared", "acknowledged", "", "ULEAD2:ackdecl:1"),
}
# Merged by time, each table in its own order; at the same moment, the concern's event first.
EXPECTED_ORDER = ["c0", "c1", "c2", "k0", "k1", "k2", "c3", "c4", "c5", "c6", "k3", "k4", "k5", "k6"]

ENTRY = ("subject_kind", "subject_id", "at", "actor_id", "action", "from_state", "to_state", "detail", "note")
CONCERN_EVENT = ("concern_id", "at", "actor_id", "action", "from_status", "to_status", "detail", "note")
CONTACT_EVENT = ("subject", "subject_id", "at", "actor_id", "action", "from_state", "to_state", "note")


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    for found in new_database_url(tmp_path, "migrate"):
        command.upgrade(alembic_config(found), BEFORE)
        yield found


def execute(url: str, sql: str, rows: list[dict[str, Any]], *times: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql).bindparams(*(bindparam(name, type_=UTCDateTime()) for name in times)), rows)
    finally:
        engine.dispose()


def insert(url: str, table: str, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    params = [dict(zip(names, row, strict=True)) for row in rows]
    execute(url, f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})", params, "at")


def fill(url: str) -> None:
    """Two concerns, and every event above, through the 0004 schema."""
    concern = {
        "reference": "SMP-2026-0001",
        "submission_key": "V1",
        "reporter_id": "UREPORTER1",
        "area": "content",
        "kind": "values",
        "platform": "tiktok",
        "roles": "public",
        "names": "",
        "description": "MARK-description",
        "links": "",
        "kept_copy": False,
        "safeguarding": True,
        "route_kind": "channel",
        "status": "escalated",
        "version": 3,
        "created_at": at(0),
        "updated_at": at(7),
        "delivery_attempts": 0,
    }
    second = {**concern, "reference": "SMP-2026-0002", "submission_key": "V2", "reporter_id": "UREPORTER2"}
    names = ", ".join(concern)
    values = ", ".join(f":{name}" for name in concern)
    execute(url, f"INSERT INTO concern ({names}) VALUES ({values})", [concern, second], "created_at", "updated_at")
    insert(url, "audit_event", (*CONCERN_EVENT, "request_key"), list(CONCERN_EVENTS.values()))
    insert(url, "contact_event", (*CONTACT_EVENT, "request_key"), list(CONTACT_EVENTS.values()))


def stored(url: str, table: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every row as the database holds it (no type conversion), in id order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = text(f"SELECT id, {', '.join(names)}, request_key FROM {table} ORDER BY id")
            return [dict(row) for row in conn.execute(query).mappings()]
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def as_entry(label: str, row: dict[str, Any]) -> dict[str, Any]:
    """An old row (c: audit_event, k: contact_event) as the audit_entry row it must become, without its id."""
    if label.startswith("c"):
        renamed = {"subject_kind": "concern", "subject_id": row["concern_id"]}
        renamed |= {"from_state": row["from_status"], "to_state": row["to_status"]}
    else:
        renamed = {"subject_kind": row["subject"], "detail": None}
    return {name: renamed[name] if name in renamed else row[name] for name in (*ENTRY, "request_key")}


def without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "id"}


def test_every_row_moves_with_every_field_and_every_trail_in_order(url: str) -> None:
    fill(url)
    old = {
        **dict(zip(CONCERN_EVENTS, stored(url, "audit_event", CONCERN_EVENT), strict=True)),
        **dict(zip(CONTACT_EVENTS, stored(url, "contact_event", CONTACT_EVENT), strict=True)),
    }
    assert old["c4"]["note"] == "MARK-ack\nsecond line" and old["k4"]["subject_id"] == 20270301  # filled as meant

    upgrade(url)

    assert {"audit_event", "contact_event"}.isdisjoint(tables(url)) and "audit_entry" in tables(url)
    moved = stored(url, "audit_entry", ENTRY)
    expected = {label: as_entry(label, row) for label, row in old.items()}
    # Nothing lost, nothing added, every field equal, in the order of writing.
    assert [without_id(row) for row in moved] == [expected[label] for label in EXPECTED_ORDER]
    assert [row["id"] for row in moved] == list(range(1, len(moved) + 1))
    written: dict[tuple[str, int], list[str]] = {}  # each record's labels, as its old table's ids ordered them
    for label, entry in expected.items():
        written.setdefault((entry["subject_kind"], entry["subject_id"]), []).append(label)
    assert len(written) == 5
    for subject, labels in written.items():
        trail = [without_id(row) for row in moved if (row["subject_kind"], row["subject_id"]) == subject]
        assert trail == [expected[label] for label in labels], subject


def test_the_stores_read_the_moved_trails_and_know_their_request_keys(url: str) -> None:
    fill(url)
    upgrade(url)
    engine = make_engine(url)
    try:
        concerns, checks = ConcernStore(engine), ContactCheckStore(engine)
        trail = [(e.action, e.from_state, e.to_state, e.detail) for e in concerns.events(1)]
        assert trail == [
            ("reported", None, "new", "safeguarding"),
            ("delivered", None, None, None),
            ("viewed_details", "new", "new", None),
            ("acknowledged", "new", "acknowledged", None),  # as written, though stamped a minute earlier
            ("escalated", "acknowledged", "escalated", "headteacher"),
        ]
        assert all(e.at.tzinfo is not None for e in concerns.events(1))
        assert concerns.events(1)[0].at == at(0)
        assert [e.action for e in audit.trail(engine, "review", 20270301)] == ["refused_open_review"]
        assert [e.action for e in audit.trail(engine, "declaration", 1)] == ["declared", "acknowledged"]
        assert checks.decision_note(1) == "MARK-note =SUM(A1)"

        # A Slack retry of a request handled before the upgrade is still recognised, whichever table it was in.
        def again(kind: str, subject: int, actor: str, action: str, moment: datetime, key: str) -> bool:
            return audit.append(engine, audit.entry(kind, subject, actor, action, moment, request_key=key))

        assert not again("concern", 2, "ULEAD1", "viewed_details", at(20), "ULEAD1:view:1")
        assert not again("check", 1, "UASKER1", "refused_ask_leadership", at(20), "UASKER1:ask:1")
        # New entries come after the moved ones (on PostgreSQL the id sequence starts after them; a refused insert
        # uses a number up there too).
        assert again("concern", 2, "ULEAD1", "viewed_details", at(21), "ULEAD1:view:2")
        newest = concerns.events(2)[-1]
        assert newest.action == "viewed_details" and (newest.id or 0) > len(EXPECTED_ORDER)
    finally:
        engine.dispose()


def test_a_request_key_in_both_old_tables_stops_the_upgrade_with_nothing_changed(url: str) -> None:
    fill(url)
    shared = ("check", 1, at(30), "ULEAD1", "x", None, None, "", "ULEAD1:view:1")  # c3's key
    insert(url, "contact_event", (*CONTACT_EVENT, "request_key"), [shared])

    with pytest.raises(RuntimeError, match="1 request key"):
        upgrade(url)

    assert current_revision(url) == BEFORE
    assert {"audit_event", "contact_event"} <= tables(url) and "audit_entry" not in tables(url)
    assert len(stored(url, "audit_event", CONCERN_EVENT)) == len(CONCERN_EVENTS)
    assert len(stored(url, "contact_event", CONTACT_EVENT)) == len(CONTACT_EVENTS) + 1


def test_the_downgrade_splits_the_table_back(url: str) -> None:
    fill(url)
    concern_events = stored(url, "audit_event", CONCERN_EVENT)
    contact_events = stored(url, "contact_event", CONTACT_EVENT)
    upgrade(url)
    engine = make_engine(url)
    try:  # an entry the old contact_event cannot hold as it is: a detail
        nudge = audit.entry("check", 1, "policybot", "nudged", at(40), from_state="pending", detail="nudge 2")
        assert audit.append(engine, nudge)
    finally:
        engine.dispose()

    command.downgrade(alembic_config(url), BEFORE)

    assert "audit_entry" not in tables(url)
    assert [without_id(r) for r in stored(url, "audit_event", CONCERN_EVENT)] == [without_id(r) for r in concern_events]
    back = stored(url, "contact_event", CONTACT_EVENT)
    assert [without_id(r) for r in back[:-1]] == [without_id(r) for r in contact_events]
    assert (back[-1]["action"], back[-1]["note"]) == ("nudged", "nudge 2")  # the detail, kept in the note
    upgrade(url)  # and up again
    assert len(stored(url, "audit_entry", ENTRY)) == len(EXPECTED_ORDER) + 1


def test_the_migrated_schema_is_the_models(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
