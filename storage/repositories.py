"""Reading and changing concerns and their audit trail, each call one transaction.

Every change that matters is guarded in the database, not in memory: a Slack retry is recognised by its request key
(unique in the audit trail), two leaders clicking at once are told apart by the concern's version (compare-and-set),
and delivery to Slack is claimed with a lease so that two processes never post the same concern twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import CursorResult, Engine, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from flows.concerns import ConcernDraft, format_reference
from flows.errors import DomainError, NotAuthorised, StaleState
from flows.escalation import Action, Status, apply
from flows.permissions import Kind as RecordKind
from flows.routing import Route
from storage import audit
from storage.audit import SYSTEM_ACTOR
from storage.db import reading, transaction
from storage.models import AuditEntry, Concern, ReferenceCounter


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


@dataclass(frozen=True)
class TransitionResult:
    concern: Concern
    duplicate: bool  # the same Slack request was seen before: nothing changed


class ConcernStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- creating -------------------------------------------------------------------------------------------------

    def create(
        self,
        draft: ConcernDraft,
        submission_key: str,
        route: Route,
        now: datetime,
        tz: tzinfo = UTC,
        next_nudge_at: datetime | None = None,
    ) -> tuple[Concern, bool]:
        """Store a valid draft once per submission key. Returns the concern and whether it is new. The reference
        counts within the school's year (`tz`): a concern at 00:30 on 1 January in London is the new year's."""
        for _attempt in range(3):
            existing = self.by_submission_key(submission_key)
            if existing is not None:
                return existing, False
            try:
                concern = self._insert(draft, submission_key, route, now, now.astimezone(tz).year, next_nudge_at)
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
        route: Route,
        now: datetime,
        year: int,
        next_nudge_at: datetime | None,
    ) -> Concern:
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
                area=draft.area.value if draft.area else "",
                kind=draft.kind.value if draft.kind else "",
                platform=draft.platform.value if draft.platform else "",
                roles=",".join(sorted(role.value for role in draft.roles)),
                names=draft.names.strip(),
                description=draft.description.strip(),
                links="\n".join(draft.links),
                kept_copy=draft.kept_copy,
                safeguarding=draft.safeguarding,
                involved_staff_id=draft.involved_staff_id,
                route_kind=route.kind.value,
                route_recipient=route.recipient,
                status=Status.NEW.value,
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

    def audit(
        self,
        concern_id: int,
        actor_id: str,
        action: str,
        now: datetime,
        *,
        detail: str | None = None,
        request_key: str | None = None,
    ) -> bool:
        """Append an event. False when an event with this request key exists already (a Slack retry)."""
        try:
            with transaction(self.engine) as session:
                status = session.exec(select(Concern.status).where(Concern.id == concern_id)).first()
                session.add(
                    audit.entry(
                        RecordKind.CONCERN,
                        concern_id,
                        actor_id,
                        action,
                        now,
                        from_state=status,
                        to_state=status,
                        detail=detail,
                        request_key=request_key,
                    )
                )
            return True
        except IntegrityError:
            return False

    def transition(
        self,
        concern_id: int,
        expected_version: int,
        action: Action,
        actor_id: str,
        now: datetime,
        *,
        detail: str | None = None,
        note: str = "",
        request_key: str | None = None,
        may_act: Callable[[Concern], bool] | None = None,
    ) -> TransitionResult:
        """Apply `action` if the concern is still at `expected_version` and `may_act(concern)` allows the actor.

        Raises NotAuthorised, InvalidTransition (not allowed from this status) or StaleState (someone else changed
        it first). A request key seen before returns the stored concern with duplicate=True and changes nothing.
        Reading, checking and changing are one transaction: a click costs one round of the database.
        """
        try:
            with transaction(self.engine) as session:
                concern = session.get(Concern, concern_id)
                if concern is None:
                    raise DomainError("That concern no longer exists.")
                refusal: DomainError | None = None
                if may_act is not None and not may_act(concern):
                    refusal = NotAuthorised("Only those handling this concern may act on it.")
                elif concern.version != expected_version:
                    refusal = StaleState("Someone else changed this concern first.")
                if refusal is not None:
                    # Looked for only when refusing: a retry of a click that already won finds its version stale.
                    if request_key and audit.seen(session, request_key):
                        return TransitionResult(concern, duplicate=True)
                    raise refusal
                current = Status(concern.status)
                target = apply(current, action)
                values: dict[str, object] = {
                    "status": target.value,
                    "version": expected_version + 1,
                    "updated_at": now,
                    "last_actor_id": actor_id,
                    "next_nudge_at": None,  # someone has it now: no more nudges
                }
                if concern.acknowledged_at is None:
                    values.update(acknowledged_at=now, acknowledged_by=actor_id)
                if action is Action.ESCALATE:
                    values["escalated_to"] = detail
                if action is Action.RESOLVE:
                    values.update(resolved_at=now, outcome=detail)
                # Core statements on the session's connection: this is the click's hot path, and the ORM's bulk-update
                # and unit-of-work machinery cost more than the SQL (see bench/README.md).
                table = Concern.__table__  # type: ignore[attr-defined]
                connection = session.connection()
                changed = _rowcount(
                    connection.execute(
                        update(table)
                        .where(table.c.id == concern_id, table.c.version == expected_version)
                        .values(**values)
                    )
                )
                if changed != 1:
                    if request_key and audit.seen(session, request_key):  # a retry lost to its own first delivery
                        session.refresh(concern)
                        return TransitionResult(concern, duplicate=True)
                    raise StaleState("Someone else changed this concern first.")
                connection.execute(
                    insert(AuditEntry.__table__),  # type: ignore[attr-defined]
                    audit.values(
                        RecordKind.CONCERN,
                        concern_id,
                        actor_id,
                        target.value,
                        now,
                        from_state=current.value,
                        to_state=target.value,
                        detail=detail,
                        note=note,
                        request_key=request_key,
                    ),
                )
                for key, value in values.items():  # the row as updated, without reading it back
                    set_committed_value(concern, key, value)
                return TransitionResult(concern, duplicate=False)
        except IntegrityError:
            # The same request raced itself (a retry arriving while the first was in flight).
            with transaction(self.engine) as session:
                return self._unchanged(session, concern_id)

    @staticmethod
    def _unchanged(session: object, concern_id: int) -> TransitionResult:
        concern = session.get(Concern, concern_id)  # type: ignore[attr-defined]
        return TransitionResult(concern, duplicate=True)

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
            claimed = _rowcount(
                session.execute(
                    update(Concern)
                    .where(
                        col(Concern.id) == concern_id,
                        col(Concern.delivered_at).is_(None),
                        or_(col(Concern.delivery_claimed_until).is_(None), col(Concern.delivery_claimed_until) < now),
                    )
                    .values(delivery_claimed_until=now + lease)
                )
            )
            return session.get(Concern, concern_id) if claimed == 1 else None

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
