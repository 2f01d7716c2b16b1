"""Records stored before the outbox whose messages were not all sent: concerns not fully delivered, contact requests
and declarations never posted, decisions never told. bot.jobs hands each to the outbox once, at start-up (the bot
draws the messages; each hand-over is a compare-and-set, so two processes starting together hand over once)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Engine, exists, update
from sqlmodel import col, select

from flows.contact_requests import RequestStatus
from flows.permissions import RecordKind
from storage import outbox
from storage.db import reading, transaction
from storage.models import Concern, ContactCheck, Declaration, OutboxMessage
from storage.outbox import Message

LIMIT = 500


def _unposted(model: Any, kind: RecordKind) -> Any:
    """No post made, and none in the outbox (a redacted record is never posted again)."""
    key = f"{kind.value}:" + model.id.cast(OutboxMessage.key.type) + ":post"  # type: ignore[attr-defined]
    kept = col(model.redacted_at).is_(None)
    return kept & col(model.post_ts).is_(None) & ~exists().where(col(OutboxMessage.key) == key)


class LegacyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def concerns(self) -> list[Concern]:
        with reading(self.engine) as session:
            undelivered = col(Concern.delivered_at).is_(None), col(Concern.redacted_at).is_(None)
            stmt = select(Concern).where(*undelivered).order_by(col(Concern.id)).limit(LIMIT)
            return list(session.exec(stmt))

    def requests(self) -> list[ContactCheck]:
        """Requests with leadership that were never posted, and decisions never told."""
        with reading(self.engine) as session:
            pending = col(ContactCheck.request_status) == RequestStatus.PENDING
            stmt = select(ContactCheck).where(
                (pending & _unposted(ContactCheck, RecordKind.CONTACT_REQUEST))
                | (col(ContactCheck.tell_pending) & col(ContactCheck.redacted_at).is_(None))
            )
            return list(session.exec(stmt.order_by(col(ContactCheck.id)).limit(LIMIT)))

    def declarations(self) -> list[Declaration]:
        with reading(self.engine) as session:
            stmt = (
                select(Declaration).where(_unposted(Declaration, RecordKind.DECLARATION)).order_by(col(Declaration.id))
            )
            return list(session.exec(stmt.limit(LIMIT)))

    def hand_over(self, row: Concern | ContactCheck | Declaration, messages: Sequence[Message], now: datetime) -> bool:
        """Put a record's remaining messages in the outbox and mark it handed over, once."""
        model = type(row)
        where: Any
        values: dict[str, Any]
        with transaction(self.engine) as session:
            if isinstance(row, Concern):
                where, values = col(Concern.delivered_at).is_(None), {"delivered_at": now}
            elif isinstance(row, ContactCheck) and row.tell_pending:
                where, values = col(ContactCheck.tell_pending), {"tell_pending": False}
            else:
                where, values = col(model.version) == row.version, {"version": row.version}
            result = session.execute(update(model).where(col(model.id) == row.id, where).values(**values))
            assert isinstance(result, CursorResult)
            if result.rowcount != 1:
                return False
            outbox.put(session, messages, now)  # a post's key, if another process put it meanwhile: left as it is
            return True
