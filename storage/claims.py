"""Leases on rows, written once: a process claims a row's work (a delivery, a post, a nudge) by compare-and-set on
the row's lease column, so that exactly one process does it; a lease that has run out can be taken over."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, or_, update
from sqlmodel import Session, col


def lapsed(column: Any, now: datetime) -> ColumnElement[bool]:
    """Nobody holds the lease: never taken, or run out."""
    return or_(col(column).is_(None), col(column) < now)


def take(session: Session, model: Any, row_id: int, column: Any, now: datetime, lease: timedelta, *when: Any) -> bool:
    """Claim `model` row `row_id` until now + lease, if its lease in `column` has lapsed and every condition in
    `when` holds. True for the one process that took it."""
    result = session.execute(
        update(model).where(col(model.id) == row_id, lapsed(column, now), *when).values({column.key: now + lease})
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
