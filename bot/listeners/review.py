"""The governors mark the annual review done: who reviewed it, and when the next one is due."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.blocks import DatePickerElement, InputBlock, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from bot import ids
from bot.deps import Deps
from bot.listeners.common import tell_privately
from bot.slack_api import quietly
from bot.views.state import selected_date
from flows.contact_requests import a_year_on, check_review_date

log = logging.getLogger(__name__)


def form(review_on: date, next_on: date) -> View:
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
        ],
    )


NOT_A_GOVERNOR = "Only governors can record the policy review."


def register(app: App, deps: Deps) -> None:
    @app.action(ids.REVIEW_DONE)
    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if body["user"]["id"] not in deps.directory.governors():
            tell_privately(client, body, NOT_A_GOVERNOR)
            return
        review_on = date.fromisoformat(body["actions"][0]["value"])
        client.views_open(trigger_id=body["trigger_id"], view=form(review_on, a_year_on(deps.today())))

    @app.view(ids.REVIEW_VIEW)
    def record(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        governor = body["user"]["id"]
        review_on = date.fromisoformat(view["private_metadata"])
        picked = selected_date(view["state"]["values"], ids.NEXT_REVIEW_ON)
        next_on = date.fromisoformat(picked) if picked else None
        problem = check_review_date(next_on, deps.today())
        if governor not in deps.directory.governors():
            problem = NOT_A_GOVERNOR
        if problem or next_on is None:
            ack(response_action="errors", errors={ids.NEXT_REVIEW_ON: problem or "Choose a date."})
            return
        recorded = deps.schedule.review_done(review_on, governor, deps.clock(), next_on)
        ack()
        if recorded:
            log.info("policy review %s recorded; next %s", review_on.isoformat(), next_on.isoformat())
            deps.nudger.arm()
            text = (
                f"Recorded: the policy review due {review_on:%d %B %Y} is done. "
                f"The next is due on {next_on:%d %B %Y}; reminders will come 30 and 7 days before."
            )
            quietly("review confirmation", lambda: deps.client.chat_postMessage(channel=governor, text=text))
