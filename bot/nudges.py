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
from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot import ids
from bot.config import Settings
from bot.directory import Directory
from bot.slack_api import SLACK_FAILURES, post_unless_gone, slack_reason
from flows.digest import LoggedConcern, digest, lines
from flows.permissions import Act, Placement, Record
from flows.permissions import Kind as RecordKind
from flows.scheduling import describe, escalates, next_nudge, next_review_reminder, review_reminders
from flows.taxonomy import Area, Kind, Outcome
from storage.declarations import DeclarationStore
from storage.nudges import CONCERN, NudgeStore, Waiting
from storage.records import REVIEW
from storage.reviews import ReviewStore

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=10)  # longer than any send with slack_sdk's retries
RETRY_AFTER = timedelta(minutes=1)  # a nudge Slack did not take is tried again this much later
THREAD_STEP = "thread"
HEAD_STEP = "headteacher"
WAKE_JOB = "wake"


class Nudger:
    def __init__(
        self,
        settings: Settings,
        nudges: NudgeStore,
        reviews: ReviewStore,
        declarations: DeclarationStore,
        directory: Directory,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.nudges = nudges
        self.reviews = reviews
        self.declarations = declarations
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
            self._review()
            self._declarations()
        except Exception as error:  # noqa: BLE001 - the scheduler must survive a database or Slack hiccup
            log.error("nudge pass failed: %s", type(error).__name__)
        finally:
            self.arm()

    def _nudge(self, kind: str, item_id: int) -> None:
        """Claim one due nudge and send it, step by step (each recipient, then the headteacher), remembering each
        step: a retry after a failure sends only what is still to send, and never loops."""
        now = self.clock()
        item = self.nudges.claim(kind, item_id, now, CLAIM_LEASE)
        if item is None:
            return  # no longer due, no longer open, or another process has it
        sent = item.nudges_sent + 1
        waited = now - item.since
        tell_head = escalates(self.policy, sent) and not item.head_told
        steps = self._recipients(item) + ([HEAD_STEP] if tell_head else [])
        done = set(item.progress)
        for step in steps:
            if step in done:
                continue
            try:
                self._send_step(item, step, sent, waited)
            except SLACK_FAILURES as error:
                self.nudges.failed(item, now + RETRY_AFTER)
                log.warning(
                    "%s %s: nudge not sent (%s); tried again at %s",
                    kind,
                    item_id,
                    slack_reason(error),
                    (now + RETRY_AFTER).isoformat(),
                )
                return
            done.add(step)
            if not self.nudges.progress(item, frozenset(done)):
                return  # the claim ran out and another process has it: it carries on from here
        next_due = next_nudge(
            self.policy, since=item.since, nudges_sent=sent, last_nudged_at=now, safeguarding=item.safeguarding
        )
        if self.nudges.nudged(item, now, next_due, tell_head):
            log.info("%s %s: nudge %d sent%s", kind, item_id, sent, " and headteacher told" if tell_head else "")

    def _recipients(self, item: Waiting) -> list[str]:
        """Safeguarding: by DM, to those flows.permissions names (the leads it does not name). Otherwise: the post's
        thread."""
        if not item.safeguarding:
            return [THREAD_STEP]
        return sorted(self.directory.who(_record(item), Act.NUDGE_BY_DM))

    def _send_step(self, item: Waiting, step: str, sent: int, waited: timedelta) -> None:
        what = "safeguarding concern" if item.safeguarding else ("concern" if item.kind == CONCERN else "request")
        verb = "acknowledged" if item.kind == CONCERN else "decided"
        nudge = f":alarm_clock: The {what} {item.reference} has waited {describe(waited)} without being {verb}."
        if step == HEAD_STEP:
            text = (
                f"{item.reference} has had {sent} reminders and has waited {describe(waited)} without anyone "
                "picking it up. Please make sure someone does."
            )
            # The headteacher; the chair when the headteacher is involved, or is the one not answering.
            for head in sorted(self.directory.who(_record(item), Act.UNANSWERED)):
                post_unless_gone(self.client, f"{what} {item.id}: headteacher", channel=head, text=text)
        elif step == THREAD_STEP:
            channel = item.post_channel or item.route_recipient or self.settings.leadership_channel_id
            in_thread = f"{what} {item.id}: nudge in its thread (the headteacher is told instead)"
            if not post_unless_gone(self.client, in_thread, channel=channel, text=nudge, thread_ts=item.post_ts):
                refused = nudge + " (The leadership channel refused it.)"
                for head in sorted(self.directory.who(_record(item), Act.UNANSWERED)):
                    post_unless_gone(self.client, f"{what} {item.id}: nudge", channel=head, text=refused)
        else:
            post_unless_gone(self.client, f"{what} {item.id}: nudge", channel=step, text=nudge)

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
                self.run, "date", run_date=when, id=WAKE_JOB, replace_existing=True, misfire_grace_time=None
            )

    def _next_review_moment(self) -> datetime | None:
        review_on = self.reviews.current_review(self.settings.policy_review_date)
        if review_on is None or self.reviews.is_done(review_on):
            return None
        return next_review_reminder(review_on, self.policy.zone, self.clock())

    # --- declarations, re-confirmed yearly -------------------------------------------------------------------------

    def _declarations(self) -> None:
        """A month before a declaration's re-confirmation date its owner is asked; if the date passes, the leadership
        team is told. Each once: the row's next notice date moves on (compare-and-set) before anything is sent."""
        today = self.clock().astimezone(self.policy.zone).date()
        for row in self.declarations.due_notices(today):
            assert row.id is not None and row.next_notice_on is not None
            if row.confirm_by >= today:
                following: date | None = row.confirm_by + timedelta(days=1)  # then, if still not re-confirmed
                channel, thread = row.staff_id, None
                text = (
                    f"Please re-confirm your declared connection D-{row.id:04d} by {row.confirm_by:%d %B %Y}: "
                    "open policybot's App Home and press *Still true*, or declare what has changed."
                )
            else:
                following = None  # told; nothing more until it is re-confirmed
                channel, thread = row.post_channel or self.settings.leadership_channel_id, row.post_ts
                text = f"Declared connection D-{row.id:04d} was not re-confirmed by {row.confirm_by:%d %B %Y}."
            if not self.declarations.move_notice(row.id, row.next_notice_on, following):
                continue  # another process has it
            try:
                self.client.chat_postMessage(channel=channel, text=text, thread_ts=thread)
            except SLACK_FAILURES as error:
                self.declarations.move_notice(row.id, following, row.next_notice_on)  # back, for the next pass
                log.warning("declaration %s: notice not sent (%s)", row.id, slack_reason(error))

    # --- the governors' review ------------------------------------------------------------------------------------

    def _review(self) -> None:
        review_on = self.reviews.current_review(self.settings.policy_review_date)
        if review_on is None or self.reviews.is_done(review_on):
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
        already = self.reviews.claim_reminder(review_on, mark, now, CLAIM_LEASE)
        if already is None:
            return
        text, blocks = self._review_message(review_on, mark)
        sent = set(already)
        for governor in sorted(self.directory.who(REVIEW, Act.REMINDED) - already):
            try:
                post_unless_gone(self.client, f"review reminder {mark}", channel=governor, text=text, blocks=blocks)
            except SLACK_FAILURES as error:
                self.reviews.release_reminder(review_on, mark)
                log.warning("review reminder %s not sent (%s); tried again next pass", mark, slack_reason(error))
                return
            sent.add(governor)
            self.reviews.reminder_progress(review_on, mark, frozenset(sent))
        self.reviews.reminder_sent(review_on, mark, now)
        log.info("review reminder sent (%s before %s)", mark, review_on.isoformat())

    def _review_message(self, review_on: Any, mark: str) -> tuple[str, list[Any]]:
        since = self.clock() - timedelta(days=365)
        logged = [
            LoggedConcern(c.area, c.kind, c.created_at, c.acknowledged_at, c.outcome, c.safeguarding)
            for c in self.reviews.year_of_concerns(since)
        ]
        labels = {
            **{a.value: a.label for a in Area},
            **{k.value: k.label for k in Kind},
            **{o.value: o.label for o in Outcome},
            "PERMITTED": "permitted",
            "NOT_PERMITTED": "not permitted",
            "REFER": "referred to leadership",
        }
        summary = "\n".join(lines(digest(logged, self.reviews.contact_verdicts(since)), labels))
        left = (review_on - self.clock().astimezone(self.policy.zone).date()).days
        if left > 0:
            when = f"is {left} day{'s' if left != 1 else ''} away"
        elif left == 0:
            when = "is today"
        else:
            when = f"is overdue by {-left} day{'s' if left != -1 else ''}"
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


def _record(item: Waiting) -> Record:
    """A waiting item's facts, as flows.permissions reads them."""
    if item.kind != CONCERN:
        return Record(RecordKind.CONTACT_REQUEST, owner=item.owner)
    placement = Placement.DIRECT if item.route_recipient else Placement.CHANNEL
    return Record(RecordKind.CONCERN, item.owner, item.involved, item.safeguarding, placement, item.route_recipient)
