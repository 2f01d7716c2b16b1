"""Reminders on a calendar: the governors' annual review (30 days and 7 days before, on the day, weekly while
overdue, each carrying the year's digest), and declared connections (the owner asked to re-confirm a month ahead,
leadership told once if the date passes). Each is claimed in the database before it is sent, so it goes out once
however many processes run; the nudge pass (bot/nudges.py) runs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot import ids
from bot.config import Settings
from bot.directory import Directory
from bot.slack_api import SLACK_FAILURES, post_unless_gone, slack_reason
from flows.digest import LoggedConcern, digest, lines
from flows.permissions import Act
from flows.scheduling import next_review_reminder, review_reminders
from flows.taxonomy import Area, Kind, Outcome
from storage.declarations import DeclarationStore
from storage.records import REVIEW
from storage.reviews import ReviewStore

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=10)  # longer than any send with slack_sdk's retries


class Reminders:
    def __init__(
        self,
        settings: Settings,
        reviews: ReviewStore,
        declarations: DeclarationStore,
        directory: Directory,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.reviews = reviews
        self.declarations = declarations
        self.directory = directory
        self.client = client
        self.clock = clock
        self.policy = settings.nudge_policy()

    def run(self) -> None:
        self._review()
        self._declarations()

    def next_moment(self) -> datetime | None:
        """When the next review reminder falls due (for the wake-up), if a review is pending."""
        review_on = self.reviews.current_review(self.settings.policy_review_date)
        if review_on is None or self.reviews.is_done(review_on):
            return None
        return next_review_reminder(review_on, self.policy.zone, self.clock())

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
