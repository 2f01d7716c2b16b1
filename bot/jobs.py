"""What runs in the background: the sender (bot.delivery) on its own thread, and on the scheduler the directory
refresh and the nudge pass (bot/nudges.py) with its wake-ups. HTTP mode's workers run only the directory refresh
(bot/supervisor.py).

Nothing here keeps state of its own: what is due is read from the database, and each piece of work is claimed there
before it is done, so any number of processes may run these.
"""

from __future__ import annotations

import atexit
import sys
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.deps import Deps
from bot.directory import REFRESH_SECONDS


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
    """Everything: the directory refresh, the sender, the nudge pass and its wake-ups (Socket Mode's one process,
    and HTTP mode's background process)."""
    scheduler = start_directory_refresh(deps)
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
