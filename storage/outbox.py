"""The one outbox: every message people must be told because a record changed is a row here, written in the same
transaction as the change, and sent by bot.delivery (the only sender) until Slack takes it or refuses it for good.

A row is claimed for a short lease (LEASE) before it is sent, so one process sends it; a process that dies mid-send
leaves a lease that lapses within seconds. A post whose earlier attempt may have landed (the answer never came, a
5xx, a crash) is marked `unsure`: before posting again the sender looks for it in Slack by the key it carries in its
message metadata. A redraw of a post is one row per post whose content is replaced: only the newest is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Engine, case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from flows.permissions import Kind as RecordKind
from storage import audit
from storage.claims import lapsed
from storage.db import reading, transaction
from storage.models import Concern, ContactCheck, Declaration, OutboxMessage, Send, State

LEASE = timedelta(seconds=15)  # longer than one Slack call with its timeout; a crashed sender's lapses this fast
BATCH = 100


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


Tell = Callable[..., Sequence[Message]]  # draws what people must be told of a record (and what a change added)


@dataclass(frozen=True)
class Claimed:
    """A row this process holds: `was_unsure` when an earlier attempt may have landed."""

    row: OutboxMessage
    was_unsure: bool


def post_key(kind: RecordKind, record_id: int) -> str:
    """The key of a record's post (in the leadership channel, or to the headteacher directly)."""
    return f"{kind.value}:{record_id}:post"


def card_key(kind: RecordKind, record_id: int) -> str:
    """The key of a record's redraw: one row per post, its content replaced by each newer state."""
    return f"{kind.value}:{record_id}:card"


