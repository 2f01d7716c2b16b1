"""The stored records: concerns, contact questions, declarations, policy reviews, and the one audit trail of them all.
Every record, audit entry, outbox row and job claim is one school's (`Scoped`: storage.tenancy keeps each school's
apart; the schools themselves are storage.tenants). Times are aware, kept in UTC; a column whose
values are a flows enum is that enum (stored as its text)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from flows.contact import Channel, Person, Verdict
from flows.contact_requests import DeclarationStatus, Relationship, RequestStatus
from flows.escalation import Status
from flows.permissions import Placement, RecordKind
from flows.taxonomy import Area, EscalationTarget, Outcome
from flows.taxonomy import Kind as ConcernKind
from storage.columns import EnumText
from storage.tenants import SchoolMember, SchoolRow  # noqa: F401 - the tables `Scoped` rows point at, registered


class Scoped(SQLModel):
    """A row that belongs to one school: set when it is written, from the school the session is opened for."""

    school_id: int | None = Field(default=None, foreign_key="school.id", index=True, nullable=False)


class Nudged(Scoped):
    """The nudge state of a record that waits for leadership (a concern, a contact request): next_nudge_at is derived
    from the rest and the settings; the claim makes each nudge counted once, its messages put in the outbox once."""

    nudges_sent: int = 0
    last_nudged_at: datetime | None = None
    next_nudge_at: datetime | None = Field(default=None, index=True)
    nudge_claimed_until: datetime | None = None
    head_told_at: datetime | None = None


class Concern(Nudged, table=True):
    id: int | None = Field(default=None, primary_key=True)
    policy_version: str | None = Field(default=None, max_length=40)  # the policy in force when it was made
    reference: str = Field(index=True, unique=True, max_length=48)  # unique across the schools (their keys in them)
    submission_key: str = Field(unique=True, max_length=100)  # Slack's view id: a retried submission stores once
    reporter_id: str = Field(max_length=32)
    area: Area = Field(sa_type=EnumText(Area, 20))
    kind: ConcernKind = Field(sa_type=EnumText(ConcernKind, 20))
    platform: str = Field(max_length=20)  # a key of the school's platforms (flows.platforms)
    platform_other: str = Field(default="", max_length=60)  # which, when it is "other"
    roles: str = Field(max_length=200)  # comma-separated Role values
    names: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    description: str = Field(sa_column=Column(Text, nullable=False))
    links: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # one per line
    kept_copy: bool = False
    safeguarding: bool = False
    involved_staff_id: str | None = Field(default=None, max_length=32)
    route_kind: Placement = Field(sa_type=EnumText(Placement, 10))
    route_recipient: str | None = Field(default=None, max_length=32)

    status: Status = Field(default=Status.NEW, index=True, sa_type=EnumText(Status, 20))
    version: int = 1  # bumped on every transition: compare-and-set guard
    redacted_at: datetime | None = None  # its personal and typed fields cleared under retention (storage.retention)
    keep_until: date | None = None  # a safeguarding lead chose to keep it, unredacted, until then
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = Field(default=None, max_length=32)
    escalated_to: EscalationTarget | None = Field(default=None, sa_type=EnumText(EscalationTarget, 40))
    resolved_at: datetime | None = None
    outcome: Outcome | None = Field(default=None, sa_type=EnumText(Outcome, 40))
    last_actor_id: str | None = Field(default=None, max_length=32)


class AuditEntry(Scoped, table=True):
    """The one audit trail of every kind of record: who did what, when, from which state to which. A record's trail
    is read by the index on (subject_kind, subject_id, id), in the order it was written."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_subject", "subject_kind", "subject_id", "id"),
        UniqueConstraint("school_id", "request_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: RecordKind = Field(sa_type=EnumText(RecordKind, 20))
    subject_id: int
    at: datetime
    actor_id: str = Field(max_length=32)  # a Slack user id, or "policybot"
    action: str = Field(max_length=30)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str | None = Field(default=None, max_length=20)
    detail: str | None = Field(default=None, max_length=60)  # escalation target, outcome, which nudge
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # typed by staff
    request_key: str | None = Field(default=None, max_length=120)  # Slack retry guard (unique in the school)


class ReferenceCounter(Scoped, table=True):
    __tablename__ = "reference_counter"

    school_id: int | None = Field(default=None, foreign_key="school.id", primary_key=True)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class ContactCheck(Nudged, table=True):
    """A /check-contact question as asked, with the policy's verdict, and, where leadership was asked, its decision."""

    __tablename__ = "contact_check"

    id: int | None = Field(default=None, primary_key=True)
    policy_version: str | None = Field(default=None, max_length=40)  # the policy in force when it was made
    submission_key: str = Field(unique=True, max_length=100)  # Slack's view id: a retried submission stores once
    asked_by: str = Field(index=True, max_length=32)
    asked_at: datetime
    person: Person = Field(sa_type=EnumText(Person, 20))
    channel: Channel = Field(sa_type=EnumText(Channel, 20))
    platform: str | None = Field(default=None, max_length=20)  # where, for social media and messaging apps
    platform_other: str = Field(default="", max_length=60)  # which, when it is "other"
    under_18: bool | None = None
    family_or_close_family_friend: bool | None = None
    existing_personal_friend: bool | None = None
    person_described: str = Field(default="", max_length=300)
    verdict: Verdict = Field(index=True, sa_type=EnumText(Verdict, 20))
    rule_ids: str = Field(default="", max_length=500)  # comma-separated
    answered_by_permission_id: int | None = Field(default=None, foreign_key="contact_permission.id")

    # Asking leadership (REFER only): none -> pending -> approved | declined
    request_status: RequestStatus = Field(default=RequestStatus.NONE, index=True, sa_type=EnumText(RequestStatus, 20))
    version: int = 1
    redacted_at: datetime | None = None  # its personal and typed fields cleared under retention (storage.retention)
    requested_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = None


class ContactPermission(Scoped, table=True):
    """A standing permission: leadership approved this contact for this member of staff, until its review date."""

    __tablename__ = "contact_permission"

    id: int | None = Field(default=None, primary_key=True)
    policy_version: str | None = Field(default=None, max_length=40)  # the policy in force when it was made
    staff_id: str = Field(index=True, max_length=32)
    person: Person = Field(sa_type=EnumText(Person, 20))
    channel: Channel = Field(sa_type=EnumText(Channel, 20))
    platform: str | None = Field(default=None, max_length=20)  # it covers this platform only (none: none named)
    person_key: str = Field(max_length=300)  # the person as described, folded for matching
    person_described: str = Field(default="", max_length=300)
    granted_by: str = Field(max_length=32)
    granted_at: datetime
    review_on: date
    check_id: int = Field(unique=True)  # the question it answered (one permission per request), cleared with it


class Declaration(Scoped, table=True):
    """The self-declaration register: a connection a member of staff declared ahead of time."""

    id: int | None = Field(default=None, primary_key=True)
    policy_version: str | None = Field(default=None, max_length=40)  # the policy in force when it was made
    submission_key: str = Field(unique=True, max_length=100)
    staff_id: str = Field(index=True, max_length=32)
    person: Person = Field(sa_type=EnumText(Person, 20))
    relationship: Relationship = Field(sa_type=EnumText(Relationship, 30))
    person_described: str = Field(max_length=300)
    declared_at: datetime
    confirm_by: date  # re-confirmed yearly
    next_notice_on: date | None = Field(default=None, index=True)  # ask to re-confirm, then tell leadership
    status: DeclarationStatus = Field(default=DeclarationStatus.DECLARED, sa_type=EnumText(DeclarationStatus, 20))
    version: int = 1
    redacted_at: datetime | None = None  # its personal and typed fields cleared under retention (storage.retention)
    acknowledged_by: str | None = Field(default=None, max_length=32)
    acknowledged_at: datetime | None = None


class PolicyReview(Scoped, table=True):
    """Governors marked the annual review (section 9) done, and set the next one."""

    __tablename__ = "policy_review"
    __table_args__ = (UniqueConstraint("school_id", "review_on"),)

    id: int | None = Field(default=None, primary_key=True)
    review_on: date  # the review this completes
    reviewed_by: str = Field(max_length=32)
    reviewed_at: datetime
    next_review_on: date
    policy_version: str | None = Field(default=None, max_length=40)  # the policy reviewed
    adopted_version: str | None = Field(default=None, max_length=40)  # a new version approved at the review


class PolicyVersion(Scoped, table=True):
    """Which policy was in force from when: the POLICY_VERSION setting as first configured (and whenever it is
    changed), and each version governors record at a review. The newest row is the policy in force."""

    __tablename__ = "policy_version"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=40)
    in_force_from: datetime
    recorded_by: str = Field(max_length=32)  # the governor who recorded it, or SETTING


