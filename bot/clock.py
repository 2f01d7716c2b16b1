"""The bot's one clock (Deps.clock): the real time, or for a rehearsal such as the sandbox the real time plus an
offset in seconds read from a file (POLICYBOT_CLOCK_FILE), so that a day of nudges and reminders can be seen in a
minute. The file is looked at again only when it changes; a missing or unreadable file means no offset."""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime, timedelta

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class FileClock:
    """Read by every thread (requests, the sender, the nudge pass): the file's time and the offset read from it are
    changed together, under a lock, so that no thread sees a new time with the old offset."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._seen: tuple[int | None, timedelta] = (None, timedelta(0))  # (the file's time, its offset)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        try:
            changed: int | None = os.stat(self.path).st_mtime_ns
        except OSError:
            changed = None
        seen, offset = self._seen
        if changed != seen:
            with self._lock:
                if changed != self._seen[0]:
                    self._seen = (changed, self._read())  # the offset first, then both at once
                offset = self._seen[1]
        return datetime.now(UTC) + offset

    def _read(self) -> timedelta:
        try:
            with open(self.path, encoding="utf-8") as handle:
                return timedelta(seconds=float(handle.read().strip() or 0))
        except (OSError, ValueError):
            log.warning("POLICYBOT_CLOCK_FILE is not a number of seconds: the real time is used")
            return timedelta(0)
