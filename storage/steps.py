"""What each kind of record does when a person acts on it: how it is read, what its facts and state are, and the
step the flows state machine allows (the columns it changes, what it adds, what the audit entry says). The command
path (storage.commands) runs these inside its one transaction; nothing here commits or authorises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, select

from flows.contact_requests import (
    RECONFIRM_NOTICE,
    Decision,
    DeclarationStatus,
    RequestStatus,
    acknowledge_declaration,
    decide,
    person_key,
    request,
)
from flows.errors import DomainError, InvalidTransition
from flows.escalation import Status, apply, check_target, targets
from flows.permissions import Act, People, RecordKind
from flows.policy import check_version
from storage import outbox_messages, retention
from storage.models import Concern, ContactCheck, ContactPermission, Declaration, PolicyReview
from storage.outbox_messages import Tell
from storage.records import DueReview, Row, facts


@dataclass(frozen=True)
class Command:
    """One person's act on one record, as Slack delivered it."""

    kind: RecordKind
    record_id: int  # a policy review's: its due date as yyyymmdd (storage.audit.review_subject_id)
    act: Act
    actor: str
    at: datetime
    request_key: str
    version: int | None = None  # the version the person saw (a button's); None: the record as it is now
    detail: str | None = None  # an escalation target, an outcome, a Decision value
    note: str = ""
    until: date | None = None  # a permission's review date, a declaration's new date, the next policy review
    due: datetime | None = None  # a request sent to leadership: its first nudge
    tell: Tell | None = field(default=None, compare=False)  # what people are told of the change: (row, added)


@dataclass
class Step:
    """The change the state machine allows: the row's new values (compare-and-set on its version), rows to add, and
    the audit entry's action and states."""

    action: str
    from_state: str
    to_state: str
    values: dict[str, Any] = field(default_factory=dict)
    adds: list[SQLModel] = field(default_factory=list)
    detail: str | None = None
    also: Callable[[Session], None] | None = None  # more to change in the same transaction (a redaction's trail)
    cancels: tuple[str, ...] = ()  # what waits to chase the record and is stale after this step (storage.outbox)


def load(session: Session, kind: RecordKind, record_id: int) -> Row | None:
    if kind is RecordKind.REVIEW:
        review_on = _review_date(record_id)
        if review_on is None:
            return None
        done = session.exec(select(PolicyReview).where(PolicyReview.review_on == review_on)).first()
        return DueReview(review_on, done)
    if kind is RecordKind.CONCERN:
        return session.get(Concern, record_id)
    if kind is RecordKind.CONTACT_REQUEST:
        return session.get(ContactCheck, record_id)
    return session.get(Declaration, record_id)


def state(row: Row) -> str:
    if isinstance(row, DueReview):
        return "done" if row.done else "due"
    if isinstance(row, ContactCheck):
        return row.request_status
    return row.status


def check_state(row: Row, act: Act) -> None:
    """InvalidTransition when the record's state does not allow `act` now: for opening its form, before anyone has
    chosen what to do (an outcome, a decision)."""
    if isinstance(row, Concern):
        apply(Status(row.status), act)
    elif isinstance(row, ContactCheck):
        current = RequestStatus(row.request_status)
        if act is Act.ASK_LEADERSHIP:
            request(current, row.person_described)
        else:
            decide(current, Decision.APPROVE)  # approving and declining need the same state
    elif isinstance(row, Declaration):
        if act is Act.ACKNOWLEDGE:
            acknowledge_declaration(DeclarationStatus(row.status))
    elif row.done is not None:
        raise InvalidTransition("This review is already recorded as done.")


def step(row: Row, command: Command, people: People) -> Step:
    """The step `command` takes `row` through, with today's roles; InvalidTransition when its state does not allow
    it."""
    if command.act in (Act.REDACT, Act.KEEP_LONGER):
        return _retention(row, command)
    if isinstance(row, Concern):
        return _concern(row, command, people)
    if isinstance(row, ContactCheck):
        return _request(row, command)
    if isinstance(row, Declaration):
        return _declaration(row, command)
    return _review(row, command)


def _concern(row: Concern, command: Command, people: People) -> Step:
    act = command.act
    target = apply(Status(row.status), act)
    values: dict[str, Any] = {
        "status": target.value,
        "updated_at": command.at,
        "last_actor_id": command.actor,
        "next_nudge_at": None,  # someone has it now: no more nudges
    }
    if row.acknowledged_at is None:
        values.update(acknowledged_at=command.at, acknowledged_by=command.actor)
    if act is Act.ESCALATE:
        offered = targets(people, facts(row), command.actor)
        values["escalated_to"] = check_target(command.detail, offered).value
    if act is Act.RESOLVE:
        values.update(resolved_at=command.at, outcome=command.detail)
    return Step(target.value, row.status, target.value, values, detail=command.detail, cancels=(outbox_messages.NUDGE,))


