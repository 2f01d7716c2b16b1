"""Subject access (UK GDPR article 15): everything policybot holds about one person, found and released column by
column as storage.personal declares it.

A row is held about someone when any column declared as identifying names them (an id, or a key that contains
it). Of such a row they get every column that is not personal; their own id; and what was typed in it
when they wrote it or were sent it (`sees_typed`). Everything else is withheld and listed, with why, for the data
protection officer to review before anything more is released: other people's ids (for a member of staff a
concern is about, that includes the reporter) and what others typed (a concern's description and names, a note).
A record's audit trail goes with it, each event under the same rules."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Select, Table, or_, select
from sqlmodel import Session, SQLModel

from flows.permissions import POLICYBOT
from storage import audit, personal
from storage.db import reading
from storage.tenancy import school_in

OTHERS_ID = "identifies another person ({whose}): released only if the data protection officer decides to"
OTHERS_TEXT = (
    "written by someone else, and may identify others (pupils, parents, colleagues): released only if the data "
    "protection officer decides to, after redacting what identifies others"
)
TRAILED = {"concern": "concern", "contact_check": "check", "declaration": "declaration"}  # audit subject kinds
AUDIT = "audit_entry"
_TOKEN = re.compile(r"[A-Z0-9]+")


def _names(value: Any, person: str) -> bool:
    return isinstance(value, str) and (value == person or person in _TOKEN.findall(value))


def _nobody(value: Any) -> bool:
    """An id column's value that is no person's: policybot itself, a channel (C..., G...), a redacted one."""
    return isinstance(value, str) and (value in (POLICYBOT, "redacted") or value[:1] in ("C", "G") and value.isalnum())


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value.value if hasattr(value, "value") and not isinstance(value, int | str) else value


def _release(table: str, row: dict[str, Any], person: str) -> tuple[list[str], dict[str, Any], list[dict[str, str]]]:
    """(as what the row names the person, what is released, what is withheld and why)."""
    declared = personal.DECLARED[table]
    named = [c for c, d in declared.items() if d.holds is personal.Holds.ID and _names(row.get(c), person)]
    sees_typed = any(declared[c].sees_typed and row.get(c) == person for c in named)
    theirs = any(row.get(c) == person for c in named)  # their own act, their own message
    released: dict[str, Any] = {}
    withheld: list[dict[str, str]] = []
    for name, column in declared.items():
        value = row.get(name)
        if value in (None, "") or column.holds is personal.Holds.NEITHER or _nobody(value):
            released[name] = _plain(value)
        elif column.holds is personal.Holds.ID:
            if value == person or (column.theirs_alone and (theirs or _names(value, person))):
                released[name] = _plain(value)  # their own id, or the key of their own act or message
            else:
                withheld.append({"field": name, "why": OTHERS_ID.format(whose=column.whose)})
        elif sees_typed:
            released[name] = _plain(value)
        else:
            withheld.append({"field": name, "why": OTHERS_TEXT})
    return [declared[c].whose for c in named], released, withheld


def _this_school(table: Table, session: Session) -> Select[Any]:
    """The table's rows of the school asked about (a school's people: and the trust's, who belong to none)."""
    if "school_id" not in table.c:
        return select(table)
    return select(table).where(or_(table.c.school_id == school_in(session), table.c.school_id.is_(None)))


def gather(engine: Engine, person: str, made_at: datetime) -> dict[str, Any]:
    """What is held about `person`, as one document (storage.personal decides what is released). Each record comes
    with its audit trail; an audit event appears once, with its record when that is held about them, otherwise on
    its own (an attempt they made on a record that does not name them)."""
    tables: dict[str, Table] = SQLModel.metadata.tables  # type: ignore[assignment]
    held: list[dict[str, Any]] = []
    with reading(engine) as session:
        connection = session.connection()
        for table_name in sorted(set(personal.DECLARED) - {AUDIT}):
            for row in connection.execute(_this_school(tables[table_name], session)).mappings():
                found = dict(row)
                as_what, released, withheld = _release(table_name, found, person)
                if as_what:
                    held.append(
                        {
                            "log": table_name,
                            "id": found.get("id"),
                            "as": as_what,
                            "record": released,
                            "withheld": withheld,
                        }
                    )
        trailed: set[tuple[str, int]] = set()
        for kind in set(TRAILED.values()):
            entries = [e for e in held if TRAILED.get(e["log"]) == kind]
            found_trails = audit.trails(session, kind, [e["id"] for e in entries])
            for entry in entries:
                trailed.add((kind, entry["id"]))
                events = [_release(AUDIT, event.model_dump(), person) for event in found_trails.get(entry["id"], [])]
                entry["audit"] = [released for _, released, _ in events]
                entry["withheld"] += [
                    {**w, "field": f"audit event {released['id']}: {w['field']}"}
                    for _, released, hidden in events
                    for w in hidden
                ]
        for row in connection.execute(_this_school(tables[AUDIT], session).order_by(tables[AUDIT].c.id)).mappings():
            event = dict(row)
            if (event["subject_kind"], event["subject_id"]) in trailed:
                continue
            as_what, released, withheld = _release(AUDIT, event, person)
            if as_what:
                held.append({"log": AUDIT, "id": event["id"], "as": as_what, "record": released, "withheld": withheld})
    withheld_count = sum(len(e["withheld"]) for e in held)
    return {
        "subject": person,
        "made_at": made_at.isoformat(),
        "records": len(held),
        "withheld_fields": withheld_count,
        "for_the_data_protection_officer": (
            f"{withheld_count} {'field is' if withheld_count == 1 else 'fields are'} withheld: each is listed with "
            "its record and why. Review them before "
            "releasing any (UK GDPR article 15(4); Data Protection Act 2018, schedule 2, paragraph 16)."
        ),
        "held": held,
    }
