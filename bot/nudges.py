"""Chasing: nudges for concerns and contact requests nobody has picked up, and the headteacher told when nudges go
unheeded; each pass also puts the reminders that are due (bot/reminders.py) in the outbox, and once a month does
what retention asks (bot/retention.py).

Nothing here is remembered only in memory. Due times are stored on the rows (and derived again from the stored state
at start-up, so new settings apply to everything pending); each nudge and each reminder is counted in the database
together with its messages in the outbox (bot.delivery sends them), so it goes out once however many processes run.
A wake-up job is set for the soonest due time, so a nudge goes out within seconds of falling due; a periodic pass is
the safety net.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler

from bot.config import Settings
from bot.directory import Directory
from bot.reminders import Reminders
from bot.retention import Retention
from flows.permissions import Act, RecordKind
from flows.scheduling import describe, escalates, next_nudge
from storage.declarations import DeclarationStore
from storage.nudges import CONCERN, NudgeStore, Waiting
from storage.outbox_messages import Message, post_key
from storage.reviews import ReviewStore

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=15)  # only while its messages are drawn: a crashed pass's lapses this fast
WAKE_JOB = "wake"


class Nudger:
    def __init__(
        self,
        settings: Settings,
        nudges: NudgeStore,
        reviews: ReviewStore,
        declarations: DeclarationStore,
        directory: Directory,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.nudges = nudges
        self.directory = directory
        self.clock = clock
        self.policy = settings.nudge_policy()
        self.kick: Callable[[], None] = lambda: None  # the sender's: what a pass put in the outbox goes at once
        self.reminders = Reminders(settings, reviews, declarations, directory, clock, lambda: self.kick())
        self.retention: Retention | None = None  # the month's retention run (bot.retention), set by Deps.build
        self.scheduler: BaseScheduler | None = None
        self._lock = threading.Lock()
        self._wake_at: datetime | None = None
        self.wake_job = WAKE_JOB  # a trust's school's has its key too: one scheduler holds every school's

    # --- due times ------------------------------------------------------------------------------------------------

    def first_due(self, since: datetime, safeguarding: bool) -> datetime:
        return next_nudge(self.policy, since=since, nudges_sent=0, last_nudged_at=None, safeguarding=safeguarding)

    def derive_all(self) -> None:
        """At start-up: every open item's due time again, from the stored state and the settings now in force."""
        count = self.nudges.forget_due_times()
        self._schedule_unscheduled()
        log.info("nudge times derived for %d open item(s)", count)

    def _schedule_unscheduled(self) -> None:
        for item in self.nudges.unscheduled():
            due = next_nudge(
                self.policy,
                since=item.since,
                nudges_sent=item.nudges_sent,
                last_nudged_at=item.last_nudged_at,
                safeguarding=item.safeguarding,
            )
            self.nudges.set_due(item, due)

    # --- the pass -------------------------------------------------------------------------------------------------

    def run(self) -> None:
        """One pass: whatever is due now, then the wake-up for whatever is next. Never raises."""
        try:
            self._schedule_unscheduled()
            for kind, item_id in self.nudges.due(self.clock()):
                self._nudge(kind, item_id)
            self.reminders.run()
            if self.retention is not None:
                self.retention.monthly()
        except Exception as error:  # noqa: BLE001 - the scheduler must survive a database or Slack hiccup
            log.error("nudge pass failed: %s", type(error).__name__)
        finally:
            self.arm()

    def _nudge(self, kind: RecordKind, item_id: int) -> None:
        """Claim one due nudge, and in one transaction count it, set the next and put its messages in the outbox
        (each recipient's, then the headteacher's when it is time): each goes out once, however many processes run."""
        now = self.clock()
        item = self.nudges.claim(kind, item_id, now, CLAIM_LEASE)
        if item is None:
            return  # no longer due, no longer open, or another process has it
        sent = item.nudges_sent + 1
        tell_head = escalates(self.policy, sent) and not item.head_told
        messages = self._messages(item, sent, now - item.since, tell_head)
        next_due = next_nudge(
            self.policy, since=item.since, nudges_sent=sent, last_nudged_at=now, safeguarding=item.safeguarding
        )
        if self.nudges.nudged(item, now, next_due, tell_head, messages):
            self.kick()
            log.info("%s %s: nudge %d due%s", kind, item_id, sent, " and headteacher told" if tell_head else "")

    def _messages(self, item: Waiting, sent: int, waited: timedelta, tell_head: bool) -> list[Message]:
        """Safeguarding: a DM to each of those flows.permissions names (the leads it does not name). Otherwise: a
        reply in the post's thread (the headteacher has it instead if the channel is gone for good). Then, when
        nudges go unheeded, the headteacher; the chair when the headteacher is involved or is the one not answering."""
        what = "safeguarding concern" if item.safeguarding else ("concern" if item.kind == CONCERN else "request")
        verb = "acknowledged" if item.kind == CONCERN else "decided"
        nudge = f":alarm_clock: The {what} {item.reference} has waited {describe(waited)} without being {verb}."
        record = item.facts
        kind = record.kind
        subject, prefix = (kind, item.id), f"{kind.value}:{item.id}:nudge:{sent}"
        if item.safeguarding:
            leads = sorted(self.directory.who(record, Act.NUDGE_BY_DM))
            messages = [Message(f"{prefix}:{lead}", subject, lead, nudge) for lead in leads]
        else:
            channel = item.route_recipient or self.settings.leadership_channel_id
            messages = [
                Message(
                    f"{prefix}:thread",
                    subject,
                    channel,
                    nudge,
                    thread_of=post_key(kind, item.id),
                    fallback=None if item.route_recipient else self.settings.headteacher_id,
                )
            ]
        if tell_head:
            text = (
                f"{item.reference} has had {sent} reminders and has waited {describe(waited)} without anyone "
                "picking it up. Please make sure someone does."
            )
            for head in sorted(self.directory.who(record, Act.UNANSWERED)):
                messages.append(Message(f"{prefix}:head:{head}", subject, head, text))
        return messages

    # --- the wake-up ----------------------------------------------------------------------------------------------

    def arm(self, at: datetime | None = None) -> None:
        """Make sure a pass runs at the soonest due time (of `at`, if given, and of what is stored and not being
        sent by someone now); never sooner than a second from now, so that nothing can spin."""
        if self.scheduler is None:
            return
        now = self.clock()
        candidates = [t for t in (at, self.nudges.earliest(now), self._next_review_moment()) if t is not None]
        if not candidates:
            return
        when = max(min(candidates), now + timedelta(seconds=1))
        with self._lock:
            if self._wake_at is not None and now < self._wake_at <= when:
                return
            self._wake_at = when
            self.scheduler.add_job(
                self.run, "date", run_date=when, id=self.wake_job, replace_existing=True, misfire_grace_time=None
            )

    def _next_review_moment(self) -> datetime | None:
        return self.reminders.next_moment()
