"""The migrations against databases with records in them. Migration 0005 moves every audit_event and contact_event
row into the one audit table, audit_entry: a database filled through the 0004 schema (by SQL, not today's models) is
upgraded, every row is there with every field equal, each record's trail in the order it was written, and the stores
read the moved trails and recognise their request keys. A request key in both old tables stops the upgrade with
nothing changed; the downgrade splits the table back.

From every earlier revision, a database holding what a school's holds (as much as that revision could: records
stored before the outbox with messages still to send among them) is upgraded: every row keeps every value in every
column the models still have, what was still to send is carried in the outbox, the schema is the models', and,
from before the outbox, the sender then sends each message once however often the bot starts. The downgrade gives
0010's start-up hand-over what is still to send. Runs on SQLite, and on PostgreSQL when POLICYBOT_TEST_DATABASE_URL
is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import bindparam, inspect, text
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.installs import with_install_tables
from sandbox.slack import LocalSlack
from storage import audit
from storage.concerns import ConcernStore
from storage.contact_checks import ContactCheckStore
from storage.db import MIGRATIONS, alembic_config, current_revision, make_engine, upgrade
from storage.declarations import DeclarationStore
from tests.bot.conftest import CHANNEL, HEAD, LEAD
from tests.bot.helpers import Clock, build, settle
from tests.conftest import new_database_url, school_engine

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
    engine = school_engine(url)
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
    engine = school_engine(url)
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
            # the models' tables, and Slack's install tables as slack_sdk's stores define them
            assert compare_metadata(context, with_install_tables(SQLModel.metadata)) == []
    finally:
        engine.dispose()


# --- From every earlier revision, with records in it --------------------------------------------------------------

SCRIPTS = ScriptDirectory(str(MIGRATIONS))
EARLIER = [s.revision for s in reversed(list(SCRIPTS.walk_revisions())) if s.revision != SCRIPTS.get_current_head()]
BEFORE_THE_OUTBOX = [r for r in EARLIER if "0004" <= r < "0006"]  # every kind of undelivered record could be stored
LEADS = ("UDSL9", "UDSL8")  # the safeguarding leads; a concern stored before the outbox had alerted the first
REPORTERS = ("UREP1", "UREP2", "UREP3", "UREP4", "UREP5")
ASKERS = ("UASK1", "UASK2", "UASK3", "UASK4")
NEEDS = "_needs"  # a row stored only where this "table.column" is: the state it holds could not be stored before
KEYS = {"reference_counter": "year"}  # a table's primary key, where it is not "id"


def concern(n: int, **more: Any) -> dict[str, Any]:
    """A concern in every column any revision gave it (each revision takes those it has)."""
    row = {"id": n, "reference": f"SMP-2026-{n:04d}", "submission_key": f"V{n}", "reporter_id": REPORTERS[n - 1]}
    row |= {"area": "content", "kind": "values", "platform": "tiktok", "roles": "public", "names": f"MARK-names-{n}"}
    row |= {"description": f"MARK-description-{n}", "links": "", "kept_copy": False, "safeguarding": False}
    row |= {"route_kind": "channel", "status": "new", "version": 1, "created_at": at(n), "updated_at": at(n)}
    return row | {"delivery_attempts": 0, "alerted_ids": "", "nudges_sent": 0, "nudge_progress": ""} | more


def check(n: int, status: str, **more: Any) -> dict[str, Any]:
    row = {"id": n, "submission_key": f"C{n}", "asked_by": ASKERS[n - 1], "asked_at": at(10 + n)}
    row |= {"person": "COLLEAGUE", "channel": "PERSONAL_PHONE", "under_18": False, "person_described": f"MARK-{n}"}
    row |= {"verdict": "PERMITTED" if status == "none" else "REFER", "rule_ids": "R1", "request_status": status}
    row |= {"version": 1, "nudges_sent": 0, "nudge_progress": ""}
    return row | {"requested_at": None if status == "none" else at(10 + n)} | more


def declaration(n: int, **more: Any) -> dict[str, Any]:
    row = {"id": n, "submission_key": f"D{n}", "staff_id": f"UDECL{n}", "person": "PUPIL_FAMILY"}
    row |= {"relationship": "neighbour", "person_described": f"MARK-declared-{n}", "declared_at": at(20 + n)}
    return row | {"confirm_by": date(2027, 11, 25), "status": "declared", "version": 1} | more


def outbox_row(row_id: int, key: str, subject: tuple[str, int] | None, ts: str | None, **more: Any) -> dict[str, Any]:
    kind, record_id = subject or (None, None)
    row = {"id": row_id, "key": key, "subject_kind": kind, "subject_id": record_id, "send": "post", "channel": CHANNEL}
    row |= {"text": "", "blocks": "", "revision": 1, "state": "sent", "created_at": at(1), "next_attempt_at": at(1)}
    row |= {"attempts": 1, "unsure": False, "sent_channel": CHANNEL if ts else None, "sent_ts": ts}
    return row | {"sent_at": at(1) if ts else None, NEEDS: "outbox_message.id"} | more


def records() -> dict[str, list[dict[str, Any]]]:
    """What a school's database holds, in every table any revision had. Concerns stored before the outbox: delivered
    (1); half-delivered (2: one safeguarding lead of two alerted, neither posted nor receipted); posted, not receipted
    (3); undelivered and since redacted (4); everything sent but not marked delivered (5). Contact requests: pending and
    never posted (1), decided and the asker never told (2), pending and posted (3), answered by the policy (4).
    Declarations: never posted (1), posted (2). The outbox holds the posts made (as migration 0006 made them), two
    deletions (one to do, one done) and a file."""
    done = {"alert_sent_at": at(1), "receipt_sent_at": at(1), "post_channel": CHANNEL}
    posted = {"post_channel": CHANNEL}
    decided = {"decided_by": "ULEAD1", "decided_at": at(30), "tell_pending": True, NEEDS: "contact_check.tell_pending"}
    audit_entry = {"note": "", NEEDS: "audit_entry.id"}
    return {
        "concern": [
            concern(1, safeguarding=True, alerted_ids=",".join(sorted(LEADS)), post_ts="100.1", delivered_at=at(1))
            | done,
            concern(2, safeguarding=True, alerted_ids=LEADS[0]),
            concern(3, post_ts="100.3") | posted,
            concern(4, safeguarding=True, redacted_at=at(40), **{NEEDS: "concern.redacted_at"}),
            concern(5, safeguarding=True, post_ts="100.5") | done,
        ],
        "reference_counter": [{"year": 2026, "last": 5}],
        "contact_check": [
            check(1, "pending"),
            check(2, "approved", **decided),
            check(3, "pending", post_ts="200.3", **posted),
            check(4, "none"),
        ],
        "contact_permission": [
            {"id": 1, "staff_id": ASKERS[1], "person": "COLLEAGUE", "channel": "PERSONAL_PHONE", "check_id": 2}
            | {"person_key": "mark-2", "person_described": "MARK-2", "granted_by": "ULEAD1", "granted_at": at(30)}
            | {"review_on": date(2027, 11, 25), NEEDS: "contact_check.tell_pending"}
        ],
        "declaration": [declaration(1), declaration(2, post_ts="300.2", **posted)],
        "audit_event": [
            {"id": n, "concern_id": n, "at": at(n), "actor_id": REPORTERS[n - 1], "action": "reported", "note": ""}
            for n in (1, 2)
        ],
        "contact_event": [
            {"id": 1, "subject": "check", "subject_id": 2, "at": at(30), "actor_id": "ULEAD1", "action": "approved"}
            | {
                "from_state": "pending",
                "to_state": "approved",
                "note": "MARK-note",
                NEEDS: "contact_check.tell_pending",
            }
        ],
        "audit_entry": [
            *(
                {"id": n, "subject_kind": "concern", "subject_id": n, "at": at(n), "actor_id": REPORTERS[n - 1]}
                | {"action": "reported"}
                | audit_entry
                for n in (1, 2)
            ),
            {"id": 3, "subject_kind": "check", "subject_id": 2, "at": at(30), "actor_id": "ULEAD1"}
            | {"action": "approved", "from_state": "pending", "to_state": "approved"}
            | audit_entry
            | {"note": "MARK-note"},
        ],
        "policy_review": [
            {"id": 1, "review_on": date(2026, 9, 1), "reviewed_by": "UCHAIR9", "reviewed_at": at(50)}
            | {"next_review_on": date(2027, 9, 1), "policy_version": "v1", "adopted_version": None}
        ],
        "review_reminder": [
            {"id": 1, "review_on": date(2026, 9, 1), "mark": "30 days", "claimed_until": at(51), "sent_to": "UCHAIR9"}
            | {"sent_at": at(51)}
        ],
        "policy_version": [{"id": 1, "version": "v1", "in_force_from": at(0), "recorded_by": "POLICY_VERSION setting"}],
        "job_run": [{"id": 1, "name": "retention", "period": "2026-11", "started_at": at(52)}],
        "outbox_message": [
            *(outbox_row(100 + n, f"concern:{n}:post", ("concern", n), f"100.{n}") for n in (1, 3, 5)),
            outbox_row(200, "check:3:post", ("check", 3), "200.3"),
            outbox_row(300, "declaration:2:post", ("declaration", 2), "300.2"),
            outbox_row(400, "redacted:9:delete", ("concern", 4), None, send="delete", state="pending")
            | {"document": "400.1", NEEDS: "outbox_message.document"},
            outbox_row(401, "redacted:8:delete", ("concern", 4), None, send="delete", channel="redacted")
            | {NEEDS: "outbox_message.document"},
            outbox_row(402, "pack:UGOV9:1", None, None, send="file", channel="UGOV9", state="pending")
            | {"document": "pack:2025-12-03:2026-12-02", NEEDS: "outbox_message.document"},
        ],
    }


def columns_of(url: str) -> dict[str, set[str]]:
    engine = make_engine(url)
    try:
        schema = inspect(engine)
        return {table: {c["name"] for c in schema.get_columns(table)} for table in schema.get_table_names()}
    finally:
        engine.dispose()


def _typed(value: Any) -> Any:
    """The column type a value is written through (a time stored as the models store it)."""
    if isinstance(value, datetime):
        return UTCDateTime()
    if isinstance(value, date):
        return sa.Date()
    return sa.Boolean() if isinstance(value, bool) else None


def store_records(url: str) -> dict[str, set[str]]:
    """Every record above the schema as it is can hold, in the columns it has; returns the columns."""
    found = columns_of(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for table, rows in records().items():
                for row in rows if table in found else []:
                    needed_table, _, needed = row.get(NEEDS, f"{table}.id").partition(".")
                    if needed not in found.get(needed_table, ()):
                        continue
                    values = {name: value for name, value in row.items() if name in found[table]}
                    if "school_id" in found[table]:
                        values["school_id"] = 1  # the school run from the settings (0012 made it)
                    typed = (sa.column(name, _typed(value)) for name, value in values.items())
                    conn.execute(sa.table(table, *typed).insert().values(values))
        if engine.dialect.name == "postgresql":  # ids given: each sequence goes on after them
            with engine.begin() as conn:
                for table in set(found) & set(records()) - set(KEYS):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}"))
    finally:
        engine.dispose()
    return found


def held(url: str, tables: set[str]) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row of these tables as the database holds it (no type conversion), by primary key."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: {
                    row[KEYS.get(table, "id")]: dict(row)
                    for row in conn.execute(text(f"SELECT * FROM {table}")).mappings()
                }
                for table in tables
            }
    finally:
        engine.dispose()


def carried(found: dict[str, set[str]]) -> list[tuple[str, str, str, str]]:
    """The outbox rows the upgrade adds to the records (key, send, channel, state), in order: the posts made (migration
    0006, when the outbox was not there yet), then what was still to send (0011)."""
    if "deletes_ts" in found.get("outbox_message", ()):
        return []  # stored at 0011 or later: nothing was left to carry
    made = [] if "outbox_message" in found else ["concern:1:post", "concern:3:post", "concern:5:post"]
    if "outbox_message" not in found and "contact_check" in found:
        made += ["check:3:post", "declaration:2:post"]
    added = [(key, "post", CHANNEL, "sent") for key in made]
    added += [("remaining:concern:2:alert:", "remaining", "", "pending")]
    if "alerted_ids" in found["concern"]:  # the lead alerted already: sent, not to send again
        added += [(f"concern:2:alert:{LEADS[0]}", "post", LEADS[0], "sent")]
    added += [(f"remaining:concern:{n}:{part}", "remaining", "", "pending") for n, part in CONCERN_PARTS]
    if "contact_check" in found:
        asked = [(1, "post"), *([(2, "decision")] if "tell_pending" in found["contact_check"] else [])]
        added += [(f"remaining:check:{n}:{part}", "remaining", "", "pending") for n, part in asked]
        added += [("remaining:declaration:1:post", "remaining", "", "pending")]
    return added


CONCERN_PARTS = ((2, "post"), (2, "receipt"), (3, "receipt"))  # after concern 2's alerts


@pytest.fixture(params=EARLIER)
def earlier(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at an earlier revision (each in turn)."""
    for found in new_database_url(tmp_path, f"at{request.param}"):
        command.upgrade(alembic_config(found), request.param)
        yield found


