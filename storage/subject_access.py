"""Subject access (UK GDPR article 15): everything policybot holds about one person, found and released column by
column as storage.personal declares it.

A row is held about someone when any column declared as identifying names them (an id, a set of ids, or a key that
contains it). Of such a row they get every column that is not personal; their own id; and what was typed in it
when they wrote it or were sent it (`sees_typed`). Everything else is withheld and listed, with why, for the data
protection officer to review before anything more is released: other people's ids (for a member of staff a
concern is about, that includes the reporter) and what others typed (a concern's description and names, a note).
A record's audit trail goes with it, each event under the same rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Table, select
from sqlmodel import SQLModel

from storage import personal
from storage.db import reading

OTHERS_ID = "identifies another person ({whose}): released only if the data protection officer decides to"
OTHERS_TEXT = (
    "written by someone else, and may identify others (pupils, parents, colleagues): released only if the data "
    "protection officer decides to, after redacting what identifies others"
)
TRAILED = {"concern": "concern", "contact_check": "check", "declaration": "declaration"}  # audit subject kinds
_TOKEN = re.compile(r"[A-Z0-9]+")


def _names(value: Any, person: str) -> bool:
    if isinstance(value, frozenset | set):
        return person in value
    return isinstance(value, str) and (value == person or person in _TOKEN.findall(value))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value.value if hasattr(value, "value") and not isinstance(value, int | str) else value


def _release(table: str, row: dict[str, Any], person: str) -> tuple[list[str], dict[str, Any], list[dict[str, str]]]:
    """(as what the row names the person, what is released, what is withheld and why)."""
    declared = personal.DECLARED[table]
    named = [c for c, d in declared.items() if d.holds is personal.Holds.ID and _names(row.get(c), person)]
    sees_typed = any(declared[c].sees_typed and row.get(c) in (person, frozenset({person})) for c in named)
    released: dict[str, Any] = {}
    withheld: list[dict[str, str]] = []
    for name, column in declared.items():
        value = row.get(name)
        if value in (None, "", frozenset()) or column.holds is personal.Holds.NEITHER:
            released[name] = _plain(value)
        elif column.holds is personal.Holds.ID:
            if value == person:
                released[name] = person
            elif isinstance(value, frozenset) and person in value:
                released[name] = [person]
                withheld.append({"field": name, "why": OTHERS_ID.format(whose="the others " + column.whose)})
            else:
                withheld.append({"field": name, "why": OTHERS_ID.format(whose=column.whose)})
        elif sees_typed:
            released[name] = _plain(value)
        else:
            withheld.append({"field": name, "why": OTHERS_TEXT})
    return [declared[c].whose for c in named], released, withheld


def gather(engine: Engine, person: str, made_at: datetime) -> dict[str, Any]:
    """What is held about `person`, as one document (storage.personal decides what is released)."""
    tables: dict[str, Table] = SQLModel.metadata.tables  # type: ignore[assignment]
    held: list[dict[str, Any]] = []
    with reading(engine) as session:
        connection = session.connection()
        for table_name in sorted(personal.DECLARED):
            table = tables[table_name]
            for row in connection.execute(select(table)).mappings():
                found = dict(row)
                as_what, released, withheld = _release(table_name, found, person)
                if not as_what:
                    continue
                entry: dict[str, Any] = {"log": table_name, "id": found.get("id"), "as": as_what, "record": released}
                if table_name in TRAILED:
                    trail = list(_trail(connection, tables["audit_entry"], TRAILED[table_name], found["id"], person))
                    entry["audit"] = [event for event, _ in trail]
                    withheld += [w for _, hidden in trail for w in hidden]
                entry["withheld"] = withheld
                held.append(entry)
    withheld_count = sum(len(e["withheld"]) for e in held)
    return {
        "subject": person,
        "made_at": made_at.isoformat(),
        "records": len(held),
        "withheld_fields": withheld_count,
        "for_the_data_protection_officer": (
            f"{withheld_count} field(s) are withheld: each is listed with its record and why. Review them before "
            "releasing any (UK GDPR article 15(4); Data Protection Act 2018, schedule 2, paragraph 16)."
        ),
        "held": held,
    }


def _trail(
    connection: Any, audit: Table, kind: str, record_id: int, person: str
) -> Iterator[tuple[dict[str, Any], list[dict[str, str]]]]:
    """A record's audit events, each released under the same rules, with what each withholds."""
    events = select(audit).where(audit.c.subject_kind == kind, audit.c.subject_id == record_id).order_by(audit.c.id)
    for event in connection.execute(events).mappings():
        _, released, withheld = _release("audit_entry", dict(event), person)
        yield released, [{**w, "field": f"audit event {event['id']}: {w['field']}"} for w in withheld]
