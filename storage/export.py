"""The logs for governors (section 9), each record with its audit trail, as CSV or JSON: concerns, contact
questions (with leadership's decisions) and declared connections.

By default the export holds what governors need to review handling (what kind, when, who acted, how fast, the
outcome) and not what staff wrote: descriptions, names, links and people as described only with include_details.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from storage.contacts import ContactStore
from storage.repositories import ConcernStore

CONCERN_FIELDS = [
    "reference",
    "created_at",
    "area",
    "kind",
    "platform",
    "roles",
    "safeguarding",
    "route_kind",
    "status",
    "acknowledged_at",
    "acknowledged_by",
    "escalated_to",
    "resolved_at",
    "outcome",
    "kept_copy",
]
DETAIL_FIELDS = ["reporter_id", "involved_staff_id", "description", "names", "links"]
EVENT_FIELDS = ["at", "actor_id", "action", "from_status", "to_status", "detail", "note"]


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas: a typed note must stay text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


Record = tuple[dict[str, Any], list[dict[str, Any]]]  # a row and its audit trail

CHECK_FIELDS = [
    "id",
    "asked_at",
    "asked_by",
    "person",
    "channel",
    "under_18",
    "family_or_close_family_friend",
    "existing_personal_friend",
    "verdict",
    "rule_ids",
    "answered_by_permission_id",
    "request_status",
    "requested_at",
    "decided_by",
    "decided_at",
]
DECLARATION_FIELDS = [
    "id",
    "declared_at",
    "staff_id",
    "person",
    "relationship",
    "confirm_by",
    "status",
    "acknowledged_by",
    "acknowledged_at",
]
CONTACT_EVENT_FIELDS = ["at", "actor_id", "action", "from_state", "to_state", "note"]
PERMISSION_FIELDS = ["id", "staff_id", "person", "channel", "granted_by", "granted_at", "review_on", "check_id"]


def _pick(row: Any, names: list[str]) -> dict[str, Any]:
    return {name: _value(getattr(row, name)) for name in names}


def concern_records(store: ConcernStore, since: datetime | None, include_details: bool) -> list[Record]:
    fields = CONCERN_FIELDS + (DETAIL_FIELDS if include_details else [])
    return [(_pick(concern, fields), [_pick(e, EVENT_FIELDS) for e in events]) for concern, events in store.log(since)]


def contact_records(contacts: ContactStore, since: datetime | None, include_details: bool) -> dict[str, list[Record]]:
    log = contacts.log(since)
    trail: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for event in log["contact_events"]:
        trail.setdefault((event.subject, event.subject_id), []).append(_pick(event, CONTACT_EVENT_FIELDS))
    extra = ["person_described"] if include_details else []
    return {
        "contact_checks": [
            (_pick(c, CHECK_FIELDS + extra), trail.get(("check", c.id), [])) for c in log["contact_checks"]
        ],
        "declarations": [
            (_pick(d, DECLARATION_FIELDS + extra), trail.get(("declaration", d.id), [])) for d in log["declarations"]
        ],
    }


def export(
    store: ConcernStore,
    contacts: ContactStore,
    fmt: str,
    since: datetime | None = None,
    include_details: bool = False,
    log: str = "concerns",
) -> str:
    """JSON holds every log; CSV holds the one named by `log`, a row per audit event."""
    logs = {
        "concerns": concern_records(store, since, include_details),
        **contact_records(contacts, since, include_details),
    }
    if fmt == "json":
        out: dict[str, list[Any]] = {
            name: [{**row, "audit": events} for row, events in records] for name, records in logs.items()
        }
        permission_fields = PERMISSION_FIELDS + (["person_described"] if include_details else [])
        out["contact_permissions"] = [_pick(p, permission_fields) for p in contacts.log(since)["contact_permissions"]]
        return json.dumps(out, indent=2) + "\n"
    details = {"concerns": DETAIL_FIELDS, "contact_checks": ["person_described"], "declarations": ["person_described"]}
    columns = {"concerns": CONCERN_FIELDS, "contact_checks": CHECK_FIELDS, "declarations": DECLARATION_FIELDS}[log]
    columns = columns + (details[log] if include_details else [])
    event_columns = EVENT_FIELDS if log == "concerns" else CONTACT_EVENT_FIELDS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns + [f"event_{n}" for n in event_columns])
    writer.writeheader()
    for row, events in logs[log]:
        for event in events or [{}]:
            cells = {**row, **{f"event_{k}": v for k, v in event.items()}}
            writer.writerow({k: _cell(v) for k, v in cells.items()})
    return buffer.getvalue()
