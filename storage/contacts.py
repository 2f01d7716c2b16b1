"""Contact questions as asked, standing permissions, the declaration register and the claims on their leadership
posts, each call one transaction. Asking leadership, deciding, acknowledging and re-confirming go through the
command path (storage.commands)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import CursorResult, Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flows.contact import Answer, Channel, ContactQuestion, Person
from flows.contact_requests import (
    RECONFIRM_NOTICE,
    DeclarationStatus,
    Relationship,
    RequestStatus,
    StandingPermission,
    permission_covers,
    person_key,
)
from flows.permissions import Kind as RecordKind
from storage import audit
from storage.db import reading, transaction
from storage.models import AuditEntry, ContactCheck, ContactPermission, Declaration

Row = TypeVar("Row", ContactCheck, Declaration)
Postable = type[ContactCheck] | type[Declaration]


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

    def declarations_for(self, staff_id: str) -> list[Declaration]:
        with reading(self.engine) as session:
            stmt = select(Declaration).where(Declaration.staff_id == staff_id).order_by(col(Declaration.id))
            return list(session.exec(stmt))

    # --- audit ----------------------------------------------------------------------------------------------------

    def events(self, subject: str, subject_id: int) -> list[AuditEntry]:
        """The audit trail of one check, declaration or policy review, oldest first."""
        return audit.trail(self.engine, subject, subject_id)

    # --- shared ---------------------------------------------------------------------------------------------------

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
