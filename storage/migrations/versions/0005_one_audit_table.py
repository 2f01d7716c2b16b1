"""one audit table for every kind of record: audit_event and contact_event become audit_entry

Every row moves, its values as stored (times, actors, actions, states, detail, note, request key). New ids follow
the order of writing: the two tables are merged by `at`, each table's own rows kept in their id order, so every
record's trail reads as before. Request keys found in both tables stop the upgrade before anything changes.
The downgrade splits the table back (ids are audit_entry's; a detail on a non-concern entry joins its note).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import heapq
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY = ("id", "subject_kind", "subject_id", "at", "actor_id", "action", "from_state", "to_state", "detail", "note")
CONCERN_EVENT = ("id", "concern_id", "at", "actor_id", "action", "from_status", "to_status", "detail", "note")
CONTACT_EVENT = ("id", "subject", "subject_id", "at", "actor_id", "action", "from_state", "to_state", "note")
BATCH = 1000


def _moment(value: Any) -> datetime:
    """A stored time, to order by: PostgreSQL gives aware datetimes, SQLite the UTC text it was given."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _read(table: str, names: Sequence[str]) -> list[dict[str, Any]]:
    """Every row as stored (text SQL: no type conversion on the way out, so none on the way back in)."""
    query = sa.text(f"SELECT {', '.join((*names, 'request_key'))} FROM {table} ORDER BY id")
    return [dict(row) for row in op.get_bind().execute(query).mappings()]


def _write(table: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows as read (values passed through untouched), then, on PostgreSQL, start the id sequence after them."""
    if not rows:
        return
    target = sa.table(table, *(sa.column(name) for name in rows[0]))
    for start in range(0, len(rows), BATCH):
        op.get_bind().execute(target.insert(), rows[start : start + BATCH])
    if op.get_bind().dialect.name == "postgresql":
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        op.get_bind().execute(sa.text(f"SELECT setval({sequence}, MAX(id) + 1, false) FROM {table}"))


def _from_concern_event(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "subject_kind": "concern",
        "subject_id": row["concern_id"],
        **{name: row[name] for name in ("at", "actor_id", "action")},
        "from_state": row["from_status"],
        "to_state": row["to_status"],
        **{name: row[name] for name in ("detail", "note", "request_key")},
    }


def _from_contact_event(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "subject_kind": row["subject"],
        **{name: row[name] for name in ("subject_id", "at", "actor_id", "action", "from_state", "to_state")},
        "detail": None,  # contact_event had none
        **{name: row[name] for name in ("note", "request_key")},
    }


def _to_concern_event(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **{name: row[name] for name in ("id", "at", "actor_id", "action", "detail", "note", "request_key")},
        "concern_id": row["subject_id"],
        "from_status": row["from_state"],
        "to_status": row["to_state"],
    }


def _to_contact_event(row: dict[str, Any]) -> dict[str, Any]:
    kept = ("id", "subject_id", "at", "actor_id", "action", "from_state", "to_state", "request_key")
    return {
        **{name: row[name] for name in kept},
        "subject": row["subject_kind"],
        "note": "\n".join(part for part in (row["note"], row["detail"]) if part),  # contact_event has no detail
    }


def _count(table: str) -> int:
    return int(op.get_bind().execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def _refuse_shared_request_keys() -> None:
    shared = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM audit_event a JOIN contact_event c ON a.request_key = c.request_key")
    )
    found = int(shared.scalar_one())
    if found:  # the keys hold Slack user ids: counted, never printed
        raise RuntimeError(
            f"{found} request key(s) are in both audit_event and contact_event: audit_entry keeps each key once, so "
            "a row would be lost. Nothing was changed; give one row of each pair another key, then upgrade again."
        )


def upgrade() -> None:
    _refuse_shared_request_keys()
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("from_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_subject", ["subject_kind", "subject_id", "id"], unique=False)

    concerns = [_from_concern_event(row) for row in _read("audit_event", CONCERN_EVENT)]
    contacts = [_from_contact_event(row) for row in _read("contact_event", CONTACT_EVENT)]
    # Merged by time; heapq.merge keeps each table's own order (so no trail is reordered, even where two requests
    # wrote out of time order) and, at equal times, puts the concerns' events first.
    merged = heapq.merge(concerns, contacts, key=lambda row: _moment(row["at"]))
    rows = [{**row, "id": new_id} for new_id, row in enumerate(merged, start=1)]
    _write("audit_entry", rows)
    moved, before = _count("audit_entry"), _count("audit_event") + _count("contact_event")
    if moved != before:
        raise RuntimeError(f"audit_entry holds {moved} rows where audit_event and contact_event held {before}")

    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_event_subject_id"))
    op.drop_table("contact_event")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_concern_id"))
    op.drop_table("audit_event")


def downgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.ForeignKeyConstraint(["concern_id"], ["concern.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_concern_id"), ["concern_id"], unique=False)
    op.create_table(
        "contact_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("from_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key"),
    )
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_event_subject_id"), ["subject_id"], unique=False)

    entries = _read("audit_entry", ENTRY)
    _write("audit_event", [_to_concern_event(row) for row in entries if row["subject_kind"] == "concern"])
    _write("contact_event", [_to_contact_event(row) for row in entries if row["subject_kind"] != "concern"])

    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_subject")
    op.drop_table("audit_entry")