def test_an_upgrade_from_every_earlier_revision_keeps_every_record_and_carries_what_was_still_to_send(
    earlier: str,
) -> None:
    found = store_records(earlier)
    before = held(earlier, set(found) - {"alembic_version"})
    upgrade(earlier)

    models = {name: {c.name for c in table.columns} for name, table in SQLModel.metadata.tables.items()}
    after = held(earlier, set(models))
    assert set(before) - set(after) <= {"audit_event", "contact_event"}  # moved by 0005 (tests above)
    for table in set(before) & set(after):
        assert set(before[table]) <= set(after[table]), table  # no row lost
        for key, row in before[table].items():
            kept = {name: value for name, value in row.items() if name in models[table]}
            if table == "outbox_message" and row["send"] == "delete" and "deletes_ts" not in row:
                kept["document"] = ""  # its ts moved to deletes_ts (0011)
            assert {name: after[table][key][name] for name in kept} == kept, (table, key)
    outbox = sorted(after["outbox_message"].values(), key=lambda row: row["id"])
    added = [
        (r["key"], r["send"], r["channel"], r["state"])
        for r in outbox
        if r["id"] not in before.get("outbox_message", {})
    ]
    assert added == carried(found)
    if "document" in found.get("outbox_message", ()) and "deletes_ts" not in found["outbox_message"]:
        deletes = {row_id: after["outbox_message"][row_id]["deletes_ts"] for row_id in (400, 401, 402)}
        assert deletes == {400: "400.1", 401: None, 402: None}
        assert after["outbox_message"][402]["document"] == "pack:2025-12-03:2026-12-02"

    engine = school_engine(earlier)
    try:
        with engine.connect() as conn:  # the schema is the models'
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            # the models' tables, and Slack's install tables as slack_sdk's stores define them
            assert compare_metadata(context, with_install_tables(SQLModel.metadata)) == []
        concerns = ConcernStore(engine)  # and the stores read what was stored
        assert [concerns.get(n).description for n in (1, 2, 3)] == [f"MARK-description-{n}" for n in (1, 2, 3)]  # type: ignore[union-attr]
        assert [e.action for e in concerns.events(2)] == ["reported"]
        if "contact_check" in found:
            checks = ContactCheckStore(engine)
            assert checks.check(1).person_described == "MARK-1"  # type: ignore[union-attr]
            if "tell_pending" in found["contact_check"]:
                assert checks.decision_note(2) == "MARK-note" and checks.permission_of(2) is not None
            assert DeclarationStore(engine).declaration(1).person_described == "MARK-declared-1"  # type: ignore[union-attr]
    finally:
        engine.dispose()


