"""The leadership posts of contact requests and declarations: which are still to be made, claimed by one process at
a time, and the decisions whose member of staff is still to be told."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CursorResult, Engine, update
from sqlmodel import col, select

from flows.contact_requests import RequestStatus
from storage import claims
from storage.db import reading, transaction
from storage.models import ContactCheck, Declaration

Postable = type[ContactCheck] | type[Declaration]


class PostStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def due_posts(self, now: datetime, limit: int = 50) -> list[tuple[Postable, int]]:
        """Requests and declarations whose leadership post has not been made (Slack failed, or a process stopped)."""
        out: list[tuple[Postable, int]] = []
        with reading(self.engine) as session:
            for model, extra in (
                (ContactCheck, ContactCheck.request_status == RequestStatus.PENDING.value),
                (Declaration, True),
            ):
                stmt = (
                    select(model.id)
                    .where(
                        col(model.post_ts).is_(None),
                        extra,
                        claims.lapsed(model.post_claimed_until, now),
                    )
                    .order_by(col(model.id))
                    .limit(limit)
                )
                out += [(model, row_id) for row_id in session.exec(stmt) if row_id is not None]
        return out

    def claim_post(
        self, model: Postable, row_id: int, now: datetime, lease: timedelta
    ) -> ContactCheck | Declaration | None:
        """Take the posting of one row for `lease`; None when it is posted or another process holds it."""
        with transaction(self.engine) as session:
            if not claims.take(
                session, model, row_id, model.post_claimed_until, now, lease, col(model.post_ts).is_(None)
            ):
                return None
            return session.get(model, row_id)  # type: ignore[return-value]  # a ContactCheck or a Declaration

    def record_post(self, model: Postable, row_id: int, channel: str | None, ts: str | None) -> None:
        """The post was made (channel, ts), or failed (None, None: released for the next try)."""
        with transaction(self.engine) as session:
            session.execute(
                update(model)
                .where(col(model.id) == row_id)
                .values(post_channel=channel, post_ts=ts, post_claimed_until=None)
            )

    def decisions_to_tell(self) -> list[int]:
        """Decided requests whose member of staff has not been told yet (through the index on tell_pending)."""
        with reading(self.engine) as session:
            return [i for i in session.exec(select(ContactCheck.id).where(col(ContactCheck.tell_pending))) if i]

    def take_telling(self, check_id: int, pending: bool = False) -> bool:
        """Compare-and-set tell_pending: True for the one process that may now tell (or that put it back)."""
        with transaction(self.engine) as session:
            result = session.execute(
                update(ContactCheck)
                .where(col(ContactCheck.id) == check_id, col(ContactCheck.tell_pending) == (not pending))
                .values(tell_pending=pending)
            )
            assert isinstance(result, CursorResult)
            return result.rowcount == 1
