"""The one outbox: every message people must be told because a record changed is a row here, written in the same
transaction as the change, and sent by bot.delivery (the only sender) until Slack takes it or refuses it for good.

A row is claimed for a short lease (LEASE) before it is sent, so one process sends it; a process that dies mid-send
leaves a lease that lapses within seconds. A post whose earlier attempt may have landed (the answer never came, a
5xx, a crash) is marked `unsure`: before posting again the sender looks for it in Slack by the key it carries in its
message metadata. A redraw of a post is one row per post whose content is replaced: only the newest is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, case, delete, exists, func, insert, literal, or_, select, update

from flows.permissions import RecordKind
from storage import audit
from storage.claims import lapsed
from storage.db import plain_reading, plain_writing
from storage.models import AuditEntry, OutboxMessage, Send, State
from storage.outbox_messages import Message, deletion, post_key, put, upsert
from storage.tenancy import NoSchool, mine, school_in, school_of

TABLE: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditEntry.__table__  # type: ignore[attr-defined]
HELD_LOOK = timedelta(seconds=1)  # a row someone else holds is looked at again this soon (OutboxStore.earliest)
LEASE = timedelta(seconds=15)  # longer than one Slack call with its timeout; a crashed sender's lapses this fast


@dataclass(frozen=True)
class Claimed:
    """A row this process holds: `was_unsure` when an earlier attempt may have landed."""

    row: OutboxMessage
    was_unsure: bool


class OutboxStore:
    """The sender's side: plain SQL on a connection of its own per step (no ORM session), since every message goes
    through here two or three times."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.school = school_of(engine)  # every statement below is this school's alone

    @property
    def mine(self) -> Any:
        """The school's rows (a statement with no school is a bug: NoSchool, before it runs)."""
        if self.school is None:
            raise NoSchool("the outbox was opened for no school")
        return TABLE.c.school_id == self.school

    def put(self, messages: Sequence[Message], now: datetime) -> None:
        """Messages that follow no change of their own (a redraw of a post that may show an older state)."""
        with plain_writing(self.engine) as connection:
            put(connection, messages, now)

    def latest(self, key_prefix: str) -> OutboxMessage | None:
        """The newest row whose key starts so ("pack:U123:"): what became of the last such message."""
        c = TABLE.c
        stmt = (
            select(TABLE).where(self.mine, c.key.startswith(key_prefix, autoescape=True)).order_by(c.id.desc()).limit(1)
        )
        with plain_reading(self.engine) as connection:
            return _row(connection.execute(stmt).first())

    def waiting(self) -> tuple[int, datetime | None]:
        """How many messages wait to be sent (retries included), and when the oldest of them was written: what
        /healthz and `policybot status` report."""
        c = TABLE.c
        with plain_reading(self.engine) as connection:
            stmt = select(func.count(), func.min(c.created_at)).where(self.mine, c.state == State.PENDING)
            count, oldest = connection.execute(stmt).one()
        return int(count), oldest

    def earliest(self, now: datetime, homes: bool | None = None) -> datetime | None:
        """When a pending row can next be taken (the sender's wake-up): when it falls due, or, while someone holds
        it (it is being sent, by another thread or process), when that lease runs out, since waking sooner would
        only find it held, again and again; but a held row is looked at again within HELD_LOOK of `now` all the
        same (a process that stops lets go of what it had not begun). `homes`: the App Homes to draw (True) or the
        messages (False), each of the sender's two loops its own; None: any row."""
        c = TABLE.c
        held = c.claimed_until > c.next_attempt_at
        soon = literal(now + HELD_LOOK, type_=c.claimed_until.type)
        can_take = case(
            (and_(held, c.claimed_until <= soon), c.claimed_until),
            (and_(held, c.next_attempt_at <= soon), soon),
            else_=c.next_attempt_at,
        )
        kind = [] if homes is None else [c.send == Send.HOME.value if homes else c.send != Send.HOME.value]
        with plain_reading(self.engine) as connection:
            return connection.execute(
                select(func.min(can_take)).where(self.mine, c.state == State.PENDING, *kind)
            ).scalar()

    def claim_due(self, now: datetime, replies: bool | None, limit: int, lease: timedelta = LEASE) -> list[Claimed]:
        """Take up to `limit` due rows nobody holds, oldest first, in one transaction: posts and direct messages with
        the thread replies and redraws whose post Slack has already, or (`replies`) every reply and redraw still
        due (those whose post was sent since, and those that wait for it). Each post is marked unsure until its
        answer is recorded. `replies` None: the App Homes to draw (last: messages never wait behind them)."""
        c = TABLE.c
        post = TABLE.alias("post")
        ready = or_(
            c.thread_of.is_(None),
            exists().where(post.c.school_id == c.school_id, post.c.key == c.thread_of, post.c.state == State.SENT),
        )
        if replies is None:
            waiting = c.send == Send.HOME.value
        else:
            waiting = and_(c.send != Send.HOME.value, c.thread_of.is_not(None) if replies else ready)
        due = (self.mine, c.state == State.PENDING, c.next_attempt_at <= now, lapsed(c.claimed_until, now))
        with plain_writing(self.engine) as connection:
            before = {
                row.id: row.unsure
                for row in connection.execute(select(c.id, c.unsure).where(*due, waiting).order_by(c.id).limit(limit))
            }
            if not before:
                return []
            taken = connection.execute(
                update(TABLE)
                .where(c.id.in_(before), *due)
                .values(claimed_until=now + lease, attempts=c.attempts + 1, unsure=True)
                .returning(*c)
            )
            rows = sorted((OutboxMessage(**found._mapping) for found in taken), key=lambda row: row.id or 0)
            return [Claimed(row, before[row.id]) for row in rows if row.id is not None]

    def remaining_drawn(
        self, row: OutboxMessage, messages: Sequence[Message], now: datetime, unsure: bool = False
    ) -> bool:
        """A Send.REMAINING row drawn: the messages it stands for take its place, in one transaction (one whose key
        is in the outbox already, sent before, is left as it is); `unsure` (a restored backup): its posts are looked
        for in Slack before they are sent. False when the claim was lost."""
        c = TABLE.c
        with plain_writing(self.engine) as connection:
            taken = connection.execute(delete(TABLE).where(self.mine, c.id == row.id, c.attempts == row.attempts))
            if taken.rowcount != 1:
                return False
            put(connection, messages, now)
            if unsure and messages:
                drawn = (
                    self.mine,
                    c.key.in_([m.key for m in messages]),
                    c.state == State.PENDING,
                    c.send != Send.UPDATE.value,
                )
                connection.execute(update(TABLE).where(*drawn).values(unsure=True))
            return True

    def homes_drawn(self, user: str, began: datetime) -> int:
        """`user`'s App Home was drawn from the records as they were at `began`: every asking made before then is
        answered (deleted: nothing of it is kept); one made since is drawn again."""
        c = TABLE.c
        with plain_writing(self.engine) as connection:
            done = delete(TABLE).where(self.mine, c.send == Send.HOME.value, c.channel == user, c.created_at <= began)
            return int(connection.execute(done).rowcount or 0)

    def renew(self, row: OutboxMessage, now: datetime, lease: timedelta = LEASE) -> bool:
        """Keep holding a row between two Slack calls; False when the claim was lost (stop)."""
        with plain_writing(self.engine) as connection:
            return _set(connection, row, claimed_until=now + lease)

    def uploaded(self, row: OutboxMessage, file_id: str | None) -> bool:
        """A file's content is with Slack under `file_id` (None: start the upload again); False when the claim was
        lost."""
        with plain_writing(self.engine) as connection:
            return _set(connection, row, file_id=file_id)

    def target(self, key: str) -> OutboxMessage | None:
        """The row a reply or a redraw depends on (its post), as stored now."""
        with plain_reading(self.engine) as connection:
            return _row(connection.execute(select(TABLE).where(self.mine, TABLE.c.key == key)).first())

    def sent(self, row: OutboxMessage, channel: str | None, ts: str | None, now: datetime) -> bool:
        """Slack took it (channel, ts). The content is cleared: Slack holds the message, the row where it is. A redraw
        replaced while it was being sent stays pending, to send the newer one. A concern's post is noted in its
        trail."""
        done: dict[str, Any] = {"sent_channel": channel, "sent_ts": ts, "sent_at": now, "claimed_until": None}
        finished: dict[str, Any] = {"state": State.SENT, "unsure": False, "text": "", "blocks": "", **_forgotten(row)}
        with plain_writing(self.engine) as connection:
            if row.send is Send.UPDATE:
                if _set(connection, row, revision=row.revision, **finished, **done):
                    return True
                return _set(connection, row, claimed_until=None, unsure=False)  # a newer drawing to send
            if not _set(connection, row, **finished, **done):
                return False
            if row.subject_kind is RecordKind.CONCERN and row.key == post_key(RecordKind.CONCERN, row.subject_id or 0):
                _delivered(connection, row.subject_id or 0, now)
            return True

    def landed_too_late(self, row: OutboxMessage, channel: str, ts: str, now: datetime) -> bool:
        """Slack took a message whose record was redacted while it was being sent (its row was cancelled and
        cleared under the send): it is deleted in turn. False when that is not why the answer could not be
        recorded (another process took the row over)."""
        c = TABLE.c
        with plain_writing(self.engine) as connection:
            found = connection.execute(
                select(c.key, c.subject_kind, c.subject_id).where(self.mine, c.id == row.id)
            ).first()
            if found is None or not str(found.key).startswith("redacted:") or found.subject_kind is None:
                return False
            subject = (found.subject_kind, found.subject_id)
            key = f"redacted:{row.id}:late:{ts}"
            late = {**deletion(key, subject, channel, ts, now), "school_id": self.school}
            connection.execute(
                upsert(connection.dialect.name).on_conflict_do_nothing(index_elements=["school_id", "key"]), [late]
            )
            return True

    def restored(self) -> int:
        """The database was restored from a backup: a post or a file waiting then may have been sent since (and what a
        record from before the outbox still had to send, drawn later). Each is marked unsure, so the sender looks for
        it in Slack (by the key it carries) before sending it again; a redraw, a deletion or a Home is the same however
        often it is done. Returns how many were marked."""
        c = TABLE.c
        with plain_writing(self.engine) as connection:
            waiting = (self.mine, c.state == State.PENDING, c.send.in_([Send.POST, Send.FILE, Send.REMAINING]))
            return int(connection.execute(update(TABLE).where(*waiting).values(unsure=True)).rowcount)

    def retry(self, row: OutboxMessage, at: datetime, unsure: bool) -> bool:
        """Not sent this time: again at `at`. `unsure` when this attempt may have landed all the same."""
        with plain_writing(self.engine) as connection:
            return _set(connection, row, claimed_until=None, next_attempt_at=at, unsure=unsure)

    def gone(self, row: OutboxMessage, now: datetime, note: str = "") -> str | None:
        """Slack will never take it where it was going: to its fall-back (returned) if it has one, its text
        followed by `note` (why it came to them), else given up."""
        with plain_writing(self.engine) as connection:
            if row.fallback:
                moved = _set(
                    connection,
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
            _set(
                connection,
                row,
                state=State.GONE,
                claimed_until=None,
                unsure=False,
                text="",
                blocks="",
                **_forgotten(row),
            )
            return None


def _forgotten(row: OutboxMessage) -> dict[str, Any]:
    """A deletion done (or given up) keeps nothing of whose message it was."""
    return {"channel": "redacted", "deletes_ts": None} if row.send is Send.DELETE else {}


def _row(found: Any) -> OutboxMessage | None:
    return None if found is None else OutboxMessage(**found._mapping)


def _set(connection: Connection, row: OutboxMessage, revision: int | None = None, **values: Any) -> bool:
    """Compare-and-set on the claim's token (the attempt count) and, for a redraw's finish, its revision."""
    where = [mine(TABLE, connection), TABLE.c.id == row.id, TABLE.c.attempts == row.attempts]
    if revision is not None:
        where.append(TABLE.c.revision == revision)
    result = connection.execute(update(TABLE).where(*where).values(**values))
    return result.rowcount == 1


def _delivered(connection: Connection, concern_id: int, now: datetime) -> None:
    """The trail says when a concern reached leadership (its post)."""
    entry = {"subject_kind": RecordKind.CONCERN, "subject_id": concern_id, "at": now, "actor_id": audit.SYSTEM_ACTOR}
    entry["school_id"] = school_in(connection)
    connection.execute(insert(AUDIT).values(action="delivered", note="", **entry))
