"""The logs for governors (section 9), each record with its audit trail, as CSV or JSON: concerns, contact
questions (with leadership's decisions), declared connections, policy reviews and (JSON) standing permissions.

The default export names nobody and holds nothing staff typed: every column storage.personal declares personal is
left out, and each audit event says who acted only as a role (actor_role). include_details adds them all. Times
are in the school's time zone with their offset; dates stay dates. A CSV cell a spreadsheet would run stays text.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from storage import logs, personal
from storage.audit import SYSTEM_ACTOR

ACTOR_ROLE = "actor_role"  # derived from actor_id, never personal: see actor_role()
SOMEONE_ELSE = "someone else"

# What each log can carry, in order (storage.personal decides which of these the default leaves out).
CONCERN_COLUMNS = (
    "reference created_at reporter_id area kind platform roles safeguarding involved_staff_id route_kind"
    " route_recipient status acknowledged_at acknowledged_by escalated_to resolved_at outcome"
    " last_actor_id kept_copy description names links"
).split()
CHECK_COLUMNS = (
    "id asked_at asked_by person channel under_18 family_or_close_family_friend existing_personal_friend"
    " verdict rule_ids answered_by_permission_id request_status requested_at decided_by decided_at"
    " person_described"
).split()
DECLARATION_COLUMNS = (
    "id declared_at staff_id person relationship confirm_by status acknowledged_by acknowledged_at person_described"
).split()
REVIEW_COLUMNS = ["id", "review_on", "reviewed_at", "next_review_on", "reviewed_by"]
PERMISSION_COLUMNS = (
    "id staff_id person channel granted_by granted_at review_on check_id person_described person_key"
).split()
AUDIT_TABLE = "audit_entry"  # every record's trail, whatever its kind
AUDIT_COLUMNS = ["at", ACTOR_ROLE, "actor_id", "action", "from_state", "to_state", "detail", "note"]

# log name (as storage.logs reads them): (table, columns)
LOGS = {
    "concerns": ("concern", CONCERN_COLUMNS),
    "contact_checks": ("contact_check", CHECK_COLUMNS),
    "declarations": ("declaration", DECLARATION_COLUMNS),
    "policy_reviews": ("policy_review", REVIEW_COLUMNS),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection

Record = tuple[dict[str, Any], list[dict[str, Any]]]  # a row and its audit trail


def columns(table: str, names: list[str], include_details: bool) -> list[str]:
    """The columns exported: all of `names` with details, else those storage.personal does not declare personal."""
    return [n for n in names if n == ACTOR_ROLE or include_details or not personal.is_personal(table, n)]


def _value(value: Any, tz: tzinfo) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite's naive times are UTC
        return aware.astimezone(tz).isoformat(timespec="seconds")
    return value.isoformat() if isinstance(value, date) else value


def _cell(value: Any) -> Any:
    """Spreadsheets run a cell that starts (even after spaces) with = + - @, a tab or a carriage return as a
    formula: a typed note must stay text."""
    if not isinstance(value, str):
        return value
    text = value.lstrip()
    leading = value[: len(value) - len(text)]
    if text[:1] in FORMULA_STARTS or "\t" in leading or "\r" in leading:
        return "'" + value
    return value


def actor_role(actor_id: str, subject_id: str | None, subject_role: str) -> str:
    """Who acted, without naming them: the record's own member of staff by their role, policybot, or someone else."""
    if actor_id == SYSTEM_ACTOR:
        return SYSTEM_ACTOR
    return subject_role if subject_id is not None and actor_id == subject_id else SOMEONE_ELSE


def _pick(row: Any, names: list[str], tz: tzinfo) -> dict[str, Any]:
    return {name: _value(getattr(row, name), tz) for name in names}


def _record(row: Any, events: list[Any], log: str, include_details: bool, tz: tzinfo) -> Record:
    table, names = LOGS[log]
    owner = personal.subject(table)
    subject_id, role = (getattr(row, owner[0]), owner[1]) if owner else (None, SOMEONE_ELSE)
    wanted = columns(AUDIT_TABLE, AUDIT_COLUMNS, include_details)
    trail = [
        {
            n: actor_role(event.actor_id, subject_id, role) if n == ACTOR_ROLE else _value(getattr(event, n), tz)
            for n in wanted
        }
        for event in events
    ]
    return _pick(row, columns(table, names, include_details), tz), trail


def export(
    engine: Engine,
    fmt: str,
    since: datetime | None = None,
    include_details: bool = False,
    log: str = "concerns",
    *,
    tz: tzinfo,
) -> str:
    """JSON holds every log and the standing permissions; CSV holds the one named by `log`, a row per audit event
    (an empty log is its header line). `tz` is the school's time zone."""
    rows, permissions = logs.read(engine, since)
    if fmt == "json":
        out: dict[str, list[Any]] = {}
        for name, pairs in rows.items():
            records = [_record(row, events, name, include_details, tz) for row, events in pairs]
            out[name] = [{**row, "audit": trail} for row, trail in records]
        wanted = columns("contact_permission", PERMISSION_COLUMNS, include_details)
        out["contact_permissions"] = [_pick(p, wanted, tz) for p in permissions]
        return json.dumps(out, indent=2) + "\n"
    table, names = LOGS[log]
    event_columns = [f"event_{n}" for n in columns(AUDIT_TABLE, AUDIT_COLUMNS, include_details)]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(table, names, include_details) + event_columns)
    writer.writeheader()
    for row, events in rows[log]:
        record, trail = _record(row, events, log, include_details, tz)
        for event in trail or [{}]:
            cells = {**record, **{f"event_{k}": v for k, v in event.items()}}
            writer.writerow({k: _cell(v) for k, v in cells.items()})
    return buffer.getvalue()


def missing_database(url: str) -> str | None:
    """The SQLite file `url` names when it does not exist yet (opening it would create it, empty), else None."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return None if Path(path).exists() else path
