"""Storing a new concern once per submission (with its year's reference), reading concerns and their trails, and
claiming their delivery to Slack with a lease so that two processes never post the same concern twice. What people
do to a concern afterwards goes through the command path (storage.commands)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import CursorResult, Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from flows.concerns import ConcernDraft, format_reference
from flows.errors import DomainError
from flows.escalation import Status
from flows.permissions import Kind as RecordKind
from flows.permissions import Placement
from storage import audit, claims
from storage.audit import SYSTEM_ACTOR
from storage.db import reading, transaction
from storage.models import AuditEntry, Concern, ReferenceCounter


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


class ConcernStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- creating -------------------------------------------------------------------------------------------------

    def create(
        self,
        draft: ConcernDraft,
        submission_key: str,
        placed: tuple[Placement, str | None],
        now: datetime,
        tz: tzinfo = UTC,
        next_nudge_at: datetime | None = None,
    ) -> tuple[Concern, bool]:
        """Store a valid draft once per submission key, `placed` where flows.permissions.place() said. Returns the
        concern and whether it is new. The reference
        counts within the school's year (`tz`): a concern at 00:30 on 1 January in London is the new year's."""
        for _attempt in range(3):
            existing = self.by_submission_key(submission_key)
            if existing is not None:
                return existing, False
            try:
                concern = self._insert(draft, submission_key, placed, now, now.astimezone(tz).year, next_nudge_at)
                return concern, True
            except IntegrityError:
                continue  # a concurrent retry of the same submission, or of the year's first reference
        existing = self.by_submission_key(submission_key)
        if existing is None:
            raise DomainError("policybot could not save this just now; please press Submit again.")
        return existing, False

    def _insert(
        self,
        draft: ConcernDraft,
        submission_key: str,
        placed: tuple[Placement, str | None],
        now: datetime,
        year: int,
        next_nudge_at: datetime | None,
    ) -> Concern:
        assert draft.area and draft.kind and draft.platform, "only a validated draft is stored"
        with transaction(self.engine) as session:
            counter = session.get(ReferenceCounter, year, with_for_update=True)
            if counter is None:
                counter = ReferenceCounter(year=year, last=0)
                session.add(counter)
            counter.last += 1
            concern = Concern(
                reference=format_reference(year, counter.last),
                submission_key=submission_key,
                reporter_id=draft.reporter_id,
                area=draft.area,
                kind=draft.kind,
                platform=draft.platform,
                roles=",".join(sorted(role.value for role in draft.roles)),
                names=draft.names.strip(),
                description=draft.description.strip(),
                links="\n".join(draft.links),
                kept_copy=draft.kept_copy,
                safeguarding=draft.safeguarding,
                involved_staff_id=draft.involved_staff_id,
                route_kind=placed[0],
                route_recipient=placed[1],
                status=Status.NEW,
                created_at=now,
                updated_at=now,
                next_delivery_at=now,
                next_nudge_at=next_nudge_at,
            )
            session.add(concern)
            session.flush()
            assert concern.id is not None
            session.add(
                audit.entry(
                    RecordKind.CONCERN,
                    concern.id,
                    draft.reporter_id,
                    "reported",
                    now,
                    to_state=Status.NEW.value,
                    detail="safeguarding" if draft.safeguarding else None,
                    request_key=f"submit:{submission_key}",
                )
            )
            return concern

    # --- reading --------------------------------------------------------------------------------------------------

    def get(self, concern_id: int) -> Concern | None:
        with reading(self.engine) as session:
            return session.get(Concern, concern_id)

    def by_submission_key(self, submission_key: str) -> Concern | None:
        with reading(self.engine) as session:
            return session.exec(select(Concern).where(Concern.submission_key == submission_key)).first()

    def by_reference(self, reference: str) -> Concern | None:
        with reading(self.engine) as session:
            return session.exec(select(Concern).where(Concern.reference == reference)).first()

    def events(self, concern_id: int) -> list[AuditEntry]:
        """The concern's audit trail, oldest first."""
        return audit.trail(self.engine, RecordKind.CONCERN, concern_id)

    # --- auditing and changing ------------------------------------------------------------------------------------

    # --- delivery to Slack ----------------------------------------------------------------------------------------

    def due_deliveries(self, now: datetime, limit: int = 50) -> list[int]:
        with reading(self.engine) as session:
            stmt = (
                select(Concern.id)
                .where(col(Concern.delivered_at).is_(None), col(Concern.next_delivery_at) <= now)
                .order_by(col(Concern.id))
                .limit(limit)
            )
            return [i for i in session.exec(stmt) if i is not None]

    def claim_delivery(self, concern_id: int, now: datetime, lease: timedelta) -> Concern | None:
        """Take the delivery of one concern for `lease`; None when it is delivered or another process holds it."""
        with transaction(self.engine) as session:
            undelivered = col(Concern.delivered_at).is_(None)
            claimed = claims.take(session, Concern, concern_id, Concern.delivery_claimed_until, now, lease, undelivered)
            return session.get(Concern, concern_id) if claimed else None

    def record_delivery_step(self, concern_id: int, **values: object) -> None:
        """Remember one finished step (post_channel/post_ts, alert_sent_at, receipt_sent_at)."""
        with transaction(self.engine) as session:
            session.execute(update(Concern).where(col(Concern.id) == concern_id).values(**values))

    def finish_delivery(self, concern_id: int, now: datetime) -> None:
        with transaction(self.engine) as session:
            session.execute(
                update(Concern)
                .where(col(Concern.id) == concern_id)
                .values(delivered_at=now, delivery_claimed_until=None, next_delivery_at=None)
            )
            session.add(audit.entry(RecordKind.CONCERN, concern_id, SYSTEM_ACTOR, "delivered", now))

    def delivery_failed(self, concern_id: int, now: datetime, retry_at: datetime) -> None:
        with transaction(self.engine) as session:
            session.execute(
                update(Concern)
                .where(col(Concern.id) == concern_id)
                .values(
                    delivery_attempts=Concern.delivery_attempts + 1,  # type: ignore[operator]
                    next_delivery_at=retry_at,
                    delivery_claimed_until=None,
                )
            )
