"""The governors' annual review: which review is due, its reminders (each claimed by one process and remembered
governor by governor), whether it is done, and the year's figures its reminders carry. Marking it done goes through
the command path (storage.commands)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import CursorResult, Engine, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage.db import reading, transaction
from storage.models import Concern, ContactCheck, PolicyReview, ReviewReminder


class ReviewStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current_review(self, configured: date | None) -> date | None:
        """The review now due. Once governors have marked a review done, the next date they chose stands, unless
        POLICY_REVIEW_DATE has since been set to a date after that completed review: a new instruction wins."""
        with reading(self.engine) as session:
            last = session.exec(select(PolicyReview).order_by(col(PolicyReview.review_on).desc())).first()
        if last is None:
            return configured
        if configured is not None and configured > last.review_on:
            return configured
        return last.next_review_on

    def claim_reminder(self, review_on: date, mark: str, now: datetime, lease: timedelta) -> frozenset[str] | None:
        """Take one reminder: for exactly one process, until it is sent (or its lease runs out unsent). Returns the
        governors who have had it already (after a failed try), or None when it is not this process's to send."""
        with reading(self.engine) as session:
            row = session.exec(
                select(ReviewReminder).where(ReviewReminder.review_on == review_on, ReviewReminder.mark == mark)
            ).first()
        if row is None:
            try:
                with transaction(self.engine) as session:
                    session.add(ReviewReminder(review_on=review_on, mark=mark, claimed_until=now + lease))
                return frozenset()
            except IntegrityError:
                return None
        if row.sent_at is not None or row.claimed_until >= now:
            return None
        with transaction(self.engine) as session:
            result = session.execute(
                update(ReviewReminder)
                .where(
                    col(ReviewReminder.id) == row.id,
                    col(ReviewReminder.sent_at).is_(None),
                    col(ReviewReminder.claimed_until) == row.claimed_until,
                )
                .values(claimed_until=now + lease)
            )
            assert isinstance(result, CursorResult)
            return row.sent_to if result.rowcount == 1 else None

    def reminder_progress(self, review_on: date, mark: str, sent_to: frozenset[str]) -> None:
        with transaction(self.engine) as session:
            session.execute(
                update(ReviewReminder)
                .where(col(ReviewReminder.review_on) == review_on, col(ReviewReminder.mark) == mark)
                .values(sent_to=sent_to)
            )

    def reminder_sent(self, review_on: date, mark: str, now: datetime) -> None:
        with transaction(self.engine) as session:
            session.execute(
                update(ReviewReminder)
                .where(col(ReviewReminder.review_on) == review_on, col(ReviewReminder.mark) == mark)
                .values(sent_at=now)
            )

    def release_reminder(self, review_on: date, mark: str) -> None:
        with transaction(self.engine) as session:
            session.execute(
                update(ReviewReminder)
                .where(col(ReviewReminder.review_on) == review_on, col(ReviewReminder.mark) == mark)
                .values(claimed_until=datetime(2000, 1, 1, tzinfo=UTC))
            )

    def is_done(self, review_on: date) -> bool:
        with reading(self.engine) as session:
            return session.exec(select(PolicyReview.id).where(PolicyReview.review_on == review_on)).first() is not None

    def year_of_concerns(self, since: datetime) -> list[Concern]:
        with reading(self.engine) as session:
            return list(session.exec(select(Concern).where(Concern.created_at >= since)))

    def contact_verdicts(self, since: datetime) -> dict[str, int]:
        with reading(self.engine) as session:
            rows = session.exec(
                select(ContactCheck.verdict, func.count())
                .where(ContactCheck.asked_at >= since)
                .group_by(ContactCheck.verdict)
            )
            return {verdict: count for verdict, count in rows}
