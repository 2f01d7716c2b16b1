"""The governors mark the annual review done: who reviewed it, when the next one is due, and (if they approved one)
the new version of the policy, in force from then. And they ask for the governors' pack, sent to them as a file."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import ids, payload
from bot.deps import Deps
from bot.documents import pack_for, pack_key
from bot.listeners.common import reply_privately
from bot.listeners.guard import Wiring
from bot.text import mention
from bot.views.state import selected_date, typed
from flows.contact_requests import a_year_on, check_review_date
from flows.errors import DomainError
from flows.permissions import Act, RecordKind
from flows.policy import VERSION_MAX, check_version
from storage.audit import review_subject_id
from storage.commands import Changed, Overtaken, Refused
from storage.outbox import Message
from storage.records import REVIEW

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


NOT_A_GOVERNOR = "Only governors can record the policy review. Your attempt has been recorded."
NOT_FOR_YOU = "The governors' pack is sent to governors only. Your attempt has been recorded."


def review_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise payload.Malformed(what) from None


def open_form(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    review_on = review_date(payload.value(body), "actions[0].value")
    who, key, trigger = payload.user_id(body), payload.request_key(body), payload.trigger_id(body)
    ack()
    result = deps.look(deps.command(RecordKind.REVIEW, review_subject_id(review_on), Act.MARK_REVIEW_DONE, who, key))
    if isinstance(result, Refused):
        reply_privately(deps, client, body, NOT_A_GOVERNOR)
    elif isinstance(result, Overtaken):
        reply_privately(deps, client, body, f"The review due {review_on:%d %B %Y} is already recorded as done.")
    elif isinstance(result, Changed):
        client.views_open(trigger_id=trigger, view=form(review_on, a_year_on(deps.today())))


def record(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    view = payload.view(body)
    governor = payload.user_id(body)
    review_on = review_date(payload.metadata(view), "view.private_metadata")
    picked = selected_date(payload.state_values(view), ids.NEXT_REVIEW_ON)
    try:
        next_on = date.fromisoformat(picked) if picked else None
    except ValueError:
        next_on = None
    problem = check_review_date(next_on, deps.today())
    if problem or next_on is None:
        ack(response_action="errors", errors={ids.NEXT_REVIEW_ON: problem or "Choose a date."})
        return
    try:
        adopted = check_version(typed(payload.state_values(view), ids.POLICY_VERSION))
    except DomainError as error:
        ack(response_action="errors", errors={ids.POLICY_VERSION: error.message})
        return
    text = (
        f"Recorded: the policy review due {review_on:%d %B %Y} is done. "
        + (f"Policy version {adopted} is in force from now. " if adopted else "")
        + f"The next is due on {next_on:%d %B %Y}; reminders will come 30 and 7 days before."
    )
    subject = (RecordKind.REVIEW, review_subject_id(review_on))
    told = review_recorded(governor, review_on, next_on, adopted)
    confirmation = [Message(f"review:{subject[1]}:done:{governor}", subject, governor, text)] + [
        Message(f"review:{subject[1]}:done:{other}", subject, other, told)
        for other in sorted(deps.directory.who(REVIEW, Act.REMINDED) - {governor})
    ]
    command = deps.command(
        *subject,
        Act.MARK_REVIEW_DONE,
        governor,
        f"view:{view['id']}",
        until=next_on,
        detail=adopted,
        tell=lambda *_: confirmation,
    )
    result = deps.change(command)
    if isinstance(result, Refused):
        ack(response_action="errors", errors={ids.NEXT_REVIEW_ON: NOT_A_GOVERNOR})
        return
    ack()
    if isinstance(result, Changed):
        log.info("policy review %s recorded; next %s", review_on.isoformat(), next_on.isoformat())
        deps.rearm()


PACK_AGAIN = timedelta(minutes=1)  # presses within this of the last one send nothing more


def review_recorded(governor: str, review_on: date, next_on: date, adopted: str | None) -> str:
    """What the chair and the other governors are told when one of them records the review."""
    return (
        f"{mention(governor)} recorded the governors' review of the Social Media Policy (due {review_on:%d %B %Y}) "
        "as done. "
        + (f"Policy version {adopted} is in force from now. " if adopted else "")
        + f"The next review is due on {next_on:%d %B %Y}."
    )


def send_pack(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """A governor asks for the pack (the App Home's button): it comes to their direct messages as a file, once for
    any number of presses within a minute; their Home, redrawn after the press, says where it is."""
    who, key = payload.user_id(body), payload.request_key(body)
    ack()
    review_on = deps.reviews.current_review(deps.settings.policy_review_date) or deps.today()
    subject = (RecordKind.REVIEW, review_subject_id(review_on))
    result = deps.look(deps.command(*subject, Act.GET_PACK, who, key), audited_as="sent_pack")
    if isinstance(result, Refused):
        reply_privately(deps, client, body, NOT_FOR_YOU)
        return
    now = deps.clock()
    last = deps.outbox.latest(pack_key(who))
    if last is not None and now - last.created_at < PACK_AGAIN:
        log.info("governors' pack: asked again within a minute; one file")
        return
    minute = int(now.timestamp() // 60)  # two presses at the same moment write one row
    message = pack_for(who, f"{pack_key(who)}{minute}", subject, deps.today(), deps.settings.pack_suppress_below)
    deps.tell([message])
    deps.redraw_homes(who)  # their Home says the pack is on its way
    log.info("governors' pack requested")


def register(app: App, deps: Deps) -> None:
    wire = Wiring(deps)
    app.action(ids.REVIEW_DONE)(wire.for_trigger(open_form))
    app.action(ids.SEND_PACK)(wire.lazily(send_pack))
    app.view(ids.REVIEW_VIEW)(wire.now(record))
