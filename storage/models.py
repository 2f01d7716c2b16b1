"""The stored records: concerns, their audit trail, per-year reference counters. Times are aware, kept in UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class Concern(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(index=True, unique=True, max_length=20)
    submission_key: str = Field(unique=True, max_length=100)  # Slack's view id: a retried submission stores once
    reporter_id: str = Field(max_length=32)
    area: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    platform: str = Field(max_length=20)
    roles: str = Field(max_length=200)  # comma-separated Role values
    names: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    description: str = Field(sa_column=Column(Text, nullable=False))
    links: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # one per line
    kept_copy: bool = False
    safeguarding: bool = False
    involved_staff_id: str | None = Field(default=None, max_length=32)
    route_kind: str = Field(max_length=10)
    route_recipient: str | None = Field(default=None, max_length=32)

    status: str = Field(default="new", index=True, max_length=20)
    version: int = 1  # bumped on every transition: compare-and-set guard
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = Field(default=None, max_length=32)
    escalated_to: str | None = Field(default=None, max_length=40)
    resolved_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=40)
    last_actor_id: str | None = Field(default=None, max_length=32)

    # Delivery to Slack: the row is stored first, then posted; a failed post is retried by the delivery job.
    post_channel: str | None = Field(default=None, max_length=32)
    post_ts: str | None = Field(default=None, max_length=32)
    alert_sent_at: datetime | None = None
    receipt_sent_at: datetime | None = None
    delivered_at: datetime | None = Field(default=None, index=True)
    delivery_attempts: int = 0
    next_delivery_at: datetime | None = None
    delivery_claimed_until: datetime | None = None


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concern.id", index=True)
    at: datetime
    actor_id: str = Field(max_length=32)  # a Slack user id, or "policybot"
    action: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    detail: str | None = Field(default=None, max_length=60)  # escalation target or outcome
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    request_key: str | None = Field(default=None, unique=True, max_length=120)  # Slack retry guard


class ReferenceCounter(SQLModel, table=True):
    __tablename__ = "reference_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0
