"""Chasing: nudges for concerns and contact requests nobody has picked up, the headteacher told when nudges go
unheeded, and the governors' annual review reminders with the year's digest.

Nothing here is remembered only in memory. Due times are stored on the rows (and derived again from the stored state
at start-up, so new settings apply to everything pending); each nudge and each reminder is claimed in the database
before it is sent, so it goes out once however many processes run. A wake-up job is set for the soonest due time,
so a nudge goes out within seconds of falling due; a periodic pass is the safety net.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot import ids
from bot.config import Settings
from bot.directory import Directory
from flows.digest import LoggedConcern, digest, lines
from flows.routing import route
from flows.scheduling import describe, escalates, next_nudge, next_review_reminder, review_reminders
from flows.taxonomy import Area, Kind, Outcome
from storage.schedule import CONCERN, ScheduleStore, Waiting

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)
RECONFIRM_NOTICE = timedelta(days=30)
WAKE_JOB = "wake"


class Nudger:
    def __init__(
        self,
        settings: Settings,
        schedule: ScheduleStore,
        directory: Directory,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.schedule = schedule
        self.directory = directory
        self.client = client
        self.clock = clock
        self.policy = settings.nudge_policy()
        self.scheduler: BaseScheduler | None = None
        self._lock = threading.Lock()
        self._wake_at: datetime | None = None

    # --- due times ------------------------------------------------------------------------------------------------

    def first_due(self, since: datetime, safeguarding: bool) -> datetime:
        return next_nudge(self.policy, since=since, nudges_sent=0, last_nudged_at=None, safeguarding=safeguarding)

    def derive_all(self) -> None:
        """At start-up: every open item's due time again, from the stored state and the settings now in force."""
        count = self.schedule.forget_due_times()
        self._schedule_unscheduled()
        log.info("nudge times derived for %d open item(s)", count)

    def _schedule_unscheduled(self) -> None:
        for item in self.schedule.unscheduled():
            due = next_nudge(
                self.policy,
                since=item.since,
                nudges_sent=item.nudges_sent,
                last_nudged_at=item.last_nudged_at,
                safeguarding=item.safeguarding,
            )
            self.schedule.set_due(item.kind, item.id, due)

    # --- the pass -------------------------------------------------------------------------------------------------

    def run(self) -> None:
        """One pass: whatever is due now, then the wake-up for whatever is next. Never raises."""
        try:
            self._schedule_unscheduled()
            for kind, item_id in self.schedule.due(self.clock()):
                self._nudge(kind, item_id)
            self._review()
            self._declarations()
        except Exception as error:  # noqa: BLE001 - the scheduler must survive a database or Slack hiccup
            log.error("nudge pass failed: %s", type(error).__name__)
        finally:
            self.arm()

    def _nudge(self, kind: str, item_id: int) -> None:
        now = self.clock()
        item = self.schedule.claim(kind, item_id, now, CLAIM_LEASE)
        if item is None:
            return  # no longer due, no longer open, or another process has it
        sent = item.nudges_sent + 1
        tell_head = escalates(self.policy, sent) and not item.head_told
        try:
            self._send_nudge(item, now - item.since)
            if tell_head:
                self._tell_head(item, sent, now - item.since)
        except (SlackApiError, SlackClientError, OSError) as error:
            self.schedule.release(item)
            log.warning("%s %s: nudge not sent (%s); tried again next pass", kind, item_id, type(error).__name__)
            return
        next_due = next_nudge(
            self.policy, since=item.since, nudges_sent=sent, last_nudged_at=now, safeguarding=item.safeguarding
        )
        self.schedule.nudged(item, now, next_due, tell_head)
        log.info("%s %s: nudge %d sent%s", kind, item_id, sent, " and headteacher told" if tell_head else "")

    def _send_nudge(self, item: Waiting, waited: timedelta) -> None:
        what = "safeguarding concern" if item.safeguarding else ("concern" if item.kind == CONCERN else "request")
        verb = "acknowledged" if item.kind == CONCERN else "decided"
        text = f":alarm_clock: The {what} {item.reference} has waited {describe(waited)} without being {verb}."
        if item.safeguarding:
            people = self.directory.people()
            leads = route(people, safeguarding=True, involved=item.involved).alert or {people.headteacher}
            for lead in sorted(leads):
                self.client.chat_postMessage(channel=lead, text=text)
            return
        channel = item.post_channel or item.route_recipient or self.settings.leadership_channel_id
        self.client.chat_postMessage(channel=channel, text=text, thread_ts=item.post_ts)

    def _tell_head(self, item: Waiting, sent: int, waited: timedelta) -> None:
        people = self.directory.people()
        head = people.headteacher
        if head in (item.involved, item.route_recipient):
            head = people.chair_of_governors  # the headteacher is involved, or is the one not answering
        text = (
            f"{item.reference} has had {sent} reminders and has waited {describe(waited)} without anyone "
            f"picking it up. Please make sure someone does."
        )
        self.client.chat_postMessage(channel=head, text=text)

    # --- the wake-up ----------------------------------------------------------------------------------------------

    def arm(self, at: datetime | None = None) -> None:
        """Make sure a pass runs at the soonest due time (of `at`, if given, and of what is stored)."""
        if self.scheduler is None:
            return
        candidates = [t for t in (at, self.schedule.earliest(), self._next_review_moment()) if t is not None]
        if not candidates:
            return
        when = max(min(candidates), self.clock())
        with self._lock:
            if self._wake_at is not None and self._wake_at <= when and self._wake_at > self.clock():
                return
            self._wake_at = when
            self.scheduler.add_job(
                self.run, "date", run_date=when, id=WAKE_JOB, replace_existing=True, misfire_grace_time=None
            )

    def _next_review_moment(self) -> datetime | None:
        review_on = self.schedule.current_review(self.settings.policy_review_date)
        if review_on is None or self.schedule.is_done(review_on):
            return None
        return next_review_reminder(review_on, self.policy.zone, self.clock())

    # --- declarations, re-confirmed yearly -------------------------------------------------------------------------

    def _declarations(self) -> None:
        """A month before a declaration's re-confirmation date, its owner is asked (once); if the date passes, the
        leadership team is told (once)."""
        now = self.clock()
        today = now.astimezone(self.policy.zone).date()
        for row in self.schedule.declarations_to_confirm(today + RECONFIRM_NOTICE):
            assert row.id is not None
            cycle = row.confirm_by.isoformat()
            if row.confirm_by >= today:
                key, action = f"reconfirm:{row.id}:{cycle}", "reconfirm_asked"
                channel, thread, text = (
                    row.staff_id,
                    None,
                    (
                        f"Please re-confirm your declared connection D-{row.id:04d} by {row.confirm_by:%d %B %Y}: "
                        "open policybot's App Home and press *Still true*, or declare what has changed."
                    ),
                )
            else:
                key, action = f"lapsed:{row.id}:{cycle}", "lapsed"
                channel = row.post_channel or self.settings.leadership_channel_id
                thread = row.post_ts
                text = f"Declared connection D-{row.id:04d} was not re-confirmed by {row.confirm_by:%d %B %Y}."
            if not self.schedule.claim_once(row.id, action, key, now):
                continue
            try:
                self.client.chat_postMessage(channel=channel, text=text, thread_ts=thread)
            except (SlackApiError, SlackClientError, OSError) as error:
                self.schedule.unclaim(key)
                log.warning("declaration %s: %s not sent (%s)", row.id, action, type(error).__name__)

    # --- the governors' review ------------------------------------------------------------------------------------

    def _review(self) -> None:
        review_on = self.schedule.current_review(self.settings.policy_review_date)
        if review_on is None or self.schedule.is_done(review_on):
            return
        now = self.clock()
        due = [
            (mark, at)
            for mark, at in review_reminders(review_on, self.policy.zone, now.astimezone(self.policy.zone).date())
            if at <= now
        ]
        if not due:
            return
        mark, _ = due[-1]  # only the latest: after a stop, one reminder, not one per missed step
        if not self.schedule.claim_reminder(review_on, mark, now, CLAIM_LEASE):
            return
        text, blocks = self._review_message(review_on, mark)
        try:
            for governor in sorted(self.directory.governors()):
                self.client.chat_postMessage(channel=governor, text=text, blocks=blocks)
        except (SlackApiError, SlackClientError, OSError) as error:
            self.schedule.release_reminder(review_on, mark)
            log.warning("review reminder %s not sent (%s)", mark, type(error).__name__)
            return
        self.schedule.reminder_sent(review_on, mark, now)
        log.info("review reminder sent (%s before %s)", mark, review_on.isoformat())

    def _review_message(self, review_on: Any, mark: str) -> tuple[str, list[Any]]:
        since = self.clock() - timedelta(days=365)
        logged = [
            LoggedConcern(c.area, c.kind, c.created_at, c.acknowledged_at, c.outcome, c.safeguarding)
            for c in self.schedule.year_of_concerns(since)
        ]
        labels = {
            **{a.value: a.label for a in Area},
            **{k.value: k.label for k in Kind},
            **{o.value: o.label for o in Outcome},
            "PERMITTED": "permitted",
            "NOT_PERMITTED": "not permitted",
            "REFER": "referred to leadership",
        }
        summary = "\n".join(lines(digest(logged, self.schedule.contact_verdicts(since)), labels))
        when = (
            "is today"
            if mark == "on the day"
            else (f"is {mark} away" if mark in ("30 days", "7 days") else f"is overdue ({mark})")
        )
        text = f"The governors' annual review of the Social Media Policy (due {review_on:%d %B %Y}) {when}."
        return text, [
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{text}*\nSection 9: the policy and practice are reviewed "
                    "by the governors annually, in the light of incidents."
                )
            ),
            SectionBlock(text=MarkdownTextObject(text=f"*The last twelve months*\n```{summary[:2800]}```")),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=ids.REVIEW_DONE,
                        text="Mark the review done",
                        value=review_on.isoformat(),
                        style="primary",
                    )
                ]
            ),
        ]