@pytest.mark.parametrize("revision", BEFORE_THE_OUTBOX)
def test_what_was_still_to_send_before_the_outbox_is_sent_once_by_the_sender_however_often_the_bot_starts(
    tmp_path: Path, revision: str
) -> None:
    fake = LocalSlack(channels={CHANNEL: {"is_private": True, "is_member": True}}, members={CHANNEL: [LEAD, HEAD]})
    try:
        for url in new_database_url(tmp_path, f"sent{revision}"):
            command.upgrade(alembic_config(url), revision)
            store_records(url)
            upgrade(url)
            for _start in range(2):
                deps = build(fake, url, Clock(datetime.now(UTC)), SAFEGUARDING_LEAD_IDS=",".join(LEADS))
                try:
                    settle(deps)
                    assert deps.outbox.earliest(deps.clock()) is None  # nothing left to send, nothing left to draw
                finally:
                    deps.engine.dispose()

            def seen(conversation: str) -> list[str]:
                return [message.text for message in fake.visible(conversation)]

            assert seen(LEADS[0]) == []  # alerted before the outbox
            [alert] = seen(LEADS[1])
            assert "SMP-2026-0002" in alert
            posts = seen(CHANNEL)
            assert len(posts) == 3 and all(
                any(r in post for post in posts) for r in ("SMP-2026-0002", "CQ-0001", "D-0001")
            )
            [receipt2], [receipt3] = seen(REPORTERS[1]), seen(REPORTERS[2])  # 3's post was made, its receipt not
            assert "SMP-2026-0002" in receipt2 and "SMP-2026-0003" in receipt3
            [told] = seen(ASKERS[1])
            assert "*approved* your contact question CQ-0002" in told and "Their note: MARK-note" in told
            others = [*REPORTERS[:1], *REPORTERS[3:], ASKERS[0], *ASKERS[2:], "UDECL1", "UDECL2"]
            assert [seen(person) for person in others] == [[]] * len(others)
            assert len(fake.of("chat.postMessage")) == 7 and fake.of("chat.update") == []  # each once, nothing more
    finally:
        fake.close_now()


