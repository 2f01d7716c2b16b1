"""Contact checks, leadership's decisions, standing permissions and the declaration register, each call one
transaction. Decisions are compare-and-set on a version and retries are recognised by a unique request key, as for
concerns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from flows.contact import Answer, Channel, ContactQuestion, Person
from flows.contact_requests import (
    RECONFIRM_NOTICE,
    Decision,
    DeclarationStatus,
    Relationship,
    RequestStatus,
    StandingPermission,
    acknowledge_declaration,
    decide,
    permission_covers,
    person_key,
    request,
)
from flows.errors import DomainError, NotAuthorised, StaleState
from flows.permissions import Kind as RecordKind
from storage import audit
from storage.db import reading, transaction
from storage.models import AuditEntry, ContactCheck, ContactPermission, Declaration

Row = TypeVar("Row", ContactCheck, Declaration)
Postable = type[ContactCheck] | type[Declaration]


@dataclass(frozen=True)
class Decided:
    check: ContactCheck
    permission: ContactPermission | None
    duplicate: bool


class ContactStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- questions ------------------------------------------------------------------------------------------------

    def record_check(
        self,
        staff_id: str,
        question: ContactQuestion,
        described: str,
        answer: Answer,
        submission_key: str,
        now: datetime,
        permission: ContactPermission | None = None,
    ) -> ContactCheck:
        """Store a question as asked (once per submission), for section 9's monitoring."""
        try:
            with transaction(self.engine) as session:
                check = ContactCheck(
                    submission_key=submission_key,
                    asked_by=staff_id,
                    asked_at=now,
                    person=question.person.value,
                    channel=question.channel.value,
                    under_18=question.under_18,
                    family_or_close_family_friend=question.family_or_close_family_friend,
                    existing_personal_friend=question.existing_personal_friend,
                    person_described=described.strip(),
                    verdict=answer.verdict.value,
                    rule_ids=",".join(answer.rule_ids),
                    answered_by_permission_id=permission.id if permission else None,
                )
                session.add(check)
                session.flush()
                session.add(
                    audit.entry(
                        RecordKind.CONTACT_REQUEST,
                        check.id,
                        staff_id,
                        "asked",
                        now,
                        to_state=answer.verdict.value,
                        request_key=f"check:{submission_key}",
                    )
                )
                return check
        except IntegrityError:
            with reading(self.engine) as session:
                stored = session.exec(select(ContactCheck).where(ContactCheck.submission_key == submission_key)).one()
                return stored

    def standing_permission(
        self, staff_id: str, question: ContactQuestion, described: str, today: date
    ) -> ContactPermission | None:
        """The permission leadership gave this member of staff for this very question about this person, if any."""
        key = person_key(described)
        if not key:
            return None
        with reading(self.engine) as session:
            candidates = session.exec(
                select(ContactPermission, ContactCheck)
                .join(ContactCheck, col(ContactCheck.id) == col(ContactPermission.check_id))
                .where(
                    ContactPermission.staff_id == staff_id,
                    ContactPermission.person == question.person.value,
                    ContactPermission.channel == question.channel.value,
                    ContactPermission.person_key == key,
                )
                .order_by(col(ContactPermission.review_on).desc())
            )
            for permission, check in candidates:
                granted = StandingPermission(staff_id, question_of(check), permission.person_key, permission.review_on)
                if permission_covers(granted, staff_id, question, described, today):
                    return permission
        return None

    def check(self, check_id: int) -> ContactCheck | None:
        with reading(self.engine) as session:
            return session.get(ContactCheck, check_id)

    def ask_leadership(
        self, check_id: int, staff_id: str, now: datetime, request_key: str, next_nudge_at: datetime | None = None
    ) -> tuple[ContactCheck, bool]:
        """pending, once. Returns the check and whether this call made the request (False for a retry)."""
        try:
            with transaction(self.engine) as session:
                check = session.get(ContactCheck, check_id)
                if check is None or check.asked_by != staff_id:
                    raise NotAuthorised("Only the person who asked can send this to leadership.")
                if check.request_status != RequestStatus.NONE.value and audit.seen(session, request_key):
                    return check, False
                target = request(RequestStatus(check.request_status))
                self._compare_and_set(
                    session,
                    check,
                    {"request_status": target.value, "requested_at": now, "next_nudge_at": next_nudge_at},
                )
                session.add(
                    audit.entry(
                        RecordKind.CONTACT_REQUEST,
                        check_id,
                        staff_id,
                        "asked_leadership",
                        now,
                        from_state=RequestStatus.NONE.value,
                        to_state=target.value,
                        request_key=request_key,
                    )
                )
                return check, True
        except IntegrityError:
            stored = self.check(check_id)
            assert stored is not None
            return stored, False

    def decide(
        self,
        check_id: int,
        expected_version: int,
        decision: Decision,
        actor_id: str,
        now: datetime,
        *,
        review_on: date,
        note: str = "",
        request_key: str,
        may_decide: Callable[[ContactCheck], bool],
    ) -> Decided:
        try:
            with transaction(self.engine) as session:
                check = session.get(ContactCheck, check_id)
                if check is None:
                    raise DomainError("That request no longer exists.")
                refusal: DomainError | None = None
                if not may_decide(check):
                    refusal = NotAuthorised("Only the leadership team can decide contact requests.")
                elif check.version != expected_version:
                    refusal = StaleState("Someone else decided this first.")
                if refusal is not None:
                    if audit.seen(session, request_key):
                        return Decided(check, self._permission_of(session, check_id), duplicate=True)
                    raise refusal
                current = RequestStatus(check.request_status)
                target = decide(current, decision)
                self._compare_and_set(
                    session,
                    check,
                    {
                        "request_status": target.value,
                        "decided_by": actor_id,
                        "decided_at": now,
                        "next_nudge_at": None,
                        "tell_pending": True,
                    },
                )
                permission = None
                if decision is Decision.APPROVE:
                    permission = ContactPermission(
                        staff_id=check.asked_by,
                        person=check.person,
                        channel=check.channel,
                        person_key=person_key(check.person_described),
                        person_described=check.person_described,
                        granted_by=actor_id,
                        granted_at=now,
                        review_on=review_on,
                        check_id=check_id,
                    )
                    session.add(permission)
                session.add(
                    audit.entry(
                        RecordKind.CONTACT_REQUEST,
                        check_id,
                        actor_id,
                        target.value,
                        now,
                        from_state=current.value,
                        to_state=target.value,
                        note=note,
                        request_key=request_key,
                    )
                )
                session.flush()
                return Decided(check, permission, duplicate=False)
        except IntegrityError:
            with reading(self.engine) as session:
                stored = session.get(ContactCheck, check_id)
                assert stored is not None
                return Decided(stored, self._permission_of(session, check_id), duplicate=True)

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
                        or_(col(model.post_claimed_until).is_(None), col(model.post_claimed_until) < now),
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
            result = session.execute(
                update(model)
                .where(
                    col(model.id) == row_id,
                    col(model.post_ts).is_(None),
                    or_(col(model.post_claimed_until).is_(None), col(model.post_claimed_until) < now),
                )
                .values(post_claimed_until=now + lease)
            )
            assert isinstance(result, CursorResult)
            if result.rowcount != 1:
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

    def decision_note(self, check_id: int) -> str:
        """Leadership's note on the decision (it goes to the member of staff with the decision)."""
        decided = [e for e in self.events("check", check_id) if e.action in ("approved", "declined")]
        return decided[-1].note if decided else ""

    def permission_of(self, check_id: int) -> ContactPermission | None:
        """The standing permission an approved request made, if any."""
        with reading(self.engine) as session:
            return self._permission_of(session, check_id)

    def permissions_for(self, staff_id: str) -> list[ContactPermission]:
        with reading(self.engine) as session:
            stmt = (
                select(ContactPermission)
                .where(ContactPermission.staff_id == staff_id)
                .order_by(col(ContactPermission.review_on))
            )
            return list(session.exec(stmt))

    # --- declarations ---------------------------------------------------------------------------------------------

    def declare(
        self,
        staff_id: str,
        person: str,
        relationship: Relationship,
        described: str,
        submission_key: str,
        now: datetime,
        confirm_by: date,
    ) -> tuple[Declaration, bool]:
        try:
            with transaction(self.engine) as session:
                declaration = Declaration(
                    submission_key=submission_key,
                    staff_id=staff_id,
                    person=person,
                    relationship=relationship.value,
                    person_described=described.strip(),
                    declared_at=now,
                    confirm_by=confirm_by,
                    next_notice_on=confirm_by - RECONFIRM_NOTICE,
                )
                session.add(declaration)
                session.flush()
                session.add(
                    audit.entry(
                        RecordKind.DECLARATION,
                        declaration.id,
                        staff_id,
                        "declared",
                        now,
                        to_state=DeclarationStatus.DECLARED.value,
                        request_key=f"declare:{submission_key}",
                    )
                )
                return declaration, True
        except IntegrityError:
            with reading(self.engine) as session:
                stmt = select(Declaration).where(Declaration.submission_key == submission_key)
                return session.exec(stmt).one(), False

    def declaration(self, declaration_id: int) -> Declaration | None:
        with reading(self.engine) as session:
            return session.get(Declaration, declaration_id)

    def acknowledge(
        self,
        declaration_id: int,
        expected_version: int,
        actor_id: str,
        now: datetime,
        *,
        request_key: str,
        may_act: Callable[[Declaration], bool],
    ) -> tuple[Declaration, bool]:
        """Returns the declaration and whether this call changed it (False for a retry)."""
        try:
            with transaction(self.engine) as session:
                row = session.get(Declaration, declaration_id)
                if row is None:
                    raise DomainError("That declaration no longer exists.")
                refusal: DomainError | None = None
                if not may_act(row):
                    refusal = NotAuthorised("Only the leadership team can acknowledge declarations.")
                elif row.version != expected_version:
                    refusal = StaleState("Someone else acknowledged this first.")
                if refusal is not None:
                    if audit.seen(session, request_key):
                        return row, False
                    raise refusal
                current = DeclarationStatus(row.status)
                target = acknowledge_declaration(current)
                self._compare_and_set(
                    session,
                    row,
                    {
                        "status": target.value,
                        "acknowledged_by": actor_id,
                        "acknowledged_at": now,
                    },
                )
                session.add(
                    audit.entry(
                        RecordKind.DECLARATION,
                        declaration_id,
                        actor_id,
                        "acknowledged",
                        now,
                        from_state=current.value,
                        to_state=target.value,
                        request_key=request_key,
                    )
                )
                return row, True
        except IntegrityError:
            stored = self.declaration(declaration_id)
            assert stored is not None
            return stored, False

    def reconfirm(self, declaration_id: int, staff_id: str, now: datetime, confirm_by: date, request_key: str) -> bool:
        """The member of staff says the declaration still holds: it runs for another year."""
        try:
            with transaction(self.engine) as session:
                row = session.get(Declaration, declaration_id)
                if row is None or row.staff_id != staff_id:
                    raise NotAuthorised("Only the person who declared this can re-confirm it.")
                row.confirm_by = confirm_by
                row.next_notice_on = confirm_by - RECONFIRM_NOTICE
                session.add(
                    audit.entry(
                        RecordKind.DECLARATION,
                        declaration_id,
                        staff_id,
                        "reconfirmed",
                        now,
                        from_state=row.status,
                        to_state=row.status,
                        request_key=request_key,
                    )
                )
            return True
        except IntegrityError:
            return False

    def declarations_for(self, staff_id: str) -> list[Declaration]:
        with reading(self.engine) as session:
            stmt = select(Declaration).where(Declaration.staff_id == staff_id).order_by(col(Declaration.id))
            return list(session.exec(stmt))

    # --- audit ----------------------------------------------------------------------------------------------------

    def audit(
        self, subject: str, subject_id: int, actor_id: str, action: str, now: datetime, request_key: str | None = None
    ) -> bool:
        """Append an event about a check, a declaration or a policy review (storage.models.RecordKind). False when
        an event with this request key exists already (a Slack retry)."""
        entry = audit.entry(subject, subject_id, actor_id, action, now, request_key=request_key)
        return audit.append(self.engine, entry)

    def events(self, subject: str, subject_id: int) -> list[AuditEntry]:
        """The audit trail of one check, declaration or policy review, oldest first."""
        return audit.trail(self.engine, subject, subject_id)

    # --- shared ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _compare_and_set(session: Session, row: Row, values: dict[str, Any]) -> None:
        model = type(row)
        values = {**values, "version": row.version + 1}
        result = session.execute(
            update(model).where(col(model.id) == row.id, col(model.version) == row.version).values(**values)
        )
        assert isinstance(result, CursorResult)
        if result.rowcount != 1:
            raise StaleState("Someone else changed this first.")
        for key, value in values.items():
            set_committed_value(row, key, value)

    @staticmethod
    def _permission_of(session: Session, check_id: int) -> ContactPermission | None:
        return session.exec(select(ContactPermission).where(ContactPermission.check_id == check_id)).first()


def question_of(check: ContactCheck) -> ContactQuestion:
    """The question a stored check asked."""
    return ContactQuestion(
        person=Person(check.person),
        channel=Channel(check.channel),
        under_18=check.under_18,
        family_or_close_family_friend=check.family_or_close_family_friend,
        existing_personal_friend=check.existing_personal_friend,
    )
