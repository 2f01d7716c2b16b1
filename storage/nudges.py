"""The stored state behind nudges: which open concerns and contact requests are due a nudge, and claiming each so that
it is counted once and its messages put in the outbox once, whichever process gets there first.

Every query here reads only open items (through the index on next_nudge_at, or the status), so a nudge pass costs
what the open items cost, not the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Engine, func, update
from sqlmodel import col, select

from flows.permissions import Record, RecordKind
from storage import audit, claims, outbox_messages
from storage.db import reading, transaction
from storage.models import Concern, ContactCheck
from storage.outbox_messages import Message
from storage.records import facts

CONCERN, CONTACT_REQUEST = RecordKind.CONCERN, RecordKind.CONTACT_REQUEST
_MODELS: dict[RecordKind, Any] = {CONCERN: Concern, CONTACT_REQUEST: ContactCheck}
# each kind in the audit trail, and its open state
_AUDITED = {CONCERN: "new", CONTACT_REQUEST: "pending"}


def _open(kind: RecordKind) -> Any:
    """The condition for "still waiting for leadership"."""
    if kind == CONCERN:
        return col(Concern.status) == "new"
    return col(ContactCheck.request_status) == "pending"


@dataclass(frozen=True)
class Waiting:
    """An item waiting for leadership, as the nudge rules need it."""

    kind: RecordKind
    id: int
    reference: str
    since: datetime
    nudges_sent: int
    last_nudged_at: datetime | None
    safeguarding: bool
    involved: str | None
    route_recipient: str | None
    owner: str  # who reported it, or asked
    head_told: bool
    facts: Record  # as flows.permissions reads it (storage.records.facts)
    claim: datetime | None = None  # this process's lease, the token for writing back


def _waiting(kind: RecordKind, row: Any) -> Waiting:
    common = {
        "id": row.id,
        "nudges_sent": row.nudges_sent,
        "last_nudged_at": row.last_nudged_at,
        "head_told": row.head_told_at is not None,
        "claim": row.nudge_claimed_until,
        "facts": facts(row),
    }
    if kind == CONCERN:
        return Waiting(
            kind=CONCERN,
            reference=row.reference,
            since=row.created_at,
            safeguarding=row.safeguarding,
            involved=row.involved_staff_id,
            owner=row.reporter_id,
            route_recipient=row.route_recipient,
            **common,
        )
    return Waiting(
        kind=CONTACT_REQUEST,
        reference=f"CQ-{row.id:04d}",
        since=row.requested_at or row.asked_at,
        safeguarding=False,
        involved=None,
        owner=row.asked_by,
        route_recipient=None,
        **common,
    )


class NudgeStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def forget_due_times(self) -> int:
        """Clear every open item's due time, so that it is derived again from the stored state and the settings now
        in force (after a restart with new settings). Returns how many items are open."""
        count = 0
        with transaction(self.engine) as session:
            for kind, model in _MODELS.items():
                result = session.execute(update(model).where(_open(kind)).values(next_nudge_at=None))
                assert isinstance(result, CursorResult)
                count += result.rowcount
        return count

    def unscheduled(self, limit: int = 500) -> list[Waiting]:
        """Open items with no due time yet."""
        out: list[Waiting] = []
        with reading(self.engine) as session:
            for kind, model in _MODELS.items():
                stmt = select(model).where(_open(kind), col(model.next_nudge_at).is_(None)).limit(limit)
                out += [_waiting(kind, row) for row in session.exec(stmt)]
        return out

    def set_due(self, item: Waiting, due: datetime) -> None:
        """Store a derived due time, unless the row moved on since it was read (another process nudged it)."""
        model = _MODELS[item.kind]
        with transaction(self.engine) as session:
            session.execute(
                update(model)
                .where(
                    col(model.id) == item.id,
                    _open(item.kind),
                    col(model.nudges_sent) == item.nudges_sent,
                    col(model.next_nudge_at).is_(None),
                )
                .values(next_nudge_at=due)
            )

    def due(self, now: datetime, limit: int = 200) -> list[tuple[RecordKind, int]]:
        out: list[tuple[RecordKind, int]] = []
        with reading(self.engine) as session:
            for kind, model in _MODELS.items():
                stmt = (
                    select(model.id)
                    .where(col(model.next_nudge_at) <= now, _open(kind))
                    .order_by(col(model.next_nudge_at))
                    .limit(limit)
                )
                out += [(kind, item_id) for item_id in session.exec(stmt) if item_id is not None]
        return out

    def earliest(self, now: datetime) -> datetime | None:
        """The soonest due time of any open item nobody is sending now (for the wake-up)."""
        with reading(self.engine) as session:
            times = [
                session.exec(
                    select(func.min(model.next_nudge_at)).where(
                        _open(kind),
                        claims.lapsed(model.nudge_claimed_until, now),
                    )
                ).one()
                for kind, model in _MODELS.items()
            ]
        found = [t for t in times if t is not None]
        return min(found) if found else None

    def claim(self, kind: RecordKind, item_id: int, now: datetime, lease: timedelta) -> Waiting | None:
        """Take one due nudge for `lease`: None when it is no longer due, no longer open, or another process has it."""
        model = _MODELS[kind]
        with transaction(self.engine) as session:
            due = (col(model.next_nudge_at) <= now, _open(kind))
            if not claims.take(session, model, item_id, model.nudge_claimed_until, now, lease, *due):
                return None
            return _waiting(kind, session.get(model, item_id))

    def _mine(self, item: Waiting) -> Any:
        model = _MODELS[item.kind]
        return (col(model.id) == item.id) & (col(model.nudge_claimed_until) == item.claim)

    def nudged(
        self, item: Waiting, now: datetime, next_due: datetime, head_told: bool, messages: Sequence[Message]
    ) -> bool:
        """The nudge is due: count it, set the next, release the claim, put it in the audit trail and its messages
        in the outbox, all at once. False (and nothing written) when this process's claim had run out and another
        took it."""
        model = _MODELS[item.kind]
        values: dict[str, Any] = {
            "nudges_sent": item.nudges_sent + 1,
            "last_nudged_at": now,
            "next_nudge_at": next_due,
            "nudge_claimed_until": None,
        }
        if head_told:
            values["head_told_at"] = now
        with transaction(self.engine) as session:
            result = session.execute(update(model).where(self._mine(item)).values(**values))
            assert isinstance(result, CursorResult)
            if result.rowcount != 1:
                return False
            detail = f"nudge {item.nudges_sent + 1}" + (", headteacher told" if head_told else "")
            state = _AUDITED[item.kind]
            session.add(
                audit.entry(
                    item.kind,
                    item.id,
                    audit.SYSTEM_ACTOR,
                    "nudged",
                    now,
                    from_state=state,
                    to_state=state,
                    detail=detail,
                )
            )
            outbox_messages.put(session, messages, now)
            return True
