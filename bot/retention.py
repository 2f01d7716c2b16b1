"""Retention, run: what is due (flows.retention over the closed records storage.retention finds) is redacted by
policybot through the one command path, or, for a concern on the safeguarding route or one that names a member of
staff, the safeguarding lead(s) are asked in Slack to confirm or to keep it longer (bot.listeners.retention).
`policybot retention` lists it (a dry run) or does it (--apply); the nudge pass does it once a month by itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.config import Settings
from bot.directory import Directory
from bot.telling import drawn
from bot.views.retention import ask_blocks, ask_text
from flows.permissions import POLICYBOT, Act, RecordKind
from flows.retention import Disposal, Due, schedule
from storage import retention
from storage.commands import Changed, Command, Result
from storage.concerns import ConcernStore
from storage.outbox_messages import Message
from storage.records import facts

log = logging.getLogger(__name__)

HORIZON = timedelta(days=365)  # the dry run also lists what falls due in the next year
UNATTACHED = timedelta(days=90)  # how long the outbox keeps a message about no record, once it has gone
JOB = "retention"
MONTHLY_FROM_HOUR = 2  # the monthly run: the first pass of the month from 2 am, school time
RECHECK = timedelta(minutes=10)  # a month another process has taken is asked about again after this


@dataclass(frozen=True)
class Planned:
    due: Due
    asked_at: datetime | None  # a safeguarding lead was asked to confirm, then


@dataclass
class Done:
    redacted: int = 0
    asked: int = 0
    waiting: int = 0  # asked before, no decision yet


class Retention:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        directory: Directory,
        clock: Callable[[], datetime],
        kick: Callable[[], None],
        change: Callable[[Command], Result],
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.directory = directory
        self.clock = clock
        self.kick = kick  # the sender's: deletions and asks go at once
        self.change = change  # Deps.change: the one command path, with what follows every change (App Homes)
        self.zone = ZoneInfo(settings.timezone)
        self._known: tuple[str, datetime | None] | None = None  # (month, ask again after; None: this process ran it)

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def plan(self, horizon: timedelta = HORIZON) -> list[Planned]:
        """Everything due by today plus `horizon`, soonest first, with when its confirmation was asked for."""
        today = self.today()
        found = retention.closed(self.engine, self.zone, today)
        due = schedule(found, self.settings.retention_years, today, today + horizon)
        keys = {
            d: retention.ask_key(d.record.kind, d.record.record_id, d.due_on) for d in due if d.disposal is Disposal.ASK
        }
        asked = retention.asked_on(self.engine, list(keys.values())) if keys else {}
        return [Planned(d, asked.get(keys.get(d, ""))) for d in due]

    def apply(self) -> Done:
        """Do what is due today: redact, or ask. Each record on its own: one that fails is logged (by id) and left
        for the next run."""
        done = Done()
        for planned in self.plan(timedelta(0)):  # what is due by today
            due = planned.due
            try:
                if due.disposal is Disposal.REDACT:
                    done.redacted += self._redact(due)
                elif planned.asked_at is not None:
                    done.waiting += 1
                else:
                    done.asked += self._ask(due)
            except Exception as error:  # noqa: BLE001 - one record must not stop the others
                log.error("retention of %s %s failed: %s", due.record.kind, due.record.record_id, type(error).__name__)
        forgotten = retention.forget_unattached(self.engine, self.clock() - UNATTACHED)
        if forgotten:
            log.info("retention: %d messages about no record forgotten", forgotten)
        if done.redacted or done.asked:
            self.kick()
            log.info("retention: %d redacted, %d asked, %d waiting", done.redacted, done.asked, done.waiting)
        return done

    def monthly(self) -> None:
        """The month's run, once however many processes run it: from 2 am on the month's first pass. The nudge pass
        runs many times a minute in a busy trust, so a month this process ran is not asked about again, and one
        another process has taken not for RECHECK (it gives the month back if its run fails)."""
        now = self.clock().astimezone(self.zone)
        if now.hour < MONTHLY_FROM_HOUR and now.day == 1:
            return
        period = f"{now:%Y-%m}"
        known = self._known
        if known is not None and known[0] == period and (known[1] is None or now < known[1]):
            return
        if not retention.claim_period(self.engine, JOB, period):
            self._known = (period, now + RECHECK)  # another process has it: done, or being done
            return
        try:
            self.apply()
        except Exception:
            retention.release_period(self.engine, JOB, period)  # not done: the next pass tries again
            raise
        self._known = (period, None)  # done here

    def _redact(self, due: Due) -> int:
        record = due.record
        key = f"retention:{record.kind}:{record.record_id}:redact"
        command = Command(RecordKind(record.kind), record.record_id, Act.REDACT, POLICYBOT, self.clock(), key)
        return int(isinstance(self.change(command), Changed))

    def _ask(self, due: Due) -> int:
        record = due.record
        concern = ConcernStore(self.engine).get(record.record_id)
        if concern is None:
            return 0
        years = self.settings.retention_years[record.held]
        text = ask_text(record.label, record.held, record.closed_on, due.due_on, years)
        blocks = drawn(ask_blocks(record.record_id, text, record.held, due.due_on))
        key = retention.ask_key(record.kind, record.record_id, due.due_on)
        subject = (RecordKind.CONCERN, record.record_id)
        leads = sorted(self.directory.who(facts(concern), Act.REDACT) - {POLICYBOT})
        messages = [Message(f"{key}:{lead}", subject, lead, text, blocks) for lead in leads]
        return int(retention.ask_once(self.engine, RecordKind.CONCERN, record.record_id, key, messages, self.clock()))
