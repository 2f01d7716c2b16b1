"""Times as the school reads them, "2026-07-01T09:00:00+01:00" (to the second, in the school's zone), for the export,
which writes half a million of them: converting each stored time through Python's datetime cost more than reading
it. PostgreSQL formats its own times in the transaction's zone (SET LOCAL TIME ZONE); from SQLite, which keeps UTC
as text ("2026-07-01 08:00:00.000000"), the text is read as it is and shifted hour by hour, each hour's offset
looked up in the zone once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Connection, String, func, text, type_coerce

POSTGRES_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'


def prepare(connection: Connection, zone: tzinfo) -> None:
    """In the reading transaction, before any time is read: PostgreSQL's zone for this transaction only."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": str(zone)})


def read(column: Any, dialect: str) -> Any:
    """The column's times as PostgreSQL's local text, or as SQLite's stored UTC text (None stays None)."""
    if dialect == "postgresql":
        return func.to_char(column, POSTGRES_FORMAT).label(column.name)
    return type_coerce(column, String).label(column.name)


class SQLiteText:
    """SQLite's stored UTC text to the school's local text. Each hour's shift is worked out once (the offset of every
    zone this school could be in is whole hours; another is shifted minute by minute, each minute once)."""

    MOST = 100_000  # hours (or minutes) remembered; an export goes through its records in the order they were made

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.hours: dict[str, tuple[str, int, str]] = {}  # "2026-07-01 08" -> ("2026-07-01T09", cut, "+01:00")

    def __call__(self, stored: Any) -> Any:
        if not isinstance(stored, str):
            return stored
        found = self.hours.get(stored[:13]) or self._hour(stored)
        return found[0] + stored[found[1] : 19] + found[2]

    def _hour(self, stored: str) -> tuple[str, int, str]:
        utc = datetime.fromisoformat(stored[:19]).replace(tzinfo=UTC)
        local = utc.astimezone(self.zone)
        offset = local.utcoffset() or timedelta(0)
        sign, size = ("-", -offset) if offset < timedelta(0) else ("+", offset)
        hours, rest = divmod(int(size.total_seconds()), 3600)
        suffix = f"{sign}{hours:02d}:{rest // 60:02d}"
        if rest:  # a zone whose offset is not whole hours: this minute only
            return local.strftime("%Y-%m-%dT%H:%M"), 16, suffix
        found = (local.strftime("%Y-%m-%dT%H"), 13, suffix)
        if len(self.hours) >= self.MOST:
            self.hours.clear()
        self.hours[stored[:13]] = found
        return found
