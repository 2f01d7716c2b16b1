"""The governors' annual review: which review is due, its reminders (each written once, with its messages to the
governors, by whichever process gets there first), whether it is done, and the year's figures its reminders carry.
Marking it done goes through the command path (storage.commands)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage import outbox_messages
from storage.db import reading, transaction
from storage.models import PolicyReview, ReviewReminder
from storage.outbox_messages import Message


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

    def remind(self, review_on: date, mark: str, now: datetime, messages: Sequence[Message]) -> bool:
        """One reminder of one review, once: its row (unique by review and mark) and its messages to the governors
        are written together. False when it was sent already (by this process or another)."""
        try:
            with transaction(self.engine) as session:
                session.add(ReviewReminder(review_on=review_on, mark=mark))
                session.flush()
                outbox_messages.put(session, messages, now)
            return True
        except IntegrityError:
            return False

    def reminded(self, review_on: date, mark: str) -> bool:
        with reading(self.engine) as session:
            stmt = select(ReviewReminder.id).where(ReviewReminder.review_on == review_on, ReviewReminder.mark == mark)
            return session.exec(stmt).first() is not None

    def is_done(self, review_on: date) -> bool:
        with reading(self.engine) as session:
            return session.exec(select(PolicyReview.id).where(PolicyReview.review_on == review_on)).first() is not None

    def past(self, limit: int) -> list[PolicyReview]:
        """The reviews recorded as done, newest first."""
        with reading(self.engine) as session:
            newest = select(PolicyReview).order_by(col(PolicyReview.review_on).desc())
            return list(session.exec(newest.limit(limit)))
