"""no leftovers: what records stored before the outbox still had to send goes to the outbox; their delivery state
goes, and a deletion's ts has a column of its own

Before the outbox (0006) a record remembered its own delivery: a concern which safeguarding leads it had alerted
(alerted_ids, alert_sent_at), its post (post_channel, post_ts), its receipt (receipt_sent_at) and whether all was
done (delivered_at, with delivery_attempts, next_delivery_at, delivery_claimed_until); a contact request and a
declaration their post (post_channel, post_ts, post_claimed_until), and a decided request whether its asker was told
(tell_pending). Since then the bot handed such records over at every start. Now, for each part a record stored
before the outbox had not sent, a row of the outbox (send 'remaining', key 'remaining:' and the key of the message,
or the start of the keys of the safeguarding alerts) asks the sender to draw it from the record when it sends it;
an alert sent to some of the leads already is a sent row of its own, so that it is not sent again. Then the columns
go, with the record's copy of its post (the outbox has the post: its sent row).

Other columns nothing reads go too: nudge_progress (who had had the nudge being sent, before the outbox; only ever
reset since), a review reminder's claimed_until, sent_to and sent_at (its claim, progress and done mark before the
outbox: the row is the claim now, its messages are in the outbox), job_run.started_at and
contact_permission.redacted_at (its question's redacted_at says when).

A deletion in the outbox (send 'delete') kept the ts of the message it deletes in `document`, which is a file's
spec otherwise: it moves to `deletes_ts`, and `document` means a file's spec only.

The downgrade puts the columns back, filled from the outbox, so that the start-up hand-over of 0010 takes up what
is still to draw (and nothing else); the rows asking for it go.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMAINING = "remaining"  # storage.models.Send.REMAINING, and its key's start (storage.outbox.REMAINING_KEY)
OUTBOX = sa.table(
    "outbox_message",
    *(sa.column(name) for name in ("key", "subject_kind", "subject_id", "send", "channel", "text", "blocks")),
    *(sa.column(name) for name in ("document", "revision", "state", "attempts", "unsure")),
    sa.column("created_at", UTCDateTime()),
    sa.column("next_attempt_at", UTCDateTime()),
)


def _posted(table: str, kind: str) -> str:
    """SQL: the record's post is made, or in the outbox (to send, or sent)."""
    # ':' || 'post': SQL text reads ':post' as a parameter
    in_outbox = f"SELECT 1 FROM outbox_message o WHERE o.key = '{kind}:' || {table}.id || ':' || 'post'"
    return f"({table}.post_ts IS NOT NULL OR EXISTS ({in_outbox}))"


def _row(kind: str, record_id: int, key: str, now: datetime, **more: Any) -> dict[str, Any]:
    values = {"key": key, "subject_kind": kind, "subject_id": record_id, "send": REMAINING, "channel": ""}
    values |= {"text": "", "blocks": "", "document": "", "revision": 1, "state": "pending", "attempts": 0}
    return values | {"unsure": False, "created_at": now, "next_attempt_at": now} | more


def _remaining(now: datetime) -> list[dict[str, Any]]:
    """The outbox rows that carry what records stored before the outbox had still to send (what bot.jobs.hand_over
    took at start-up until now, and storage.legacy's queries chose)."""
    bind = op.get_bind()
    rows: list[dict[str, Any]] = []
    concerns = bind.execute(
        sa.text(
            "SELECT id, safeguarding, alert_sent_at IS NOT NULL, alerted_ids, "
            f"{_posted('concern', 'concern')}, receipt_sent_at IS NOT NULL "
            "FROM concern WHERE delivered_at IS NULL AND redacted_at IS NULL ORDER BY id"
        )
    )
    for record_id, safeguarding, alerted, alerted_ids, posted, receipted in concerns:
        if safeguarding and not alerted:
            rows.append(_row("concern", record_id, f"{REMAINING}:concern:{record_id}:alert:", now))
            for lead in filter(None, (alerted_ids or "").split(",")):  # alerted already: a sent row each
                key = f"concern:{record_id}:alert:{lead}"
                rows.append(_row("concern", record_id, key, now, send="post", channel=lead, state="sent", attempts=1))
        for part, done in (("post", posted), ("receipt", receipted)):
            if not done:
                rows.append(_row("concern", record_id, f"{REMAINING}:concern:{record_id}:{part}", now))
    for part, where in (
        ("post", f"request_status = 'pending' AND NOT {_posted('contact_check', 'check')}"),
        ("decision", "tell_pending"),
    ):
        checks = bind.execute(
            sa.text(f"SELECT id FROM contact_check WHERE redacted_at IS NULL AND {where} ORDER BY id")
        ).scalars()
        rows += [_row("check", record_id, f"{REMAINING}:check:{record_id}:{part}", now) for record_id in checks]
    declarations = bind.execute(
        sa.text(
            "SELECT id FROM declaration "
            f"WHERE redacted_at IS NULL AND NOT {_posted('declaration', 'declaration')} ORDER BY id"
        )
    ).scalars()
    rows += [
        _row("declaration", record_id, f"{REMAINING}:declaration:{record_id}:post", now) for record_id in declarations
    ]
    return rows


