"""The one audit trail of every kind of record (storage.models.AuditEntry): building an entry, recognising a Slack
retry by its request key (unique across the table), and reading trails by the index on (subject_kind, subject_id,
id), oldest first. The stores write entries in the same transaction as the change they record."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, ParamSpec

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flows.permissions import POLICYBOT, RecordKind
from storage.db import reading, transaction
from storage.models import AuditEntry

P = ParamSpec("P")
SYSTEM_ACTOR = POLICYBOT  # the actor of what policybot did by itself (delivered, nudged, redacted)
_CHUNK = 500  # subject ids per query when reading many trails: well inside every database's parameter limit


def review_subject_id(review_on: date) -> int:
    """A policy review's subject id: it is known by its due date, as the number yyyymmdd."""
    return review_on.year * 10000 + review_on.month * 100 + review_on.day


def values(
    kind: str,
    subject_id: int | None,
    actor_id: str,
    action: str,
    at: datetime,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    detail: str | None = None,
    note: str = "",
    request_key: str | None = None,
) -> dict[str, Any]:
    """An entry's columns (for a Core insert on a hot path); an unknown kind is a ValueError."""
    assert subject_id is not None
    return {
        "subject_kind": RecordKind(kind).value,
        "subject_id": subject_id,
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "detail": detail,
        "note": note.strip(),
        "request_key": request_key,
    }


def _as_entry(build: Callable[P, dict[str, Any]]) -> Callable[P, AuditEntry]:
    def make(*args: P.args, **kwargs: P.kwargs) -> AuditEntry:
        return AuditEntry(**build(*args, **kwargs))

    make.__doc__ = "An entry to add to a session; the arguments are values()'s."
    return make


entry = _as_entry(values)


def append(engine: Engine, new: AuditEntry) -> bool:
    """Store one entry in a transaction of its own; False when its request key is stored already (a Slack retry)."""
    try:
        with transaction(engine) as session:
            session.add(new)
        return True
    except IntegrityError:
        return False


def seen(session: Session, request_key: str) -> bool:
    """Whether an entry with this request key is stored: the request was handled before."""
    return session.exec(select(AuditEntry.id).where(AuditEntry.request_key == request_key)).first() is not None


def trail(engine: Engine, kind: str, subject_id: int) -> list[AuditEntry]:
    """One record's trail, oldest first."""
    with reading(engine) as session:
        return trails(session, kind, [subject_id]).get(subject_id, [])


def trails(session: Session, kind: str, subject_ids: Iterable[int]) -> dict[int, list[AuditEntry]]:
    """The trails of many records of one kind, each oldest first, by subject id (a record without entries: absent)."""
    ids = sorted(set(subject_ids))
    found: dict[int, list[AuditEntry]] = {}
    for start in range(0, len(ids), _CHUNK):
        stmt = (
            select(AuditEntry)
            .where(
                AuditEntry.subject_kind == RecordKind(kind).value,
                col(AuditEntry.subject_id).in_(ids[start : start + _CHUNK]),
            )
            .order_by(col(AuditEntry.subject_id), col(AuditEntry.id))
        )
        for row in session.exec(stmt):
            found.setdefault(row.subject_id, []).append(row)
    return found
