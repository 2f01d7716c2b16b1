"""The governors' "Review done" form, and what those who recorded the review and the other governors are told."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import ids
from bot.text import mention
from flows.policy import VERSION_MAX


def build(review_on: date, next_on: date) -> View:
    return View(
        type="modal",
        callback_id=ids.REVIEW_VIEW,
        private_metadata=review_on.isoformat(),
        title=PlainTextObject(text="Review done"),
        submit=PlainTextObject(text="Record it"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Record that the governors reviewed the Social Media Policy "
                    f"(review due {review_on:%d %B %Y})."
                )
            ),
            InputBlock(
                block_id=ids.NEXT_REVIEW_ON,
                label="Next review",
                element=DatePickerElement(action_id=ids.NEXT_REVIEW_ON + ids.INPUT, initial_date=next_on.isoformat()),
            ),
            InputBlock(
                block_id=ids.POLICY_VERSION,
                label="New policy version",
                element=PlainTextInputElement(
                    action_id=ids.POLICY_VERSION + ids.INPUT, max_length=VERSION_MAX, placeholder="e.g. 2026-12"
                ),
                hint="Only if the governors approved a new or revised policy at this review: it is in force from now, "
                "and what is reported from now on is recorded under it.",
                optional=True,
            ),
        ],
    )


def recorded(review_on: date, next_on: date, adopted: str | None) -> str:
    """What the governor who recorded the review is told."""
    return (
        f"Recorded: the policy review due {review_on:%d %B %Y} is done. "
        + (f"Policy version {adopted} is in force from now. " if adopted else "")
        + f"The next is due on {next_on:%d %B %Y}; reminders will come 30 and 7 days before."
    )


def recorded_by(governor: str, review_on: date, next_on: date, adopted: str | None) -> str:
    """What the chair and the other governors are told when one of them records the review."""
    return (
        f"{mention(governor)} recorded the governors' review of the Social Media Policy (due {review_on:%d %B %Y}) "
        "as done. "
        + (f"Policy version {adopted} is in force from now. " if adopted else "")
        + f"The next review is due on {next_on:%d %B %Y}."
    )
