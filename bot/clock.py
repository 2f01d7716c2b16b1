"""The bot's one clock (Deps.clock): the real time, or for a rehearsal such as the sandbox the real time plus an
offset in seconds read from a file (POLICYBOT_CLOCK_FILE), so that a day of nudges and reminders can be seen in a
minute. The file is looked at again only when it changes; a missing or unreadable file means no offset."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class FileClock:
    def __init__(self, path: str) -> None:
        self.path = path
        self._seen: int | None = None
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        try:
            changed = os.stat(self.path).st_mtime_ns
        except OSError:
            changed = None
        if changed != self._seen:
            self._seen = changed
            self._offset = self._read()
        return datetime.now(UTC) + self._offset

    def _read(self) -> timedelta:
        try:
            with open(self.path, encoding="utf-8") as handle:
                return timedelta(seconds=float(handle.read().strip() or 0))
        except (OSError, ValueError):
            log.warning("POLICYBOT_CLOCK_FILE is not a number of seconds: the real time is used")
            return timedelta(0)
