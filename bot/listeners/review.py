"""The governors mark the annual review done: who reviewed it, when the next one is due, and (if they approved one)
the new version of the policy, in force from then. And they ask for the governors' pack, sent to them as a file."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids, payload
from bot.deps import Deps
from bot.documents import pack_for, pack_key
from bot.listeners.common import reply_privately
from bot.listeners.guard import Wiring
from bot.views import review_form
from bot.views.refusals import refusal
from bot.views.state import selected_date, typed
from flows.contact_requests import a_year_on, check_review_date
from flows.errors import DomainError
from flows.permissions import Act, RecordKind
from flows.policy import check_version
from storage.audit import review_subject_id
from storage.commands import Changed, Overtaken
from storage.outbox_messages import Message
from storage.records import REVIEW

log = logging.getLogger(__name__)


def review_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise payload.Malformed(what) from None


def open_form(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    review_on = review_date(payload.value(body), "actions[0].value")
    who, key, trigger = payload.user_id(body), payload.request_key(body), payload.trigger_id(body)
    ack()
    command = deps.command(RecordKind.REVIEW, review_subject_id(review_on), Act.MARK_REVIEW_DONE, who, key)
    result = deps.look(command)
    if sentence := refusal(result, command):
        reply_privately(deps, client, body, sentence)
    elif isinstance(result, Overtaken):
        reply_privately(deps, client, body, f"The review due {review_on:%d %B %Y} is already recorded as done.")
    elif isinstance(result, Changed):
        client.views_open(trigger_id=trigger, view=review_form.build(review_on, a_year_on(deps.today())))


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
    text = review_form.recorded(review_on, next_on, adopted)
    subject = (RecordKind.REVIEW, review_subject_id(review_on))
    told = review_form.recorded_by(governor, review_on, next_on, adopted)
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
    if sentence := refusal(result, command):
        ack(response_action="errors", errors={ids.NEXT_REVIEW_ON: sentence})
        return
    ack()
    if isinstance(result, Changed):
        log.info("policy review %s recorded; next %s", review_on.isoformat(), next_on.isoformat())
        deps.rearm()


PACK_AGAIN = timedelta(minutes=1)  # presses within this of the last one send nothing more


def send_pack(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """A governor asks for the pack (the App Home's button): it comes to their direct messages as a file, once for
    any number of presses within a minute; their Home, redrawn after the press, says where it is."""
    who, key = payload.user_id(body), payload.request_key(body)
    ack()
    review_on = deps.reviews.current_review(deps.settings.policy_review_date) or deps.today()
    subject = (RecordKind.REVIEW, review_subject_id(review_on))
    command = deps.command(*subject, Act.GET_PACK, who, key)
    result = deps.look(command, audited_as="sent_pack")
    if sentence := refusal(result, command):
        reply_privately(deps, client, body, sentence)
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


def register(app: App, deps: Any) -> None:
    wire = Wiring(deps)
    app.action(ids.REVIEW_DONE)(wire.for_trigger(open_form))
    app.action(ids.SEND_PACK)(wire.lazily(send_pack))
    app.view(ids.REVIEW_VIEW)(wire.now(record))
