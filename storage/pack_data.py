"""What the governors' pack counts, read as anonymised facts (flows.pack): no id, reference or typed word leaves
here, only the kinds, dates and outcomes of records made in a period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import Engine
from sqlmodel import col, select

from flows.pack import PackConcern, PackQuestion, PackReview
from storage.db import reading
from storage.models import Concern, ContactCheck, Declaration, PolicyReview


def _bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """From the start of `start` to the end of `end`, in the school's time zone."""
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)


def concerns(engine: Engine, start: date, end: date, tz: tzinfo) -> list[PackConcern]:
    since, until = _bounds(start, end, tz)
    with reading(engine) as session:
        rows = session.exec(select(Concern).where(Concern.created_at >= since, Concern.created_at < until))
        return [
            PackConcern(
                area=str(row.area),
                kind=str(row.kind),
                platform=str(row.platform),
                reported_at=row.created_at,
                acknowledged_at=row.acknowledged_at,
                escalated_to=str(row.escalated_to) if row.escalated_to else None,
                outcome=str(row.outcome) if row.outcome else None,
                safeguarding=row.safeguarding,
                nudges_sent=row.nudges_sent,
                head_told=row.head_told_at is not None,
                policy_version=row.policy_version,
            )
            for row in rows
        ]


def questions(engine: Engine, start: date, end: date, tz: tzinfo) -> list[PackQuestion]:
    since, until = _bounds(start, end, tz)
    with reading(engine) as session:
        rows = session.exec(select(ContactCheck).where(ContactCheck.asked_at >= since, ContactCheck.asked_at < until))
        return [
            PackQuestion(str(row.person), str(row.verdict), str(row.request_status), row.policy_version) for row in rows
        ]


def declarations(engine: Engine, end: date) -> dict[str, int]:
    """Declared connections at the end of the period: current (re-confirmed in time) and lapsed."""
    with reading(engine) as session:
        rows = [row.confirm_by for row in session.exec(select(Declaration))]
    return {"current": sum(d >= end for d in rows), "lapsed": sum(d < end for d in rows)}


def reviews(engine: Engine) -> list[PackReview]:
    with reading(engine) as session:
        rows = session.exec(select(PolicyReview).order_by(col(PolicyReview.review_on)))
        return [PackReview(r.review_on, r.reviewed_at, r.policy_version, r.adopted_version) for r in rows]
