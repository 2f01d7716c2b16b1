"""Contact questions as asked (/check-contact), for section 9's monitoring, and the standing permissions leadership's
approvals made. Asking leadership and deciding go through the command path (storage.commands)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flows.contact import Answer, Channel, ContactQuestion, Person
from flows.contact_requests import StandingPermission, permission_covers, person_key
from flows.permissions import RecordKind
from storage import audit
from storage.db import reading, transaction
from storage.models import AuditEntry, ContactCheck, ContactPermission


class ContactCheckStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record_check(
        self,
        staff_id: str,
        question: ContactQuestion,
        described: str,
        answer: Answer,
        submission_key: str,
        now: datetime,
        permission: ContactPermission | None = None,
        where: tuple[str | None, str] = (None, ""),
    ) -> ContactCheck:
        """Store a question as asked (once per submission), for section 9's monitoring; `where`: the platform it
        is on, and which when it is "Other"."""
        try:
            with transaction(self.engine) as session:
                check = ContactCheck(
                    submission_key=submission_key,
                    asked_by=staff_id,
                    asked_at=now,
                    person=question.person,
                    channel=question.channel,
                    platform=where[0],
                    platform_other=where[1],
                    under_18=question.under_18,
                    family_or_close_family_friend=question.family_or_close_family_friend,
                    existing_personal_friend=question.existing_personal_friend,
                    person_described=described.strip(),
                    verdict=answer.verdict,
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
        self, staff_id: str, question: ContactQuestion, described: str, today: date, platform: str | None = None
    ) -> ContactPermission | None:
        """The permission leadership gave this member of staff for this very question about this person on this
        platform, if any."""
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
                    col(ContactPermission.platform).is_(None)
                    if platform is None
                    else col(ContactPermission.platform) == platform,
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

    def trail(self, check_id: int) -> list[AuditEntry]:
        """A question's audit trail, oldest first."""
        return audit.trail(self.engine, RecordKind.CONTACT_REQUEST, check_id)

    def decision_note(self, check_id: int) -> str:
        """Leadership's note on the decision (it goes to the member of staff with the decision)."""
        trail = audit.trail(self.engine, RecordKind.CONTACT_REQUEST, check_id)
        decided = [e for e in trail if e.action in ("approved", "declined")]
        return decided[-1].note if decided else ""

    def permission_of(self, check_id: int) -> ContactPermission | None:
        """The standing permission an approved request made, if any."""
        with reading(self.engine) as session:
            return self._permission_of(session, check_id)

    def asked_by(self, staff_id: str, limit: int) -> list[ContactCheck]:
        """The contact questions someone asked, newest first."""
        with reading(self.engine) as session:
            newest = select(ContactCheck).where(ContactCheck.asked_by == staff_id).order_by(col(ContactCheck.id).desc())
            return list(session.exec(newest.limit(limit)))

    def permissions_for(self, staff_id: str) -> list[ContactPermission]:
        with reading(self.engine) as session:
            stmt = (
                select(ContactPermission)
                .where(ContactPermission.staff_id == staff_id)
                .order_by(col(ContactPermission.review_on))
            )
            return list(session.exec(stmt))

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
