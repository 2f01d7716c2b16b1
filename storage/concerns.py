"""Storing a new concern once per submission (with its year's reference), with what people must be told of it put in
the outbox in the same transaction; reading concerns and their trails. What people do to a concern afterwards goes
through the command path (storage.commands)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from sqlalchemy import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from flows.concerns import ConcernDraft, format_reference
from flows.errors import DomainError
from flows.escalation import Status
from flows.permissions import Placement, RecordKind
from flows.platforms import OTHER
from storage import audit, outbox
from storage.db import reading, transaction
from storage.models import AuditEntry, Concern, ReferenceCounter
from storage.outbox_messages import Tell
from storage.tenancy import school_in
from storage.tenants import SchoolRow


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


_UNTYPED = [defer(c, raiseload=True) for c in (Concern.description, Concern.names, Concern.links)]  # type: ignore[arg-type]


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
        tell: Tell | None = None,
    ) -> tuple[Concern, bool]:
        """Store a valid draft once per submission key, `placed` where flows.permissions.place() said, with what
        `tell` draws of it put in the outbox in the same transaction. Returns the concern and whether it is new. The
        reference counts within the school's year (`tz`): a concern at 00:30 on 1 January in London is the new
        year's."""
        for _attempt in range(3):
            existing = self.by_submission_key(submission_key)
            if existing is not None:
                return existing, False
            try:
                year = now.astimezone(tz).year
                concern = self._insert(draft, submission_key, placed, now, year, next_nudge_at, tell)
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
        tell: Tell | None,
    ) -> Concern:
        assert draft.area and draft.kind and draft.platform, "only a validated draft is stored"
        with transaction(self.engine) as session:
            counter = session.get(ReferenceCounter, (school_in(session), year), with_for_update=True)
            if counter is None:
                counter = ReferenceCounter(year=year, last=0)
                session.add(counter)
            counter.last += 1
            concern = Concern(
                reference=format_reference(year, counter.last, _reference_key(session)),
                submission_key=submission_key,
                reporter_id=draft.reporter_id,
                area=draft.area,
                kind=draft.kind,
                platform=draft.platform,
                platform_other=draft.platform_other.strip() if draft.platform == OTHER else "",
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
            if tell is not None:
                outbox.put(session, tell(concern), now)
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

    def reported_by(self, reporter: str, limit: int) -> list[Concern]:
        """The concerns someone reported, newest first."""
        with reading(self.engine) as session:
            newest = select(Concern).where(Concern.reporter_id == reporter).order_by(col(Concern.id).desc())
            return list(session.exec(newest.limit(limit)))

    def open_concerns(self) -> list[Concern]:
        """Every concern not yet resolved, oldest first, without what staff typed (the App Home's queues are chosen
        from these; reading a typed field of one raises)."""
        with reading(self.engine) as session:
            waiting = select(Concern).where(Concern.status != Status.RESOLVED.value).order_by(col(Concern.id))
            return list(session.exec(waiting.options(*_UNTYPED)))

    def naming_staff_since(self, since: datetime) -> list[Concern]:
        """Concerns that name a member of staff, reported since then, oldest first, without what staff typed (the
        headteacher's patterns)."""
        with reading(self.engine) as session:
            named = select(Concern).where(col(Concern.involved_staff_id).is_not(None), Concern.created_at >= since)
            return list(session.exec(named.order_by(col(Concern.id)).options(*_UNTYPED)))

    def events(self, concern_id: int) -> list[AuditEntry]:
        """The concern's audit trail, oldest first."""
        return audit.trail(self.engine, RecordKind.CONCERN, concern_id)


def _reference_key(session: Session) -> str | None:
    """What a school's references carry: its key, for a school of a trust's file (the one school run from the
    settings keeps SMP-2026-0001)."""
    school = session.get(SchoolRow, school_in(session))
    return None if school is None or school.from_settings else school.key
