"""The background scheduler: the delivery job that posts whatever Slack refused earlier, the directory refresh,
and the nudge pass (bot/nudges.py) with its wake-ups.

The job keeps no state of its own: what is due is read from the concern rows, and each concern is claimed in the
database before it is sent, so any number of processes may run the job.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps
from bot.directory import REFRESH_SECONDS

log = logging.getLogger(__name__)


def start_scheduler(deps: Deps) -> BackgroundScheduler:
    deps.directory.refresh()  # before the first request: who leads, who is in the leadership channel
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
    scheduler.add_job(
        _deliver_due,
        "interval",
        seconds=deps.settings.delivery_retry_seconds,
        args=[deps],
        id="deliver_due",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    deps.nudger.scheduler = scheduler
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
    scheduler.start()
    return scheduler


def _deliver_due(deps: Deps) -> None:
    try:
        delivered = deps.delivery.deliver_due()
        posted = deps.contact_delivery.post_due()
        if delivered or posted:
            log.info("delivery job delivered %d concern(s) and %d contact post(s)", delivered, posted)
        deps.delivery.last_pass_at = deps.clock()  # for /healthz: the job is alive and has looked at everything
    except Exception as error:  # noqa: BLE001 - the job must survive a database hiccup and run again
        log.error("delivery job failed: %s", type(error).__name__)