def schema(url: str) -> dict[str, Any]:
    """Each table's columns (name, type, whether they take NULL, server default) and indexes, as the database
    describes them."""
    engine = make_engine(url)
    try:
        found = inspect(engine)
        return {
            table: (
                sorted((c["name"], str(c["type"]), c["nullable"], c["default"]) for c in found.get_columns(table)),
                sorted((i["name"], tuple(i["column_names"]), i["unique"]) for i in found.get_indexes(table)),
            )
            for table in found.get_table_names()
        }
    finally:
        engine.dispose()


def test_the_downgrade_gives_the_hand_over_back_what_is_still_to_send_and_up_again_carries_it_again(
    tmp_path: Path,
) -> None:
    for url, fresh in zip(new_database_url(tmp_path, "downgrade"), new_database_url(tmp_path, "fresh"), strict=True):
        command.upgrade(alembic_config(url), "0010")
        found = store_records(url)
        upgrade(url)
        tables = {"concern", "contact_check", "declaration", "outbox_message"}
        up = held(url, tables)

        command.downgrade(alembic_config(url), "0010")

        command.upgrade(alembic_config(fresh), "0010")
        assert schema(url) == schema(fresh)  # the schema as 0010 made it
        down = held(url, tables | {"review_reminder", "job_run", "contact_permission"})
        assert down["review_reminder"][1]["sent_at"] is not None and down["job_run"][1]["started_at"] is not None
        assert down["contact_permission"][1]["redacted_at"] is None  # as its question's
        legacy = ("delivered_at", "alert_sent_at", "post_ts", "receipt_sent_at")
        state = {n: tuple(down["concern"][n][name] is not None for name in legacy) for n in (1, 2, 3, 5)}
        assert state == {  # what 0010's start-up hand-over reads: 2 and 3 undelivered, with what each had done
            1: (True, True, True, True),
            2: (False, False, False, False),
            3: (False, True, True, False),
            5: (True, True, True, True),
        }
        assert down["concern"][3]["post_ts"] == "100.3" and down["contact_check"][3]["post_ts"] == "200.3"
        assert [bool(down["contact_check"][n]["tell_pending"]) for n in (1, 2, 3, 4)] == [False, True, False, False]
        assert down["declaration"][1]["post_ts"] is None and down["declaration"][2]["post_ts"] == "300.2"
        assert all(row["send"] != "remaining" for row in down["outbox_message"].values())
        assert down["outbox_message"][400]["document"] == "400.1"

        upgrade(url)  # and up again: the same rows carry what is still to send
        again = held(url, tables)
        keys = lambda rows: sorted(row["key"] for row in rows["outbox_message"].values())  # noqa: E731
        assert keys(again) == keys(up) and len(carried(found)) > 5
        assert again["outbox_message"][400]["deletes_ts"] == "400.1"
