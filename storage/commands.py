"""The one path by which a person changes a record: in one transaction it reads the record, asks flows.permissions,
applies the flows state machine, compare-and-sets on the record's version, appends the audit entry with the
request's key, and puts what people must be told of the change (the command's `tell`) in the outbox. A refused
attempt is audited the same way. The answer is one Result that says exactly what happened.

`look()` is the same path for what only reads: opening a record's details or a form (authorised and audited).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import CursorResult, Engine, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from flows.errors import InvalidTransition
from flows.permissions import Act, People, who
from storage import audit, outbox_messages
from storage.db import transaction
from storage.records import DueReview, Row, facts
from storage.steps import Command, Step, check_state, load, state, step
from storage.tenancy import mine

__all__ = [
    "Changed", "Command", "Missing", "Result", "Overtaken", "Refused", "Repeated", "change", "look", "record_look"
]  # fmt: skip


@dataclass(frozen=True)
class Changed:
    record: Row
    added: tuple[Any, ...] = ()  # what the step made (a standing permission, a review record)


@dataclass(frozen=True)
class Repeated:
    """The same request was handled before (a Slack retry, a double click): nothing changed now."""

    record: Row


@dataclass(frozen=True)
class Refused:
    """The person may not do this; the attempt is in the audit trail."""

    record: Row


@dataclass(frozen=True)
class Overtaken:
    """Someone else got there first (or the record's state does not allow it): `record` is where it stands now."""

    record: Row
    reason: str = ""


@dataclass(frozen=True)
class Missing:
    """No such record."""


Result = Changed | Repeated | Refused | Overtaken | Missing
READING = frozenset({Act.VIEW_DETAILS, Act.GET_PACK})  # acts that change nothing: look() has no step to try for them


def change(engine: Engine, people: People, command: Command) -> Result:
    try:
        with transaction(engine) as session:
            return _change(session, people, command)
    except IntegrityError:  # the request's key is stored already: the same request raced itself
        with transaction(engine) as session:
            row = load(session, command.kind, command.record_id)
            return Repeated(row) if row is not None else Missing()


def look(engine: Engine, people: People, command: Command, audited_as: str | None = None) -> Result:
    """May `command.actor` do `command.act` now (open its form, read its details)? Nothing changes but the audit
    trail: a refusal is recorded, and `audited_as` names a look worth recording ("viewed_details")."""
    try:
        with transaction(engine) as session:
            row = load(session, command.kind, command.record_id)
            if row is None:
                return Missing()
            if command.actor not in who(people, facts(row), command.act):
                _record(session, row, command, f"refused_{command.act.value}")
                return Refused(row)
            if command.version is not None and getattr(row, "version", command.version) != command.version:
                return Overtaken(row)
            try:
                if command.act not in READING:
                    check_state(row, command.act)  # opening a form: would its change be allowed now?
            except InvalidTransition as error:
                return Overtaken(row, error.message)
            if audited_as:
                _record(session, row, command, audited_as)
            return Changed(row)
    except IntegrityError:  # a retry of a look already recorded
        with transaction(engine) as session:
            again = load(session, command.kind, command.record_id)
            return Repeated(again) if again is not None else Missing()


def record_look(engine: Engine, command: Command, row: Row, action: str) -> bool:
    """A look that was allowed (look() without `audited_as`), recorded once it has been shown: the form or the details
    open first, within their trigger; False when the same request was recorded already (a Slack retry)."""
    try:
        with transaction(engine) as session:
            _record(session, row, command, action)
        return True
    except IntegrityError:
        return False


def _change(session: Session, people: People, command: Command) -> Result:
    row = load(session, command.kind, command.record_id)
    if row is None:
        return Missing()
    if command.actor not in who(people, facts(row), command.act):
        _record(session, row, command, f"refused_{command.act.value}")
        return Refused(row)
    if command.version is not None and getattr(row, "version", command.version) != command.version:
        # A retry of a click that already won finds its version moved on: looked for only here, off the hot path.
        return Repeated(row) if audit.seen(session, command.request_key) else Overtaken(row)
    try:
        planned = step(row, command, people)
    except InvalidTransition as error:
        return Repeated(row) if audit.seen(session, command.request_key) else Overtaken(row, error.message)
    if not _write(session, row, planned):
        return Repeated(row) if audit.seen(session, command.request_key) else Overtaken(row)
    if planned.also is not None:
        planned.also(session)
    if planned.cancels:
        outbox_messages.cancel(session, command.kind, command.record_id, planned.cancels, command.at)
    for added in planned.adds:
        session.add(added)
    session.add(
        audit.entry(
            command.kind,
            row.id,
            command.actor,
            planned.action,
            command.at,
            from_state=planned.from_state,
            to_state=planned.to_state,
            detail=planned.detail,
            note=command.note,
            request_key=command.request_key,
        )
    )
    session.flush()  # a retry's key fails here, inside the transaction, and the whole change rolls back
    if isinstance(row, DueReview):
        row = replace(row, done=planned.adds[0])  # type: ignore[arg-type]
    if command.tell is not None:
        messages = command.tell(row, tuple(planned.adds))
        outbox_messages.put(session, messages, command.at)
        for shown in (m for m in messages if m.audited_as):  # a note shown in a message: a view, by its reader
            session.add(audit.entry(command.kind, row.id, shown.channel, shown.audited_as, command.at))
    return Changed(row, tuple(planned.adds))


def _write(session: Session, row: Row, planned: Step) -> bool:
    """Compare-and-set on the row's version; the row object then shows the values written (read back: nothing)."""
    if isinstance(row, DueReview):
        return True  # the review's record is inserted: its unique due date is the compare-and-set
    table = type(row).__table__  # type: ignore[union-attr]
    values = {**planned.values, "version": row.version + 1}
    # A Core statement on the session's connection: a click's hot path, where the ORM's bulk-update machinery
    # costs more than the SQL (bench/README.md).
    result = session.connection().execute(
        update(table).where(mine(table, session), table.c.id == row.id, table.c.version == row.version).values(**values)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True


def _record(session: Session, row: Row, command: Command, action: str) -> None:
    current = state(row)
    session.add(
        audit.entry(
            command.kind,
            row.id,
            command.actor,
            action,
            command.at,
            from_state=current,
            to_state=current,
            request_key=command.request_key,
        )
    )
