"""What goes in the outbox (storage.outbox): a Message, the keys that name what it stands for (a record's post, its
card, a person's Home), and the writes a record's change makes with it in its own transaction (put, cancel)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, case, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from flows.permissions import RecordKind
from storage.claims import lapsed
from storage.models import OutboxMessage, Send, State
from storage.tenancy import school_in

TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Message:
    """A message to be sent, as the bot drew it."""

    key: str
    subject: tuple[RecordKind, int] | None  # the record it is about, if any
    channel: str
    text: str
    blocks: str = ""  # Block Kit as JSON
    send: Send = Send.POST
    thread_of: str | None = None
    fallback: str | None = None
    document: str = ""  # Send.FILE: what to draw when it is sent (bot.documents), `text` its comment
    due: datetime | None = None  # not before (None: at once)
    audited_as: str = ""  # it shows what staff typed (a leader's note): the audit trail records it as shown to them


Tell = Callable[..., Sequence[Message]]  # draws what people must be told of a record (and what a change added)


def post_key(kind: RecordKind, record_id: int) -> str:
    """The key of a record's post (in the leadership channel, or to the headteacher directly)."""
    return f"{kind.value}:{record_id}:post"


def home_key(user: str) -> str:
    """A key for one asking to draw a person's App Home again: each asking is a row of its own (no two changes wait
    on one row), and one drawing answers every asking made before it began (OutboxStore.homes_drawn)."""
    return f"home:{user}:{uuid.uuid4().hex}"


def card_key(kind: RecordKind, record_id: int) -> str:
    """The key of a record's redraw: one row per post, its content replaced by each newer state."""
    return f"{kind.value}:{record_id}:card"


REMAINING_KEY = "remaining:"  # a Send.REMAINING row's key: this, then what it stands for


def remaining_of(row: OutboxMessage) -> str:
    """What a Send.REMAINING row stands for: the key of the message it names ("concern:12:post"), or the start of
    the keys of those ("concern:12:alert:", every safeguarding alert not already in the outbox)."""
    return row.key.removeprefix(REMAINING_KEY)


# What chases a record, by the mark in its key: a nudge (and the headteacher's "nobody has picked this up"), a review
# reminder, a re-confirmation ask, a lapsed declaration's notice. A step on the record may make them stale
# (storage.steps.Step.cancels).
NUDGE, REMINDER, RECONFIRM_ASK, LAPSED = ":nudge:", ":remind:", ":reconfirm:", ":lapsed:"


def cancel(session: Session, kind: RecordKind, record_id: int, marks: Iterable[str], now: datetime) -> int:
    """Inside a change's transaction: what still waits to chase the record and is marked so is cancelled, never sent.
    A row being sent at this moment (its claim held) is left to finish and be recorded."""
    c = TABLE.c
    marked = [c.key.contains(mark, autoescape=True) for mark in marks]
    if not marked:
        return 0
    result = session.connection().execute(
        update(TABLE)
        .where(
            c.school_id == school_in(session),
            c.subject_kind == kind.value,
            c.subject_id == record_id,
            c.state == State.PENDING,
            lapsed(c.claimed_until, now),
            or_(*marked),
        )
        .values(state=State.CANCELLED, text="", blocks="")
    )
    return int(result.rowcount or 0)


def put(session: Session | Connection, messages: Iterable[Message], now: datetime) -> None:
    """Add messages to the outbox inside the caller's transaction. A post whose key is there already is the same
    message (a retry): left as it is. A redraw replaces the content of the one pending for its post, never sooner
    than a try already set (a late answer to an older drawing must land before the newest)."""
    school = school_in(session)
    rows = [{**_values(message, now), "school_id": school} for message in messages]
    plain = session if isinstance(session, Connection) else session.connection()  # the rows say their school
    insert = upsert(plain.dialect.name)
    posts = [row for row in rows if row["send"] is not Send.UPDATE]
    redraws = [row for row in rows if row["send"] is Send.UPDATE]
    if posts:
        plain.execute(insert.on_conflict_do_nothing(index_elements=["school_id", "key"]), posts)
    if redraws:
        new, old = insert.excluded, TABLE.c
        replace = {
            "text": new.text,
            "blocks": new.blocks,
            "state": State.PENDING.value,
            "revision": old.revision + 1,
            "next_attempt_at": case((old.next_attempt_at > new.next_attempt_at, old.next_attempt_at), else_=now),
            # Waiting since: the first drawing still waiting, else this one (/healthz measures from it).
            "created_at": case((old.state == State.PENDING.value, old.created_at), else_=now),
        }
        plain.execute(insert.on_conflict_do_update(index_elements=["school_id", "key"], set_=replace), redraws)


def upsert(dialect: str) -> Any:
    """An INSERT that can say what to do when the key is there already (each dialect has its own)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TABLE)


def deletion(key: str, subject: tuple[RecordKind, int], channel: str, ts: str, now: datetime) -> dict[str, Any]:
    """A row that deletes a message the bot sent (Send.DELETE: its channel, and its ts in `deletes_ts`)."""
    return {**_values(Message(key, subject, channel, "", send=Send.DELETE), now), "deletes_ts": ts}


def _values(message: Message, now: datetime) -> dict[str, Any]:
    kind, record_id = message.subject or (None, None)
    return {
        "key": message.key,
        "subject_kind": kind,
        "subject_id": record_id,
        "send": message.send,
        "channel": message.channel,
        "fallback": message.fallback,
        "thread_of": message.thread_of,
        "text": message.text,
        "blocks": message.blocks,
        "document": message.document,
        "deletes_ts": None,
        "revision": 1,
        "state": State.PENDING,
        "created_at": now,
        "next_attempt_at": message.due or now,
        "attempts": 0,
        "unsure": False,
    }