def put(session: Session, messages: Iterable[Message], now: datetime) -> None:
    """Add messages to the outbox inside the caller's transaction. A post whose key is there already is the same
    message (a retry): left as it is. A redraw replaces the content of the one pending for its post."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for message in messages:
        values = {
            "key": message.key,
            "subject_kind": message.subject[0] if message.subject else None,
            "subject_id": message.subject[1] if message.subject else None,
            "send": message.send,
            "channel": message.channel,
            "fallback": message.fallback,
            "thread_of": message.thread_of,
            "text": message.text,
            "blocks": message.blocks,
            "created_at": now,
            "next_attempt_at": now,
        }
        statement = insert(table).values(**values)
        if message.send is Send.UPDATE:
            replace: dict[str, Any] = {"text": message.text, "blocks": message.blocks, "state": State.PENDING.value}
            # never sooner than a try already set (a late answer to an older drawing must land before the newest)
            later = case((table.c.next_attempt_at > now, table.c.next_attempt_at), else_=now)
            replace |= {"revision": table.c.revision + 1, "next_attempt_at": later}
            session.execute(statement.on_conflict_do_update(index_elements=["key"], set_=replace))
        else:
            session.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


class OutboxStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, messages: Sequence[Message], now: datetime) -> None:
        """Messages that follow no change of their own (a redraw of a post that may show an older state)."""
        with transaction(self.engine) as session:
            put(session, messages, now)

    def due(self, now: datetime, limit: int = BATCH) -> list[tuple[int, bool]]:
        """Pending rows whose time has come and that nobody holds, oldest first: (id, whether it waits for a post)."""
        with reading(self.engine) as session:
            stmt = (
                select(OutboxMessage.id, OutboxMessage.thread_of)
                .where(
                    col(OutboxMessage.state) == State.PENDING,
                    col(OutboxMessage.next_attempt_at) <= now,
                    lapsed(OutboxMessage.claimed_until, now),
                )
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            return [(row_id, thread_of is not None) for row_id, thread_of in session.exec(stmt) if row_id is not None]

    def earliest(self) -> datetime | None:
        """When the next pending row falls due (for the sender's wake-up)."""
        with reading(self.engine) as session:
            stmt = select(OutboxMessage.next_attempt_at).where(col(OutboxMessage.state) == State.PENDING)
            return session.exec(stmt.order_by(col(OutboxMessage.next_attempt_at)).limit(1)).first()

    def claim(self, row_id: int, now: datetime, lease: timedelta = LEASE) -> Claimed | None:
        """Take one due row for `lease`: None when it is sent, not due, or held by another process. A post is
        marked unsure from here until its answer is recorded."""
        with transaction(self.engine) as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.state is not State.PENDING or row.next_attempt_at > now:
                return None
            if row.claimed_until is not None and row.claimed_until >= now:
                return None
            was_unsure = row.unsure
            if not self._set(session, row, claimed_until=now + lease, attempts=row.attempts + 1, unsure=True):
                return None
            row.claimed_until, row.attempts, row.unsure = now + lease, row.attempts + 1, True
            return Claimed(row, was_unsure)

    def renew(self, row: OutboxMessage, now: datetime, lease: timedelta = LEASE) -> bool:
        """Keep holding a row between two Slack calls; False when the claim was lost (stop)."""
        with transaction(self.engine) as session:
            return self._set(session, row, claimed_until=now + lease)

    def target(self, key: str) -> OutboxMessage | None:
        """The row a reply or a redraw depends on (its post), as stored now."""
        with reading(self.engine) as session:
            return session.exec(select(OutboxMessage).where(col(OutboxMessage.key) == key)).first()

    def sent(self, row: OutboxMessage, channel: str | None, ts: str | None, now: datetime) -> bool:
        """Slack took it (channel, ts). The content is cleared: Slack holds the message, the row where it is. A redraw
        replaced while it was being sent stays pending, to send the newer one. The record's post is noted on it."""
        with transaction(self.engine) as session:
            done: dict[str, Any] = {"sent_channel": channel, "sent_ts": ts, "sent_at": now, "claimed_until": None}
            if row.send is Send.UPDATE:
                finished = {"state": State.SENT, "unsure": False, "text": "", "blocks": ""}
                if self._set(session, row, revision=row.revision, **finished, **done):
                    return True
                return self._set(session, row, claimed_until=None, unsure=False)  # a newer drawing to send
            if not self._set(session, row, state=State.SENT, unsure=False, text="", blocks="", **done):
                return False
            if row.subject_kind and row.subject_id and row.key == post_key(row.subject_kind, row.subject_id):
                _note_post(session, row.subject_kind, row.subject_id, channel, ts)
            return True

    def retry(self, row: OutboxMessage, at: datetime, unsure: bool) -> bool:
        """Not sent this time: again at `at`. `unsure` when this attempt may have landed all the same."""
        with transaction(self.engine) as session:
            return self._set(session, row, claimed_until=None, next_attempt_at=at, unsure=unsure)

    def gone(self, row: OutboxMessage, now: datetime, note: str = "") -> str | None:
        """Slack will never take it where it was going: to its fall-back (returned) if it has one, its text
        followed by `note` (why it came to them), else given up."""
        with transaction(self.engine) as session:
            if row.fallback:
                moved = self._set(
                    session,
                    row,
                    channel=row.fallback,
                    fallback=None,
                    thread_of=None,
                    text=row.text + note,
                    claimed_until=None,
                    next_attempt_at=now,
                    unsure=False,
                )
                return row.fallback if moved else None
            self._set(session, row, state=State.GONE, claimed_until=None, unsure=False, text="", blocks="")
            return None

    @staticmethod
    def _set(session: Session, row: OutboxMessage, revision: int | None = None, **values: Any) -> bool:
        """Compare-and-set on the claim's token (the attempt count) and, for a redraw's finish, its revision."""
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        where = [table.c.id == row.id, table.c.attempts == row.attempts]
        if revision is not None:
            where.append(table.c.revision == revision)
        result = session.execute(update(table).where(*where).values(**values))
        assert isinstance(result, CursorResult)
        return result.rowcount == 1


def _note_post(session: Session, kind: RecordKind, record_id: int, channel: str | None, ts: str | None) -> None:
    """The record's own post columns (the concern card's thread, the export) follow the outbox."""
    models: dict[RecordKind, Any] = {
        RecordKind.CONCERN: Concern,
        RecordKind.CONTACT_REQUEST: ContactCheck,
        RecordKind.DECLARATION: Declaration,
    }
    if kind in models:
        table = models[kind].__table__
        session.execute(update(table).where(table.c.id == record_id).values(post_channel=channel, post_ts=ts))
    if kind is RecordKind.CONCERN:  # the trail says when a concern reached leadership
        session.add(audit.entry(kind, record_id, audit.SYSTEM_ACTOR, "delivered", datetime.now(UTC)))
