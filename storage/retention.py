"""Retention in the database: which records have closed and when (for flows.retention), and what redacting one
clears. Redaction is a step of the one command path (storage.steps, Act.REDACT): the record's row, its standing
permission, its audit trail and the outbox rows about it lose every column the one declaration of what is personal
(storage.personal) marks as identifying someone or typed by staff; the anonymised facts stay for the pack. Every
message the bot sent about the record is deleted in Slack through the outbox (Send.DELETE), and anything still
waiting to be sent about it is cancelled.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

import sqlmodel as sql
from sqlalchemy import Engine, String, Table, UniqueConstraint, cast, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from flows.contact_requests import RequestStatus
from flows.permissions import RecordKind
from flows.retention import Closed, Held, held_as
from storage import audit, outbox
from storage.db import reading, transaction
from storage.models import (
    AuditEntry,
    Concern,
    ContactCheck,
    ContactPermission,
    Declaration,
    JobRun,
    OutboxMessage,
    Send,
    State,
)
from storage.personal import DECLARED, Holds
from storage.tenancy import mine, school_in

REDACTED = "redacted"  # what an id that cannot be empty reads once redacted
ASKED = "retention_asked"  # the audit action: a safeguarding lead was asked to confirm


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def blanks(table: Table, known: dict[str, Any] | None = None) -> dict[str, Any]:
    """The values that clear every personal and typed column of a table (a unique one keeps its row's id)."""
    found: dict[str, Any] = {}
    for name, declared in DECLARED[table.name].items():
        if declared.holds is Holds.NEITHER:
            continue
        column = table.c[name]
        if column.unique or any(isinstance(c, UniqueConstraint) and name in c.columns for c in table.constraints):
            found[name] = literal(REDACTED + ":").concat(cast(table.c.id, String))
        elif column.nullable:
            found[name] = None
        else:
            found[name] = "" if declared.holds is Holds.TYPED else REDACTED
    return found


def row_blanks(model: Any) -> dict[str, Any]:
    """blanks() for a record's own row, as plain values (the command path writes them and shows them on the row)."""
    values = blanks(_table(model))
    return {name: value for name, value in values.items() if not hasattr(value, "compile")}


def around(session: Session, kind: RecordKind, record_id: int, at: datetime) -> None:
    """Inside the redaction's transaction: what is held about the record beyond its own row."""
    connection = session.connection()
    if kind is RecordKind.CONTACT_REQUEST:
        permits = _table(ContactPermission)
        about_it = (mine(permits, session), permits.c.check_id == record_id)
        connection.execute(update(permits).where(*about_it).values(**blanks(permits)))
    trail = _table(AuditEntry)
    about = (mine(trail, session), trail.c.subject_kind == kind.value, trail.c.subject_id == record_id)
    connection.execute(update(trail).where(*about).values(**blanks(trail)))
    _outbox(session, kind, record_id, at)


def _outbox(session: Session, kind: RecordKind, record_id: int, at: datetime) -> None:
    out = _table(OutboxMessage)
    c = out.c
    about = (mine(out, session), c.subject_kind == kind.value, c.subject_id == record_id, c.send != Send.DELETE)
    connection = session.connection()
    # First, no claim on a row about it counts any more: a send under way cannot record itself (what it posts is
    # then deleted by the sender, outbox.OutboxStore.landed_too_late), and nothing more goes out about it.
    connection.execute(update(out).where(*about).values(attempts=c.attempts + 1, claimed_until=None))
    connection.execute(update(out).where(*about, c.state == State.PENDING).values(state=State.GONE))
    sent = connection.execute(
        select(c.id, c.sent_channel, c.sent_ts).where(
            *about, c.state == State.SENT, c.send == Send.POST, c.sent_ts.is_not(None)
        )
    ).all()
    cleared = {**blanks(out), "text": "", "blocks": "", "thread_of": None}
    connection.execute(update(out).where(*about).values(**cleared))
    deletions = [
        {
            **outbox.deletion(f"{REDACTED}:{row_id}:delete", (kind, record_id), channel, ts, at),
            "school_id": school_in(session),
        }
        for row_id, channel, ts in sent
        if channel
    ]
    if deletions:
        connection.execute(insert(out), deletions)


# --- what has closed --------------------------------------------------------------------------------------------


def closed(engine: Engine, tz: tzinfo, today: date) -> list[Closed]:
    """Every record not yet redacted whose retention period has begun, with the date it began."""
    found: list[Closed] = []
    concern_kind, check_kind, declaration_kind = (
        RecordKind.CONCERN.value,
        RecordKind.CONTACT_REQUEST.value,
        RecordKind.DECLARATION.value,
    )
    with reading(engine) as session:
        resolved = col(Concern.redacted_at).is_(None), col(Concern.resolved_at).is_not(None)
        for concern in session.exec(sql.select(Concern).where(*resolved)):
            assert concern.id is not None and concern.resolved_at is not None
            held = held_as(safeguarding=concern.safeguarding, names_staff=concern.involved_staff_id is not None)
            day = _day(concern.resolved_at, tz)
            found.append(Closed(concern_kind, concern.id, concern.reference, held, day, concern.keep_until))
        permits = {p.check_id: p.review_on for p in session.exec(sql.select(ContactPermission))}
        for check in session.exec(sql.select(ContactCheck).where(col(ContactCheck.redacted_at).is_(None))):
            assert check.id is not None
            status = RequestStatus(check.request_status)
            if status is RequestStatus.PENDING:
                continue
            label = f"contact question {check.id}"
            if status is RequestStatus.NONE or check.decided_at is None:
                found.append(Closed(check_kind, check.id, label, Held.QUESTION, _day(check.asked_at, tz)))
                continue
            ends = max(_day(check.decided_at, tz), permits.get(check.id, date.min))
            found.append(Closed(check_kind, check.id, label, Held.DECISION, ends))
        lapsed = col(Declaration.redacted_at).is_(None), col(Declaration.confirm_by) < today
        for declared in session.exec(sql.select(Declaration).where(*lapsed)):
            assert declared.id is not None
            label = f"declared connection D-{declared.id:04d}"
            found.append(Closed(declaration_kind, declared.id, label, Held.DECLARATION, declared.confirm_by))
    return found


def _day(at: datetime, tz: tzinfo) -> date:
    return at.astimezone(tz).date()


def ask_key(kind: str, record_id: int, due_on: date) -> str:
    return f"retention:{kind}:{record_id}:{due_on.isoformat()}"


def asked_on(engine: Engine, keys: list[str]) -> dict[str, datetime]:
    """When each safeguarding lead's confirmation was asked for (by the ask's key), where it was."""
    trail = _table(AuditEntry)
    with reading(engine) as session:
        rows = session.connection().execute(
            select(trail.c.request_key, trail.c.at).where(mine(trail, session), trail.c.request_key.in_(keys))
        )
        return {str(key): at for key, at in rows}


def ask(session: Session, kind: RecordKind, record_id: int, key: str, at: datetime) -> None:
    """Record, inside the transaction that puts the asks in the outbox, that they were asked (once: the key)."""
    session.add(audit.entry(kind, record_id, audit.SYSTEM_ACTOR, ASKED, at, request_key=key))


def ask_once(
    engine: Engine, kind: RecordKind, record_id: int, key: str, messages: list[outbox.Message], at: datetime
) -> bool:
    """Ask the safeguarding lead(s): the asks in the outbox and the audit entry that says so, in one transaction,
    once per key (False: asked already)."""
    try:
        with transaction(engine) as session:
            ask(session, kind, record_id, key, at)
            session.flush()
            outbox.put(session, messages, at)
        return True
    except IntegrityError:
        return False


def claim_period(engine: Engine, name: str, period: str) -> bool:
    """The one run of a job this period (False: another process has it, or it ran)."""
    runs = _table(JobRun)
    with reading(engine) as session:
        this = (mine(runs, session), runs.c.name == name, runs.c.period == period)
        if session.connection().execute(select(runs.c.id).where(*this)).first():
            return False
    try:
        with transaction(engine) as session:
            session.connection().execute(insert(runs).values(school_id=school_in(session), name=name, period=period))
        return True
    except IntegrityError:
        return False


def forget_unattached(engine: Engine, before: datetime) -> int:
    """Rows of the outbox about no record (a private reply that could not be shown at once), sent or given up before
    `before`: deleted (they hold only who they went to)."""
    out = _table(OutboxMessage)
    c = out.c
    with transaction(engine) as session:
        done = session.connection().execute(
            delete(out).where(
                mine(out, session), c.subject_id.is_(None), c.state != State.PENDING, c.created_at < before
            )
        )
        return int(done.rowcount or 0)


def release_period(engine: Engine, name: str, period: str) -> None:
    """A claimed run that could not be done: claimable again."""
    runs = _table(JobRun)
    with transaction(engine) as session:
        this = (mine(runs, session), runs.c.name == name, runs.c.period == period)
        session.connection().execute(delete(runs).where(*this))
