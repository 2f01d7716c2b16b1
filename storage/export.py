"""The incident log for governors (section 9), with every concern's audit trail, as CSV or JSON.

By default the export holds what governors need to review handling (what kind of concern, when, who acted, how
fast, the outcome) and not what staff wrote: descriptions, names and links only with include_details.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from storage.models import AuditEvent, Concern
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
    return value.isoformat() if isinstance(value, datetime) else value


def _cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas: a typed note must stay text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _concern(concern: Concern, include_details: bool) -> dict[str, Any]:
    fields = CONCERN_FIELDS + (DETAIL_FIELDS if include_details else [])
    return {name: _value(getattr(concern, name)) for name in fields}


def _event(event: AuditEvent) -> dict[str, Any]:
    return {name: _value(getattr(event, name)) for name in EVENT_FIELDS}


def export(store: ConcernStore, fmt: str, since: datetime | None = None, include_details: bool = False) -> str:
    log = store.log(since)
    if fmt == "json":
        records = [
            {**_concern(concern, include_details), "audit": [_event(e) for e in events]} for concern, events in log
        ]
        return json.dumps({"concerns": records}, indent=2) + "\n"
    out = io.StringIO()
    concern_columns = CONCERN_FIELDS + (DETAIL_FIELDS if include_details else [])
    writer = csv.DictWriter(out, fieldnames=concern_columns + [f"event_{n}" for n in EVENT_FIELDS])
    writer.writeheader()
    for concern, events in log:
        row = _concern(concern, include_details)
        for event in events:
            cells = {**row, **{f"event_{k}": v for k, v in _event(event).items()}}
            writer.writerow({k: _cell(v) for k, v in cells.items()})
    return out.getvalue()