class JobRun(Scoped, table=True):
    """A job that runs once per period however many processes run it ("retention", "2026-12"): the row is the claim."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("school_id", "name", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40)
    period: str = Field(max_length=20)


class ReviewReminder(Scoped, table=True):
    """One reminder of one review ("30 days", "7 days", "on the day", "overdue week 2"): written once, with its messages
    in the outbox, by one process; the row is the claim."""

    __tablename__ = "review_reminder"
    __table_args__ = (UniqueConstraint("school_id", "review_on", "mark"),)

    id: int | None = Field(default=None, primary_key=True)
    review_on: date
    mark: str = Field(max_length=30)


class Send(StrEnum):
    POST = "post"  # chat.postMessage (a reply in a thread when thread_of names the post)
    UPDATE = "update"  # chat.update of the post thread_of names: a redraw
    FILE = "file"  # a document drawn at send time (`document`), uploaded and shared: Slack's upload flow
    DELETE = "delete"  # chat.delete of a message the bot sent (retention): in `channel`, its ts `deletes_ts`
    HOME = "home"  # views.publish of `channel`'s App Home, drawn when it is sent: one row per person, asked again
    # What a record stored before the outbox still had to send (migration 0011 wrote these): drawn when it is sent
    # into the messages its key names (storage.outbox.remaining_of), which take its place and go as any other.
    REMAINING = "remaining"


class State(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    GONE = "gone"  # Slack will never take it (an archived channel, a deactivated account), and no fall-back is left
    CANCELLED = "cancelled"  # stale before it went: a nudge or reminder about a record someone has since acted on


class OutboxMessage(Scoped, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160)  # what the message is: "concern:12:post" (unique in the school)
    subject_kind: RecordKind | None = Field(default=None, sa_type=EnumText(RecordKind, 20))  # the record it is about
    subject_id: int | None = None  # (none: a private reply that could not be given at once)
    send: Send = Field(sa_type=EnumText(Send, 10))
    channel: str = Field(max_length=32)  # a channel, or a user's id for a direct message ('' for REMAINING)
    fallback: str | None = Field(default=None, max_length=32)  # where it goes when `channel` is gone for good
    thread_of: str | None = Field(default=None, max_length=160)  # the post (its key) replied to or redrawn
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # cleared once sent
    blocks: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON; cleared once sent
    document: str = Field(default="", max_length=80)  # a file's: what to draw ("pack:2025-12-03:2026-12-02")
    deletes_ts: str | None = Field(default=None, max_length=32)  # a deletion's: the ts of the message it deletes
    file_id: str | None = Field(default=None, max_length=32)  # a file's, once its content is uploaded: looked for
    revision: int = 1  # bumped when a redraw replaces the content
    state: State = Field(default=State.PENDING, sa_type=EnumText(State, 10))
    created_at: datetime
    next_attempt_at: datetime = Field(index=True)
    claimed_until: datetime | None = None
    attempts: int = 0  # also the claim's token: a finish counts only for the attempt that claimed it
    unsure: bool = False  # an attempt may have landed without the answer being recorded: look before posting
    sent_channel: str | None = Field(default=None, max_length=32)
    sent_ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = None
