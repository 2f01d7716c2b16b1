"""What runs in the background: the sender (bot.delivery) on its own thread, and on the scheduler the directory
refresh and the nudge pass (bot/nudges.py) with its wake-ups. HTTP mode's workers run only the directory refresh
(bot/supervisor.py). At start-up, records stored before the outbox whose
messages were not all sent are handed to it (storage.legacy).

Nothing here keeps state of its own: what is due is read from the database, and each piece of work is claimed there
before it is done, so any number of processes may run these.
"""

from __future__ import annotations

import atexit
import logging
import sys
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps
from bot.directory import REFRESH_SECONDS
from flows.contact_requests import RequestStatus
from flows.permissions import Act, RecordKind
from storage.models import Concern, ContactCheck, Declaration
from storage.outbox import Message
from storage.records import facts

log = logging.getLogger(__name__)


def start_directory_refresh(deps: Deps) -> BackgroundScheduler:
    """What every process that answers Slack runs: who leads and who is in the leadership channel, kept fresh."""
    # One Python process runs one thread at a time, handing over every 5 ms by default: an ack waiting behind a
    # thread doing earlier work (a click's transaction) waited up to that. Every 0.5 ms instead (bench/README.md).
    sys.setswitchinterval(0.0005)
    deps.directory.refresh()  # before the first request
    scheduler = BackgroundScheduler(timezone=deps.settings.timezone)
    scheduler.add_job(
        deps.directory.refresh,
        "interval",
        seconds=REFRESH_SECONDS,
        id="refresh_directory",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    scheduler.start()
    return scheduler


def start_scheduler(deps: Deps) -> BackgroundScheduler:
    """Everything: the directory refresh, records handed to the outbox, the sender, the nudge pass and its
    wake-ups (Socket Mode's one process, and HTTP mode's background process)."""
    scheduler = start_directory_refresh(deps)
    hand_over(deps)
    deps.delivery.start()
    atexit.register(deps.delivery.stop)  # a stopping bot finishes what it is sending and lets go of the rest
    deps.nudger.scheduler = scheduler
    deps.nudger.kick = deps.delivery.kick
    deps.nudger.derive_all()  # new settings apply to everything pending
    scheduler.add_job(
        deps.nudger.run,
        "interval",
        seconds=deps.settings.scan_seconds,
        id="nudge_pass",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
        next_run_time=datetime.now(UTC),  # at once: whatever fell due while the bot was stopped
        misfire_grace_time=None,  # however late the thread gets to it, run it
    )
    return scheduler


def hand_over(deps: Deps) -> int:
    """Records stored before the outbox with messages still to send: their remaining messages, drawn now, go to
    the outbox (steps already done are not repeated). Returns how many records were handed over."""
    handed, now = 0, deps.clock()
    rows: list[Concern | ContactCheck | Declaration] = [*deps.legacy.concerns(), *deps.legacy.requests()]
    for row in [*rows, *deps.legacy.declarations()]:
        handed += deps.legacy.hand_over(row, _remaining(deps, row), now)
    if handed:
        log.info("%d record(s) stored before the outbox handed to it", handed)
    return handed


def _remaining(deps: Deps, row: Concern | ContactCheck | Declaration) -> list[Message]:
    telling = deps.telling
    if isinstance(row, Declaration):
        assert row.id is not None
        return telling.posted(RecordKind.DECLARATION, row.id, telling.declaration_drawing(row))
    if isinstance(row, ContactCheck):
        assert row.id is not None
        granted = deps.contact_checks.permission_of(row.id)
        if row.tell_pending:
            return telling.request_decided(row, granted, deps.contact_checks.decision_note(row.id))[1:]
        if row.request_status == RequestStatus.PENDING:
            return telling.posted(RecordKind.CONTACT_REQUEST, row.id, telling.request_drawing(row, granted))
        return []
    alerted = set(row.alerted_ids) | (set(deps.directory.who(facts(row), Act.ALERT)) if row.alert_sent_at else set())
    done = {f"concern:{row.id}:alert:{lead}" for lead in alerted}
    if row.post_ts:
        done.add(f"concern:{row.id}:post")
    if row.receipt_sent_at:
        done.add(f"concern:{row.id}:receipt")
    return [m for m in telling.concern_stored(row) if m.key not in done]
