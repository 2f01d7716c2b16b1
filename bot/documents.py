"""The documents policybot sends as files (Send.FILE rows name one by a short spec, drawn when it is sent): today
the governors' pack for a period, "pack:2025-12-03:2026-12-02"."""

from __future__ import annotations

import threading
import time
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.config import Settings
from bot.uploads import Document
from flows.pack import default_period
from flows.permissions import RecordKind
from storage.models import Send
from storage.outbox_messages import Message

PACK = "pack"


PACK_COMMENT = (
    "The governors' pack for {period}: the year's figures, anonymised, with any count from 1 to {least} shown as "
    '"fewer than {below}". Open the file in any browser; it works offline and prints well.'
)


def pack_key(governor: str) -> str:
    """The start of the key of every pack sent to a governor on demand (the rest: the minute it was asked for)."""
    return f"{PACK}:{governor}:"


def pack_for(governor: str, key: str, subject: tuple[RecordKind, int], today: date, below: int) -> Message:
    """The pack for the twelve months to today, as a file in the governor's direct messages (drawn when sent)."""
    start, end = default_period(today)
    period = f"{start:%d %B %Y} to {end:%d %B %Y}"
    comment = PACK_COMMENT.format(period=period, below=below, least=below - 1)
    return Message(key, subject, governor, comment, send=Send.FILE, document=f"{PACK}:{start}:{end}")


def _period(spec: str) -> tuple[date, date]:
    kind, _, dates = spec.partition(":")
    first, _, last = dates.partition(":")
    if kind != PACK:
        raise ValueError("not a document policybot draws")
    return date.fromisoformat(first), date.fromisoformat(last)  # ValueError for anything else


class Documents:
    """Drawn when sent; one drawing serves every governor it goes to within FRESH (a pass sends it to each)."""

    FRESH = 60.0  # seconds

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self._drawn: dict[str, tuple[float, Document]] = {}
        self._lock = threading.Lock()

    def title(self, spec: str) -> str:
        start, end = _period(spec)
        return f"Governors' pack, {start:%d %B %Y} to {end:%d %B %Y}"

    def draw(self, spec: str) -> Document:
        with self._lock:  # the sender's threads: one draws, the others wait for its drawing
            now = time.monotonic()
            self._drawn = {key: kept for key, kept in self._drawn.items() if now - kept[0] <= self.FRESH}
            if spec not in self._drawn:
                self._drawn[spec] = (now, self._draw(spec))
            return self._drawn[spec][1]

    def _draw(self, spec: str) -> Document:
        from bot.governors_pack import pack  # matplotlib: loaded by the process that sends a pack, when it does

        start, end = _period(spec)
        settings = self.settings
        page = pack(
            self.engine,
            start,
            end,
            ZoneInfo(settings.timezone),
            settings.ack_nudge_after,
            settings.pack_suppress_below,
            settings.platforms,
        )
        return Document(
            f"governors-pack-{start.isoformat()}-to-{end.isoformat()}.html", self.title(spec), page.encode()
        )
