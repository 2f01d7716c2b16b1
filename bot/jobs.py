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

from bot.campus import Campus
from bot.deps import Deps
from bot.directory import REFRESH_SECONDS


def start_directory_refresh(served: Deps | Campus) -> BackgroundScheduler:
    """What every process that answers Slack runs: who leads and who is in the leadership channel, kept fresh (for
    each of a trust's schools, on one scheduler)."""
    # One Python process runs one thread at a time, handing over every 5 ms by default: an ack waiting behind a
    # thread doing earlier work (a click's transaction) waited up to that. Every 0.5 ms instead (bench/README.md).
    sys.setswitchinterval(0.0005)
    campus = Campus.of(served)
    scheduler = BackgroundScheduler(timezone="UTC")  # each job's times are instants; each school's zone is its own
    for deps in campus.every():
        deps.directory.refresh()  # before the first request
        scheduler.add_job(
            deps.directory.refresh,
            "interval",
            seconds=REFRESH_SECONDS,
            id=_named("refresh_directory", deps),
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
    scheduler.start()
    return scheduler


def start_scheduler(served: Deps | Campus) -> BackgroundScheduler:
    """Everything: the directory refresh, the sender, the nudge pass and its wake-ups (Socket Mode's one process,
    and HTTP mode's background process), for each school."""
    scheduler = start_directory_refresh(served)
    for deps in Campus.of(served).every():
        deps.delivery.start()
        atexit.register(deps.delivery.stop)  # a stopping bot finishes what it is sending and lets go of the rest
        deps.nudger.scheduler = scheduler
        deps.nudger.kick = deps.delivery.kick
        deps.nudger.derive_all()  # new settings apply to everything pending
        scheduler.add_job(
            deps.nudger.run,
            "interval",
            seconds=deps.settings.scan_seconds,
            id=_named("nudge_pass", deps),
            max_instances=1,
            coalesce=True,
            replace_existing=True,
            next_run_time=datetime.now(UTC),  # at once: whatever fell due while the bot was stopped
            misfire_grace_time=None,  # however late the thread gets to it, run it
        )
    return scheduler


def _named(job: str, deps: Deps) -> str:
    """A job's id: a trust's school's carries its key (one scheduler holds every school's)."""
    return job if deps.key is None else f"{job}:{deps.key}"
