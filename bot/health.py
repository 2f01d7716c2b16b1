"""Is policybot doing its job? The database answers, and nothing people must be told has waited too long to be sent
(HEALTHZ_MAX_PENDING_SECONDS): what /healthz answers in HTTP mode and `policybot status` prints. A message that waits
is what matters (a safeguarding alert Slack has not taken), not whether a process is up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from storage.db import ping
from storage.outbox import OutboxStore
from storage.tenancy import NoSchool


@dataclass(frozen=True)
class Health:
    database: bool
    waiting: int  # messages not yet sent (retries included)
    oldest_waiting_seconds: int | None  # how long the oldest of them has waited
    delivery_pass_at: datetime | None  # when the sender last finished a pass over the outbox
    limit_seconds: int
    schema: bool = True  # the database holds policybot's tables

    @property
    def reason(self) -> str | None:
        """Why this is not healthy, in one line for whoever is alerted; None when it is."""
        if not self.database:
            return "the database does not answer"
        if not self.schema:
            return "the database has no policybot schema yet: run `policybot db upgrade`"
        if self.oldest_waiting_seconds is not None and self.oldest_waiting_seconds > self.limit_seconds:
            return (
                f"a message has waited {self.oldest_waiting_seconds} s to be sent (over {self.limit_seconds} s): "
                "Slack may be unreachable or refusing the bot (see the log)"
            )
        return None

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.reason is None else "unhealthy",
            "reason": self.reason,
            "database": "ok" if self.database else "unavailable",
            "waiting": self.waiting,
            "oldest_waiting_seconds": self.oldest_waiting_seconds,
            "max_pending_seconds": self.limit_seconds,
            "delivery_pass_at": self.delivery_pass_at.isoformat() if self.delivery_pass_at else None,
        }


def together(each: list[Health]) -> Health:
    """Several schools' health as one: every message waiting, the longest wait, unwell if any is."""
    ages = [h.oldest_waiting_seconds for h in each if h.oldest_waiting_seconds is not None]
    return Health(
        database=all(h.database for h in each),
        waiting=sum(h.waiting for h in each),
        oldest_waiting_seconds=max(ages, default=None),
        delivery_pass_at=each[0].delivery_pass_at if each else None,
        limit_seconds=each[0].limit_seconds if each else 0,
        schema=all(h.schema for h in each),
    )


def health(outbox: OutboxStore, now: datetime, limit_seconds: int, pass_at: datetime | None) -> Health:
    if not ping(outbox.engine):
        return Health(False, 0, None, pass_at, limit_seconds)
    try:
        count, oldest = outbox.waiting()
    except (SQLAlchemyError, NoSchool):  # NoSchool: with no schema, no school could be found to open it for
        try:  # it answered the ping: is the outbox there at all?
            there = inspect(outbox.engine).has_table("outbox_message")
        except SQLAlchemyError:
            there = True
        return Health(not there, 0, None, pass_at, limit_seconds, schema=there)  # no outbox: it answers, no schema
    age = max(0, int((now - oldest).total_seconds())) if oldest is not None else None
    return Health(True, count, age, pass_at, limit_seconds)
