"""The logs for governors (section 9), each record with its audit trail, as CSV or JSON: concerns, contact
questions (with leadership's decisions), declared connections, policy reviews and (JSON) standing permissions.

The default export names nobody and holds nothing staff typed: every column storage.personal declares personal is
left out, and each audit event says who acted only as a role (actor_role). include_details adds them all. Times
are in the school's time zone with their offset; dates stay dates. A CSV cell a spreadsheet would run stays text.

Streamed: `write` reads a batch of records with their trails at a time (storage.logs, one snapshot) and writes them
out before it reads the next, so memory does not grow with the logs. The JSON, written a batch of records at a time,
is exactly the document json.dumps(indent=2) would make of it all.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Engine, Table
from sqlalchemy.engine import make_url

from storage import logs, personal
from storage.audit import SYSTEM_ACTOR

ACTOR_ROLE = "actor_role"  # derived from actor_id, never personal: see actor_role()
SOMEONE_ELSE = "someone else"
BOM = "\ufeff"  # the CSV's first character: Excel then opens it as UTF-8

# What each log can carry, in order (storage.personal decides which of these the default leaves out).
CONCERN_COLUMNS = (
    "reference created_at reporter_id area kind platform roles safeguarding involved_staff_id route_kind"
    " route_recipient status acknowledged_at acknowledged_by escalated_to resolved_at outcome"
    " last_actor_id policy_version kept_copy description names links"
).split()
CHECK_COLUMNS = (
    "id asked_at asked_by person channel under_18 family_or_close_family_friend existing_personal_friend"
    " verdict rule_ids answered_by_permission_id request_status requested_at decided_by decided_at"
    " policy_version person_described"
).split()
DECLARATION_COLUMNS = (
    "id declared_at staff_id person relationship confirm_by status acknowledged_by acknowledged_at policy_version"
    " person_described"
).split()
REVIEW_COLUMNS = [
    "id",
    "review_on",
    "reviewed_at",
    "next_review_on",
    "reviewed_by",
    "policy_version",
    "adopted_version",
]
PERMISSION_COLUMNS = (
    "id staff_id person channel granted_by granted_at review_on check_id policy_version person_described person_key"
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

RecordValues = tuple[list[Any], list[list[Any]]]  # a record's exported values and its trail's, in their columns' order
_EPOCH, _EPOCH_UTC, _SECOND = datetime(1970, 1, 1), datetime(1970, 1, 1, tzinfo=UTC), timedelta(seconds=1)
_from_timestamp = datetime.fromtimestamp
# json's own encoder writes the JSON values, a batch of records' at once: its output holds "\x00" only as the separator
# asked for here (it escapes every control character), so it splits into the values on it.
_ENCODE = json.JSONEncoder(separators=("\x00", ": ")).encode


class _Line:
    """A file to csv.writer whose write gives the text back: writerow then returns the line, "\r\n" and all."""

    write = str


_CSV_LINE = csv.writer(_Line()).writerow


def columns(table: str, names: list[str], include_details: bool) -> list[str]:
    """The columns exported: all of `names` with details, else those storage.personal does not declare personal."""
    return [n for n in names if n == ACTOR_ROLE or include_details or not personal.is_personal(table, n)]


def _value(value: Any, tz: tzinfo) -> Any:
    if value.__class__ is datetime:  # to the second, in the school's zone (SQLite's naive times are UTC)
        since_epoch = value - (_EPOCH if value.tzinfo is None else _EPOCH_UTC)
        return _from_timestamp(since_epoch // _SECOND, tz).isoformat()
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


class _Shape:
    """How one table's rows are exported: the columns `names`, from rows of the columns `read`; where among them the
    times and dates are (written in the school's zone) and the text (kept from running in a spreadsheet)."""

    def __init__(self, table: Table, names: list[str], read: list[str], tz: tzinfo) -> None:
        self.tz = tz
        types = {c.name: getattr(c.type, "impl", c.type).python_type for c in table.c}  # a TypeDecorator: its impl's
        self.read, self.get = read, itemgetter(*(read.index(n) for n in names))
        self.times = [i for i, n in enumerate(names) if types.get(n) in (datetime, date)]
        self.texts = [i for i, n in enumerate(names) if types.get(n) is str]

    def values(self, row: Any, local: Callable[[Any], Any]) -> list[Any]:
        """The row's values, its times as the school reads them (`local`: the snapshot's, for what it read as
        text; the dates and any time read as a time, here)."""
        values = list(self.get(row))
        for i in self.times:
            if (value := values[i]) is not None:  # most of a record's times are not yet (acknowledged, resolved)
                values[i] = local(value) if value.__class__ is str else _value(value, self.tz)
        return values

    def cells(self, values: list[Any]) -> list[Any]:
        for i in self.texts:
            if values[i] and not values[i][:1].isalnum():  # else _cell leaves it as it is
                values[i] = _cell(values[i])
        return values


def _records(snapshot: logs.Snapshot, log: str, details: bool, tz: tzinfo, cells: bool) -> Iterator[list[RecordValues]]:
    """The log's records as exported, a batch at a time: as CSV `cells`, or else as JSON values."""
    table, names = LOGS[log]
    wanted, trail = columns(table, names, details), columns(AUDIT_TABLE, AUDIT_COLUMNS, details)
    owner, role = personal.subject(table) or ("", SOMEONE_ELSE)  # whose own record a row is, and their role in it
    read = list(dict.fromkeys([*wanted, owner] if owner else wanted))
    stored = ["actor_id" if n == ACTOR_ROLE else n for n in trail]  # actor_role is worked out from actor_id
    record = _Shape(logs.LOGS[log].table, wanted, read, tz)
    event = _Shape(logs.AUDIT, stored, list(dict.fromkeys(stored)), tz)
    actor, subject = trail.index(ACTOR_ROLE), read.index(owner) if owner else None
    for batch in snapshot.records(log, read, event.read):
        records: list[RecordValues] = []
        for row, entries in batch:
            subject_id = None if subject is None else row[subject]
            values = record.values(row, snapshot.local)
            events = [event.values(entry, snapshot.local) for entry in entries]
            for exported in events:  # actor_role(), inline: half a million events
                who = exported[actor]
                exported[actor] = who if who == SYSTEM_ACTOR else (role if who == subject_id else SOMEONE_ELSE)
            records.append((record.cells(values), [event.cells(e) for e in events]) if cells else (values, events))
        yield records


def _write_csv(
    out: TextIO, snapshot: logs.Snapshot, log: str, details: bool, tz: tzinfo, school: str | None, header: bool
) -> None:
    """A byte-order mark (so that Excel reads the file as UTF-8, names with accents included), a header line, then a
    row per audit event (a record without one: a row of its own), a batch at a time. csv writes each cell on its
    own, so a record's are written once and put before each of its events'. `school`: each row starts with it (an
    export of several schools, one after another, under one header)."""
    table, names = LOGS[log]
    trail = columns(AUDIT_TABLE, AUDIT_COLUMNS, details)
    first = ["school"] if school is not None else []
    if header:
        out.write(BOM + _CSV_LINE(first + columns(table, names, details) + [f"event_{n}" for n in trail]))
    blank = _CSV_LINE([""] * len(trail))
    for batch in _records(snapshot, log, details, tz, cells=True):
        lines = []
        for values, events in batch:
            record = _CSV_LINE([school, *values] if school is not None else values)[:-2] + ","
            lines += [record + _CSV_LINE(event) for event in events] if events else [record + blank]
        out.write("".join(lines))


def _template(names: list[str], indent: str, extra: str = "") -> str:
    """An object of these members (then `extra`) at `indent`, as json.dumps(indent=2) lays it out; %s a value."""
    members = [f"\n{indent}  {_ENCODE(n).replace('%', '%%')}: %s" for n in names]
    return "{" + ",".join(members) + extra + f"\n{indent}}}"


def _json_batches(snapshot: logs.Snapshot, log: str, details: bool, tz: tzinfo) -> Iterator[str]:
    """The log's records as JSON objects where they are nested in the export, each with its trail ("audit") but the
    permissions, a batch at a time: one template for the batch, filled with every value in it."""
    if log not in LOGS:
        names = columns("contact_permission", PERMISSION_COLUMNS, details)
        permission, shape = _template(names, " " * 4), _Shape(logs.PERMISSIONS.table, names, names, tz)
        for rows in snapshot.permissions(names):
            yield _filled([permission] * len(rows), [v for row in rows for v in shape.values(row, snapshot.local)])
        return
    wanted, trail = columns(*LOGS[log], details), columns(AUDIT_TABLE, AUDIT_COLUMNS, details)
    event = "\n        " + _template(trail, " " * 8)
    templates: dict[int, str] = {}  # a record's, by the length of its trail
    for batch in _records(snapshot, log, details, tz, cells=False):
        for _, events in batch:
            if len(events) not in templates:
                audit = "[" + ",".join([event] * len(events)) + "\n      ]" if events else "[]"
                templates[len(events)] = _template(wanted, " " * 4, f',\n      "audit": {audit}')
        objects = [templates[len(events)] for _, events in batch]
        yield _filled(objects, [v for values, events in batch for v in chain(values, *events)])


def _filled(objects: list[str], values: list[Any]) -> str:
    """The objects' templates, one after another, filled with the values in order (each as JSON)."""
    return ",\n    ".join(objects) % tuple(_ENCODE(values)[1:-1].split("\x00"))


def _write_json(out: TextIO, snapshot: logs.Snapshot, details: bool, tz: tzinfo, school: str | None) -> None:
    """{"concerns": [...], ..., "contact_permissions": [...]}: each batch of records written out as it is read.
    `school`: {"school": key, "concerns": [...], ...}, one of several in a list."""
    if school is not None:
        out.write("{\n  " + _ENCODE("school") + ": " + _ENCODE(school))
    for n, log in enumerate([*LOGS, "contact_permissions"]):
        out.write(("," if n or school is not None else "{") + f"\n  {_ENCODE(log)}: ")
        written = False
        for text in _json_batches(snapshot, log, details, tz):
            out.write(("," if written else "[") + "\n    " + text)
            written = True
        out.write("\n  ]" if written else "[]")
    out.write("\n}\n")


def write(
    out: TextIO,
    engine: Engine,
    fmt: str,
    since: datetime | None = None,
    include_details: bool = False,
    log: str = "concerns",
    *,
    tz: tzinfo,
    batch: int = logs.BATCH,
    school: str | None = None,
    header: bool = True,
) -> None:
    """Write the export to `out` as it is read, `batch` records at a time, from one snapshot of the logs. JSON holds
    every log and the standing permissions; CSV holds the one named by `log`, a row per audit event (an empty log is
    its header line). `tz` is the school's time zone. `school`: its key on every row (CSV; with `header` False, no
    header line: the schools after the first), or as the object's first member (JSON)."""
    with logs.snapshot(engine, since, batch, tz) as snapshot:  # times read as the school's, by the database
        if fmt == "json":
            _write_json(out, snapshot, include_details, tz, school)
        else:
            _write_csv(out, snapshot, log, include_details, tz, school, header)


def export(
    engine: Engine,
    fmt: str,
    since: datetime | None = None,
    include_details: bool = False,
    log: str = "concerns",
    *,
    tz: tzinfo,
) -> str:
    """The whole export as one string, for small logs and tests: `write` streams it."""
    buffer = io.StringIO()
    write(buffer, engine, fmt, since, include_details, log, tz=tz)
    return buffer.getvalue()


def missing_database(url: str) -> str | None:
    """The SQLite file `url` names when it does not exist yet (opening it would create it, empty), else None."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return None if Path(path).exists() else path
