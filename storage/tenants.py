"""The tenants: the schools this deployment serves (the one run from the settings, or a trust's imported from its
schools file) and each school's people by role. Not a school's records: they say which school an event belongs to,
so no school scopes them (storage.models holds the records, each `Scoped` to one of these)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from flows.schools import SchoolRole
from storage.columns import EnumText


class SchoolRow(SQLModel, table=True):
    """A school served by this deployment: the tenant. The one school run from the environment's settings (before any
    schools file was imported) is a row too, `from_settings`: its name, channel and people come from the settings."""

    __tablename__ = "school"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=31)  # short and stable: --school north, exports, logs, references
    name: str = Field(default="", max_length=120)
    team_id: str | None = Field(default=None, max_length=32)  # its Slack workspace
    leadership_channel: str | None = Field(default=None, max_length=32)
    timezone: str = Field(default="Europe/London", max_length=60)
    from_settings: bool = False
    imported_at: datetime | None = None  # when the schools file last said what it is
    # Its own calendar, when the file gives one (else the settings'): as WORKING_HOURS, the closures file's lines,
    # and POLICY_REVIEW_DATE.
    working_hours: str | None = Field(default=None, max_length=60)
    closures: str | None = Field(default=None, sa_type=Text)
    policy_review_date: date | None = None
    contact_rules: str | None = Field(default=None, sa_type=Text)  # its own section 6 rules (TOML), else the settings'


class SchoolMember(SQLModel, table=True):
    """One person (or user group standing for a list) in one role at one school, as the schools file says; the
    trust's own safeguarding leads have no school."""

    __tablename__ = "school_member"
    __table_args__ = (UniqueConstraint("school_id", "role", "slack_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    role: SchoolRole = Field(sa_type=EnumText(SchoolRole, 30))
    slack_id: str = Field(index=True, max_length=32)  # a user id, or a user group's (U..., W..., S...)
