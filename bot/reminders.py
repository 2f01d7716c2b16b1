"""Reminders on a calendar: the governors' annual review (30 days and 7 days before, on the day, weekly while
overdue, each carrying the year's digest and the governors' pack as a file), and declared connections (the owner
asked to re-confirm a month ahead, leadership told once if the date passes). Each is written to the database once,
together with its messages in the outbox, so it goes out once however many processes run; the nudge pass
(bot/nudges.py) runs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot import ids
from bot.config import Settings
from bot.directory import Directory
from bot.documents import pack_for
from bot.governors_pack import labels, summary, year_figures
from bot.telling import drawn
from flows.pack import default_period
from flows.permissions import Act, RecordKind
from flows.scheduling import next_review_reminder, review_reminders
from storage.audit import review_subject_id
from storage.declarations import DeclarationStore
from storage.outbox_messages import REMINDER, Message, post_key
from storage.records import REVIEW
from storage.reviews import ReviewStore

log = logging.getLogger(__name__)


def year_in_numbers(settings: Settings, reviews: ReviewStore, today: date) -> list[str]:
    """The twelve months to today in a few lines, for the governors' reminders and their App Home: the pack's own
    figures (bot.governors_pack.year_figures), so the three agree."""
    found = year_figures(
        reviews.engine,
        *default_period(today),
        ZoneInfo(settings.timezone),
        settings.ack_nudge_after,
        settings.pack_suppress_below,
        settings.platforms,
    )
    return summary(found, labels(settings.platforms))


class Reminders:
    def __init__(
        self,
        settings: Settings,
        reviews: ReviewStore,
        declarations: DeclarationStore,
        directory: Directory,
        clock: Callable[[], datetime],
        kick: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.reviews = reviews
        self.declarations = declarations
        self.directory = directory
        self.clock = clock
        self.kick = kick  # the sender's: what was put in the outbox goes at once
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
            subject = (RecordKind.DECLARATION, row.id)
            if row.confirm_by >= today:
                following: date | None = row.confirm_by + timedelta(days=1)  # then, if still not re-confirmed
                text = (
                    f"Please re-confirm your declared connection D-{row.id:04d} by {row.confirm_by:%d %B %Y}: "
                    "open policybot's App Home and press *Still true*, or declare what has changed."
                )
                notice = Message(f"declaration:{row.id}:reconfirm:{row.confirm_by}", subject, row.staff_id, text)
            else:
                following = None  # told; nothing more until it is re-confirmed
                text = f"Declared connection D-{row.id:04d} was not re-confirmed by {row.confirm_by:%d %B %Y}."
                notice = Message(
                    f"declaration:{row.id}:lapsed:{row.confirm_by}",
                    subject,
                    self.settings.leadership_channel_id,
                    text,
                    thread_of=post_key(RecordKind.DECLARATION, row.id),
                    fallback=self.settings.headteacher_id,
                )
            if self.declarations.move_notice(row.id, row.next_notice_on, following, [notice], self.clock()):
                self.kick()

    def _review(self) -> None:
        review_on = self.reviews.current_review(self.settings.policy_review_date)
        if review_on is None or self.reviews.is_done(review_on):
            return
        now = self.clock()
        today = now.astimezone(self.policy.zone).date()
        ladder = review_reminders(review_on, self.policy.zone, today)
        due = [mark for mark, at in ladder if at <= now]
        if not due:
            return
        mark = due[-1]  # only the latest: after a stop, one reminder, not one per missed step
        if not self.reviews.reminded(review_on, mark):
            # Late, and a later step falls today: that one instead (a bot started a week before the review sends
            # the 7-day reminder once, not the 30-day one late and the 7-day one a few hours later).
            mark = [m for m, at in ladder if at <= now or at.astimezone(self.policy.zone).date() <= today][-1]
        if self.reviews.reminded(review_on, mark):
            return
        text, blocks = self._review_message(review_on, mark)
        subject = (RecordKind.REVIEW, review_subject_id(review_on))
        messages: list[Message] = []
        for governor in sorted(self.directory.who(REVIEW, Act.REMINDED)):
            key = f"review:{subject[1]}{REMINDER}{mark}:{governor}"
            messages.append(Message(key, subject, governor, text, drawn(blocks)))
            messages.append(pack_for(governor, key + ":pack", subject, today, self.settings.pack_suppress_below))
        if self.reviews.remind(review_on, mark, now, messages):
            self.kick()
            log.info("review reminder sent (%s; the review is due %s)", mark, review_on.isoformat())

    def _review_message(self, review_on: Any, mark: str) -> tuple[str, list[Any]]:
        today = self.clock().astimezone(self.policy.zone).date()
        summary = "\n".join(f"• {line}" for line in year_in_numbers(self.settings, self.reviews, today))
        left = (review_on - self.clock().astimezone(self.policy.zone).date()).days
        if left > 0:
            when = f"is {left} day{'s' if left != 1 else ''} away"
        elif left == 0:
            when = "is today"
        else:
            when = f"is overdue by {-left} day{'s' if left != -1 else ''}"
        of = f" at {self.settings.school_name}" if self.settings.school_name else ""  # a governor may serve two
        text = f"The governors' annual review of the Social Media Policy{of} (due {review_on:%d %B %Y}) {when}."
        return text, [
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{text}*\nSection 9: the policy and practice are reviewed "
                    "by the governors annually, in the light of incidents."
                )
            ),
            SectionBlock(text=MarkdownTextObject(text=f"*The last twelve months*\n{summary[:2800]}")),
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
