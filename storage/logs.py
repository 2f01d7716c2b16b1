"""The governors' logs as stored, for the export: every concern, contact question, declaration and policy review (with
`since`, those from that moment on), oldest first, each with its whole audit trail; and the standing permissions.
One read-only transaction; trails are read from the one audit table by its index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.permissions import Kind as RecordKind
from storage import audit
from storage.db import reading
from storage.models import AuditEntry, Concern, ContactCheck, ContactPermission, Declaration, PolicyReview

Trailed = list[tuple[Any, list[AuditEntry]]]  # records, each with its audit trail


@dataclass(frozen=True)
class Log:
    model: Any
    stamp: Any  # the column `since` is compared with
    kind: RecordKind


LOGS = {
    "concerns": Log(Concern, Concern.created_at, RecordKind.CONCERN),
    "contact_checks": Log(ContactCheck, ContactCheck.asked_at, RecordKind.CONTACT_REQUEST),
    "declarations": Log(Declaration, Declaration.declared_at, RecordKind.DECLARATION),
    "policy_reviews": Log(PolicyReview, PolicyReview.reviewed_at, RecordKind.REVIEW),
}


def subject_id(kind: RecordKind, row: Any) -> int:
    """The id a record has in the audit trail: its own, or for a policy review its due date (yyyymmdd)."""
    return audit.review_subject_id(row.review_on) if kind is RecordKind.REVIEW else int(row.id)


def _rows(session: Session, model: Any, stamp: Any, since: datetime | None) -> list[Any]:
    stmt = select(model).order_by(model.id)
    if since is not None:
        stmt = stmt.where(stamp >= since)
    return list(session.exec(stmt))


def read(engine: Engine, since: datetime | None = None) -> tuple[dict[str, Trailed], list[ContactPermission]]:
    """Each log's records with their trails, by log name (the keys of LOGS), and the standing permissions."""
    with reading(engine) as session:
        logs: dict[str, Trailed] = {}
        for name, log in LOGS.items():
            rows = _rows(session, log.model, log.stamp, since)
            trails = audit.trails(session, log.kind, [subject_id(log.kind, row) for row in rows])
            logs[name] = [(row, trails.get(subject_id(log.kind, row), [])) for row in rows]
        permissions = _rows(session, ContactPermission, ContactPermission.granted_at, since)
    return logs, permissions
