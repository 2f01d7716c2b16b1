"""What is personal, declared once for every column of every table: whether it identifies someone (a Slack user id,
or a value that holds one), holds what staff typed, or neither; and for ids, whose they are (for subject access
and retention). The export reads it; tests/storage/test_personal.py fails when a table gains an undeclared column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Holds(StrEnum):
    ID = "identifies someone"
    TYPED = "typed by staff"
    NEITHER = "neither"


@dataclass(frozen=True)
class Column:
    holds: Holds
    whose: str = ""  # for ids: whose id(s) the column holds
    subject: bool = False  # the member of staff whose own record the row is: `whose` names their role in it
    sees_typed: bool = False  # the person it names wrote the row's typed fields, or was sent them (subject access)
    theirs_alone: bool = False  # a key of one person's own act or message: theirs when the row is theirs


def _neither(*names: str) -> dict[str, Column]:
    return dict.fromkeys(names, Column(Holds.NEITHER))


def _typed(*names: str) -> dict[str, Column]:
    return dict.fromkeys(names, Column(Holds.TYPED))


def _id(whose: str, subject: bool = False, sees_typed: bool = False, theirs_alone: bool = False) -> Column:
    return Column(Holds.ID, whose, subject, sees_typed, theirs_alone)


_CLICKER = "whoever clicked (the request key holds their Slack id)"
_NUDGES = ("nudges_sent", "last_nudged_at", "next_nudge_at", "nudge_claimed_until", "head_told_at")

DECLARED: dict[str, dict[str, Column]] = {
    "concern": {
        **_neither("policy_version", "redacted_at", "keep_until"),
        **_neither("id", "reference", "submission_key", "area", "kind", "platform", "roles", "kept_copy"),
        **_neither("safeguarding", "route_kind", "status", "version", "created_at", "updated_at", "acknowledged_at"),
        **_neither("escalated_to", "resolved_at", "outcome", *_NUDGES),
        **_typed("names", "description", "links", "platform_other"),
        "reporter_id": _id("reporter", subject=True, sees_typed=True),
        "involved_staff_id": _id("member of staff involved"),
        "route_recipient": _id("headteacher or chair it was sent to directly"),
        "acknowledged_by": _id("leader who acknowledged"),
        "last_actor_id": _id("leader who acted last"),
    },
    "audit_entry": {
        **_neither("id", "subject_kind", "subject_id", "at", "action", "from_state", "to_state", "detail"),
        **_typed("note"),
        "actor_id": _id("who acted (or policybot)", sees_typed=True),
        "request_key": _id(_CLICKER, theirs_alone=True),
    },
    "reference_counter": _neither("year", "last"),
    "contact_check": {
        **_neither("policy_version", "redacted_at"),
        **_neither("id", "submission_key", "asked_at", "person", "channel", "under_18"),
        **_neither("family_or_close_family_friend", "existing_personal_friend", "verdict", "rule_ids"),
        **_neither("answered_by_permission_id", "request_status", "version", "requested_at", "decided_at"),
        **_neither(*_NUDGES),
        **_typed("person_described", "platform_other"),
        **_neither("platform"),
        "asked_by": _id("asker", subject=True, sees_typed=True),
        "decided_by": _id("leader who decided"),
    },
    "contact_permission": {
        **_neither("policy_version"),
        **_neither("id", "person", "channel", "platform", "granted_at", "review_on", "check_id"),
        **_typed("person_key", "person_described"),
        "staff_id": _id("member of staff permitted", subject=True, sees_typed=True),
        "granted_by": _id("leader who approved"),
    },
    "declaration": {
        **_neither("policy_version", "redacted_at"),
        **_neither("id", "submission_key", "person", "relationship", "declared_at", "confirm_by", "next_notice_on"),
        **_neither("status", "version", "acknowledged_at"),
        **_typed("person_described"),
        "staff_id": _id("declarer", subject=True, sees_typed=True),
        "acknowledged_by": _id("leader who acknowledged"),
    },
    "policy_review": {
        **_neither("id", "review_on", "reviewed_at", "next_review_on", "policy_version", "adopted_version"),
        "reviewed_by": _id("governor who marked the review done"),
    },
    "policy_version": {
        **_neither("id", "version", "in_force_from"),
        "recorded_by": _id("governor who recorded the version at a review (or the setting)"),
    },
    "outbox_message": {
        **_neither("id", "subject_kind", "subject_id", "send", "thread_of", "revision", "state", "created_at"),
        **_neither("next_attempt_at", "claimed_until", "attempts", "unsure", "sent_ts", "sent_at"),
        **_neither("document", "file_id"),  # a file's: which anonymised document, and Slack's id for it
        **_neither("deletes_ts"),  # a deletion's: which message (Slack's stamp of it)
        **_typed("text", "blocks"),  # a message as drawn (a decision's note, a mention); cleared once sent
        "key": _id("the recipient of a direct message (its key names them)"),
        "channel": _id("the recipient of a direct message"),  # an unsent message may quote others: withheld
        "fallback": _id("headteacher, when the channel is gone for good"),
        "sent_channel": _id("the recipient of a direct message (their direct-message channel)"),
    },
    "job_run": _neither("id", "name", "period"),
    "review_reminder": _neither("id", "review_on", "mark"),
    # The schools served and their people by role (the schools file): a person's roles are theirs to see.
    "school": _neither(
        "id",
        "key",
        "name",
        "team_id",
        "leadership_channel",
        "timezone",
        "from_settings",
        "imported_at",
        "working_hours",
        "closures",
        "policy_review_date",
        "contact_rules",
    ),
    "school_member": {
        **_neither("id", "school_id", "role"),
        "slack_id": _id("person (or user group) given the role at the school", subject=True),
    },
}
# Every record, audit entry, outbox row and job claim is one school's (storage.tenancy).
for _table, _columns in DECLARED.items():
    if _table not in ("school", "school_member"):
        _columns["school_id"] = Column(Holds.NEITHER)


# Slack's OAuth installs (migration 0015): slack_sdk's own tables, read and written by its stores
# (bot.installs), never a school's records: the installer's id, the bot's and its tokens (secrets, never
# exported). Outside DECLARED, which is every record of a school.
_INSTALL = {
    **_neither("id", "client_id", "app_id", "enterprise_id", "enterprise_name", "team_id", "team_name", "bot_id"),
    **_neither("bot_user_id", "bot_scopes", "bot_token_expires_at", "is_enterprise_install", "installed_at"),
    **_neither("bot_token", "bot_refresh_token"),  # secrets: never exported, never logged
}
INSTALLS: dict[str, dict[str, Column]] = {
    "slack_installations": {
        **_INSTALL,
        **_neither("enterprise_url", "user_token", "user_scopes", "user_refresh_token", "user_token_expires_at"),
        **_neither("incoming_webhook_url", "incoming_webhook_channel", "incoming_webhook_channel_id"),
        **_neither("incoming_webhook_configuration_url", "token_type"),
        "user_id": _id("the person who installed policybot in the workspace"),
    },
    "slack_bots": dict(_INSTALL),
    "slack_oauth_states": _neither("id", "state", "expire_at"),
}


def column(table: str, name: str) -> Column:
    """The declaration of one column; a KeyError for a column nobody declared."""
    return DECLARED[table][name]


def is_personal(table: str, name: str) -> bool:
    return column(table, name).holds is not Holds.NEITHER


def subject(table: str) -> tuple[str, str] | None:
    """The column naming the member of staff whose record a row is, and their role in it ("reporter"), if any."""
    found = [(name, c.whose) for name, c in DECLARED[table].items() if c.subject]
    return found[0] if found else None