def _put(rows: list[dict[str, Any]]) -> None:
    """Insert rows in order; a key there already is left as it is."""
    if not rows:
        return
    insert = (postgresql.insert if op.get_bind().dialect.name == "postgresql" else sqlite.insert)(OUTBOX)
    for row in rows:  # one at a time: ids in the order the sender should take them
        op.get_bind().execute(insert.on_conflict_do_nothing(index_elements=["key"]), row)


STR32, STR500, TIME = AutoString(length=32), AutoString(length=500), UTCDateTime()


class Gone(NamedTuple):
    """A column that goes, as 0010 had it: `back` is the value (SQL) rows get when the downgrade puts a NOT NULL
    column back; `default` its server default."""

    name: str
    kind: Any
    back: str | None = None
    default: Any = None


POSTED = (Gone("post_channel", STR32), Gone("post_ts", STR32))
PROGRESS = Gone("nudge_progress", STR500, "''", "")  # who had had the nudge being sent (before the outbox)
GONE: dict[str, tuple[Gone, ...]] = {
    "concern": (
        *POSTED,
        *(Gone(name, TIME) for name in ("alert_sent_at", "receipt_sent_at", "delivered_at", "next_delivery_at")),
        Gone("delivery_claimed_until", TIME),
        Gone("alerted_ids", STR500, "''", ""),
        Gone("delivery_attempts", sa.Integer(), "0"),
        PROGRESS,
    ),
    "contact_check": (
        *POSTED,
        Gone("post_claimed_until", TIME),
        Gone("tell_pending", sa.Boolean(), "FALSE", sa.false()),
        PROGRESS,
    ),
    "declaration": (*POSTED, Gone("post_claimed_until", TIME)),
    # Unread since the outbox: a reminder's claim, who had had it and when it was done (the row is the claim now,
    # its messages are in the outbox); when a job's run began; a standing permission's copy of its question's
    # redaction.
    "review_reminder": (
        Gone("claimed_until", TIME, "CURRENT_TIMESTAMP"),
        Gone("sent_to", AutoString(length=1000), "''"),
        Gone("sent_at", TIME),
    ),
    "job_run": (Gone("started_at", TIME, "CURRENT_TIMESTAMP"),),
    "contact_permission": (Gone("redacted_at", TIME),),
}
INDEXED = {"concern": "delivered_at", "contact_check": "tell_pending"}  # each with an index of its own


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deletes_ts", STR32, nullable=True))
    op.execute("UPDATE outbox_message SET deletes_ts = NULLIF(document, ''), document = '' WHERE send = 'delete'")

    _put(_remaining(datetime.now(UTC)))
    for table, gone in GONE.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in INDEXED:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{INDEXED[table]}"))
            for column in gone:
                batch_op.drop_column(column.name)


def downgrade() -> None:
    """The columns back as 0010 had them, filled from the outbox where it knows (a reminder's and a job's times, which
    it does not, are the downgrade's)."""
    for table, gone in GONE.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in gone:
                batch_op.add_column(sa.Column(column.name, column.kind, nullable=True, server_default=column.default))
        filled = [column for column in gone if column.back is not None]
        if filled:
            op.execute(f"UPDATE {table} SET {', '.join(f'{c.name} = {c.back}' for c in filled)}")
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in filled:
                batch_op.alter_column(column.name, existing_type=column.kind, nullable=False)
            if table in INDEXED:
                batch_op.create_index(batch_op.f(f"ix_{table}_{INDEXED[table]}"), [INDEXED[table]], unique=False)
    op.execute("UPDATE review_reminder SET sent_at = claimed_until")
    op.execute(
        "UPDATE contact_permission SET redacted_at = "
        "(SELECT c.redacted_at FROM contact_check c WHERE c.id = contact_permission.check_id)"
    )
    for table, kind in (("concern", "concern"), ("contact_check", "check"), ("declaration", "declaration")):
        post = f"FROM outbox_message o WHERE o.key = '{kind}:' || {table}.id || ':' || 'post' AND o.state = 'sent'"
        op.execute(
            f"UPDATE {table} SET post_channel = (SELECT o.sent_channel {post}), post_ts = (SELECT o.sent_ts {post})"
        )

    def remaining(kind: str, table: str, part: str) -> str:
        key = f"'{REMAINING}:{kind}:' || {table}.id || ':' || '{part}%'"
        return f"EXISTS (SELECT 1 FROM outbox_message o WHERE o.send = '{REMAINING}' AND o.key LIKE {key})"

    # Every concern was handed over but those with something still to draw: 0010 hands them over again at start-up,
    # without what was done (an alert sent already is in the outbox: it is left as it is).
    op.execute(f"UPDATE concern SET delivered_at = created_at WHERE NOT {remaining('concern', 'concern', '')}")
    op.execute(f"UPDATE concern SET alert_sent_at = created_at WHERE NOT {remaining('concern', 'concern', 'alert:')}")
    op.execute(
        f"UPDATE concern SET receipt_sent_at = created_at WHERE NOT {remaining('concern', 'concern', 'receipt')}"
    )
    op.execute(f"UPDATE contact_check SET tell_pending = TRUE WHERE {remaining('check', 'contact_check', 'decision')}")
    op.execute(f"DELETE FROM outbox_message WHERE send = '{REMAINING}'")

    op.execute("UPDATE outbox_message SET document = COALESCE(deletes_ts, '') WHERE send = 'delete'")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("deletes_ts")
