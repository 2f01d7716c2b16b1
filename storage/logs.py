"""The governors' logs as stored, for the export, streamed: every concern, contact question, declaration and policy
review (with `since`, those from that moment on), oldest first, a batch at a time, each record with its whole audit
trail (read from the one audit table by its index); and the standing permissions. Core rows, only the columns asked
for. The whole export is one read-only transaction, one snapshot (REPEATABLE READ on PostgreSQL; SQLite's read
transaction is one already), however long it takes to write out."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Engine, Row, Table, TypeDecorator, select, type_coerce

from flows.permissions import RecordKind
from storage import audit, local_times
from storage.db import reading
from storage.models import AuditEntry, Concern, ContactCheck, ContactPermission, Declaration, PolicyReview
from storage.tenancy import mine

BATCH = 500  # records per read, their trails read with them: well inside every database's parameter limit
AUDIT: Table = AuditEntry.__table__  # type: ignore[attr-defined]
Trailed = tuple[Row[Any], list[Row[Any]]]  # a record and its audit trail, oldest first


@dataclass(frozen=True)
class Log:
    table: Table
    stamp: str  # the column `since` is compared with
    kind: RecordKind | None  # its records' kind in the audit trail; None: it has no trail


def _log(model: Any, stamp: str, kind: RecordKind | None) -> Log:
    return Log(model.__table__, stamp, kind)


LOGS = {
    "concerns": _log(Concern, "created_at", RecordKind.CONCERN),
    "contact_checks": _log(ContactCheck, "asked_at", RecordKind.CONTACT_REQUEST),
    "declarations": _log(Declaration, "declared_at", RecordKind.DECLARATION),
    "policy_reviews": _log(PolicyReview, "reviewed_at", RecordKind.REVIEW),
}
PERMISSIONS = _log(ContactPermission, "granted_at", None)


def subject_id(kind: RecordKind, row: Any) -> int:
    """The id a record has in the audit trail: its own, or for a policy review its due date (yyyymmdd)."""
    return audit.review_subject_id(row.review_on) if kind is RecordKind.REVIEW else int(row.id)


def _plain(column: Column[Any]) -> Any:
    """The column as the database gives it: sqlmodel's UTCDateTime costs a Python call per value to make a time read
    from SQLite aware (a naive time read here is UTC)."""
    return type_coerce(column, column.type.impl) if isinstance(column.type, TypeDecorator) else column


class Snapshot:
    """The logs as they were when the first of them was read, for as long as the `snapshot` block lasts; with a zone,
    every time is read as the school's local text (storage.local_times)."""

    def __init__(self, connection: Connection, since: datetime | None, batch: int, zone: tzinfo | None = None) -> None:
        self._connection, self._since, self._batch, self._zone = connection, since, batch, zone
        sqlite = zone is not None and connection.dialect.name == "sqlite"
        # A time as read (with a zone: text), as the school reads it.
        self.local: Callable[[Any], Any] = local_times.SQLiteText(zone) if sqlite and zone else (lambda text: text)

    def _read(self, column: Column[Any]) -> Any:
        kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
        if self._zone is not None and isinstance(kind, DateTime):
            return local_times.read(column, self._connection.dialect.name)
        return _plain(column)

    def records(self, name: str, names: Sequence[str], trail_names: Sequence[str]) -> Iterator[list[Trailed]]:
        """The log's records by id, a batch at a time, each with its trail. A record's row holds the columns `names`
        in that order (then those it is read by); each of its audit entries the columns `trail_names`."""
        log = LOGS[name]
        assert log.kind is not None
        kind = log.kind
        for rows in self._batches(log, [*names, "id", "review_on"] if kind is RecordKind.REVIEW else [*names, "id"]):
            ids = [subject_id(kind, row) for row in rows]
            trails = self._trails(kind, ids, trail_names)
            yield [(row, trails.get(subject, [])) for row, subject in zip(rows, ids, strict=True)]

    def permissions(self, names: Sequence[str]) -> Iterator[list[Row[Any]]]:
        """The standing permissions by id, a batch at a time: the columns `names` in that order (then their id)."""
        yield from self._batches(PERMISSIONS, [*names, "id"])

    def _batches(self, log: Log, names: Sequence[str]) -> Iterator[list[Row[Any]]]:
        """Keyset pagination by id: each batch is the next `batch` rows after the last one read."""
        table = log.table
        read = list(dict.fromkeys(names))  # a column asked for twice is read once, at its first place
        stmt = select(*(self._read(table.c[n]) for n in read)).where(mine(table, self._connection))
        stmt = stmt.order_by(table.c.id).limit(self._batch)
        if self._since is not None:
            stmt = stmt.where(table.c[log.stamp] >= self._since)
        last = None
        while True:
            rows = self._connection.execute(stmt if last is None else stmt.where(table.c.id > last)).all()
            if rows:
                yield list(rows)
            if len(rows) < self._batch:
                return
            last = rows[-1].id

    def _trails(self, kind: RecordKind, ids: list[int], names: Sequence[str]) -> dict[int, list[Row[Any]]]:
        stmt = (
            select(*(self._read(AUDIT.c[n]) for n in dict.fromkeys([*names, "subject_id"])))
            .where(mine(AUDIT, self._connection), AUDIT.c.subject_kind == kind.value, AUDIT.c.subject_id.in_(ids))
            .order_by(AUDIT.c.subject_id, AUDIT.c.id)
        )
        found: dict[int, list[Row[Any]]] = {}
        for entry in self._connection.execute(stmt).all():
            found.setdefault(entry.subject_id, []).append(entry)
        return found


@contextmanager
def snapshot(
    engine: Engine, since: datetime | None = None, batch: int = BATCH, zone: tzinfo | None = None
) -> Iterator[Snapshot]:
    """One read-only transaction for everything read through the Snapshot; `zone`: times read as local text."""
    with reading(engine) as session:
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        connection = session.connection(execution_options=options if engine.dialect.name == "postgresql" else None)
        if zone is not None:
            local_times.prepare(connection, zone)
        yield Snapshot(connection, since, batch, zone)