def _request(row: ContactCheck, command: Command) -> Step:
    current = RequestStatus(row.request_status)
    if command.act is Act.ASK_LEADERSHIP:
        target = request(current, row.person_described)
        asked: dict[str, Any] = {"request_status": target.value, "requested_at": command.at}
        asked["next_nudge_at"] = command.due
        return Step("asked_leadership", current.value, target.value, asked)
    decision = Decision(command.detail or "")
    target = decide(current, decision)
    values: dict[str, Any] = {
        "request_status": target.value,
        "decided_by": command.actor,
        "decided_at": command.at,
        "next_nudge_at": None,
    }
    adds: list[SQLModel] = []
    if decision is Decision.APPROVE:
        assert command.until is not None, "an approval needs its review date"
        adds.append(
            ContactPermission(
                staff_id=row.asked_by,
                person=row.person,
                channel=row.channel,
                platform=row.platform,
                person_key=person_key(row.person_described),
                person_described=row.person_described,
                granted_by=command.actor,
                granted_at=command.at,
                review_on=command.until,
                check_id=row.id or 0,
            )
        )
    return Step(target.value, current.value, target.value, values, adds, cancels=(outbox_messages.NUDGE,))


def _declaration(row: Declaration, command: Command) -> Step:
    if command.act is Act.RECONFIRM:
        assert command.until is not None, "a re-confirmation needs its new date"
        dates: dict[str, Any] = {"confirm_by": command.until, "next_notice_on": command.until - RECONFIRM_NOTICE}
        return Step(
            "reconfirmed",
            row.status,
            row.status,
            dates,
            cancels=(outbox_messages.RECONFIRM_ASK, outbox_messages.LAPSED),
        )
    target = acknowledge_declaration(DeclarationStatus(row.status))
    values: dict[str, Any] = {"status": target.value, "acknowledged_by": command.actor, "acknowledged_at": command.at}
    return Step(target.value, row.status, target.value, values)


def _review(row: DueReview, command: Command) -> Step:
    if row.done is not None:
        raise InvalidTransition("This review is already recorded as done.")
    assert command.until is not None, "a review needs the date of the next"
    try:  # in force from now: storage.policy records it as the review is stored
        adopted = check_version(command.detail)
    except DomainError as error:
        raise InvalidTransition(error.message) from None
    done = PolicyReview(
        review_on=row.review_on,
        reviewed_by=command.actor,
        reviewed_at=command.at,
        next_review_on=command.until,
        adopted_version=adopted,
    )
    detail = f"next review {command.until.isoformat()}" + ("; new policy version" if adopted else "")  # the row has it
    return Step("reviewed", "due", "done", adds=[done], detail=detail, cancels=(outbox_messages.REMINDER,))


def _retention(row: Row, command: Command) -> Step:
    """Retention (flows.retention decides when): redact a closed record, or keep a concern longer."""
    if isinstance(row, DueReview):
        raise InvalidTransition("The governors' reviews are kept.")
    if row.redacted_at is not None:
        raise InvalidTransition("This record was redacted under retention already.")
    if isinstance(row, Concern) and row.status != Status.RESOLVED:
        raise InvalidTransition("Only a resolved concern is redacted or kept under retention.")
    if isinstance(row, ContactCheck) and row.request_status == RequestStatus.PENDING:
        raise InvalidTransition("A question still waiting for leadership's decision is not redacted.")
    current = state(row)
    kept_until = row.keep_until if isinstance(row, Concern) else None
    if command.act is Act.KEEP_LONGER:
        assert command.until is not None, "keeping a record longer needs the date"
        until = max(command.until, kept_until or command.until)  # never shorter than a lead chose before
        return Step("kept_under_retention", current, current, {"keep_until": until}, detail=f"until {until}")
    if kept_until is not None and kept_until > command.at.date():
        raise InvalidTransition(f"A safeguarding lead chose to keep this concern until {kept_until:%d %B %Y}.")
    assert row.id is not None
    kind, record_id, at = command.kind, row.id, command.at
    values = {**retention.row_blanks(type(row)), "redacted_at": at}
    return Step(
        "redacted_under_retention",
        current,
        current,
        values,
        also=lambda session: retention.around(session, kind, record_id, at),
    )


def _review_date(record_id: int) -> date | None:
    try:
        return date(record_id // 10000, record_id // 100 % 100, record_id % 100)
    except ValueError:
        return None
