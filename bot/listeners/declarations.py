"""The self-declaration register: staff declare a connection ahead of time, leadership acknowledge it, and it is
re-confirmed yearly (both through the command path). The App Home, where staff see them, is home.py's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.common import reply_privately
from bot.listeners.contacts import SAVE_FAILED
from bot.listeners.guard import Wiring
from bot.payload import button, request_key
from bot.views import contact_form
from bot.views.refusals import refusal
from flows.contact_requests import a_year_on
from flows.permissions import Act, RecordKind
from storage.commands import Changed, Overtaken
from storage.models import Declaration
from storage.outbox_messages import Message

log = logging.getLogger(__name__)


def declare_instead(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    view_id = payload.view_id(body)
    ack()
    client.views_update(view_id=view_id, view=contact_form.declare_form())


def declare_from_home(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    trigger = payload.trigger_id(body)
    ack()
    client.views_open(trigger_id=trigger, view=contact_form.declare_form())


def submit_declaration(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    view = payload.view(body)
    person, relationship, described, errors = contact_form.parse_declaration(view)
    if errors or person is None or relationship is None:
        ack(response_action="errors", errors=errors)
        return
    staff = payload.user_id(body)
    confirm_by = a_year_on(deps.today())
    try:
        row, created = deps.declarations.declare(
            staff,
            person,
            relationship,
            described,
            view["id"],
            deps.clock(),
            confirm_by,
            tell=deps.with_homes(post(deps), staff),
        )
    except SQLAlchemyError as error:
        log.error("declaration not stored: %s", type(error).__name__)
        ack(response_action="errors", errors={ids.DESCRIBED: SAVE_FAILED})
        return
    ack(response_action="update", view=contact_form.declared_view(row.confirm_by))
    if not created or row.id is None:
        return
    log.info("declaration %s stored", row.id)
    deps.send_now()


def post(deps: Deps) -> Callable[[Declaration], list[Message]]:
    """The new declaration's post to the leadership channel, written with it."""
    return lambda row: deps.telling.posted(RecordKind.DECLARATION, row.id or 0, deps.telling.declaration_drawing(row))


def redrawn(deps: Deps, row: Declaration) -> list[Message]:
    return deps.telling.redrawn(RecordKind.DECLARATION, row.id or 0, deps.telling.declaration_drawing(row))


def acknowledge(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    row_id, version = button(body)
    actor, key = payload.user_id(body), request_key(body)
    ack()
    told = lambda row, _added: deps.telling.declaration_acknowledged(row)  # noqa: E731
    command = deps.command(RecordKind.DECLARATION, row_id, Act.ACKNOWLEDGE, actor, key, version=version or 1, tell=told)
    result = deps.change(command)
    if isinstance(result, Changed) and isinstance(result.record, Declaration):
        log.info("declaration %s acknowledged", row_id)
    elif sentence := refusal(result, command):
        reply_privately(deps, client, body, sentence)
    elif isinstance(result, Overtaken) and isinstance(result.record, Declaration):
        mine = result.record.acknowledged_by == actor
        done = "You already acknowledged it: your earlier click did it." if mine else "Someone got there first:"
        reply_privately(deps, client, body, f"{done} Declared connection D-{row_id:04d} is acknowledged.")


def reconfirm(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    row_id, _ = button(body)
    staff, key = payload.user_id(body), request_key(body)
    ack()
    until = a_year_on(deps.today())
    told = lambda row, _added: redrawn(deps, row)  # noqa: E731 - the leadership post shows the new date
    command = deps.command(RecordKind.DECLARATION, row_id, Act.RECONFIRM, staff, key, until=until, tell=told)
    result = deps.change(command)
    if isinstance(result, Changed) and isinstance(result.record, Declaration):
        log.info("declaration %s re-confirmed", row_id)  # their Home follows the change (bot.telling.homes)
    elif sentence := refusal(result, command):
        log.info("declaration %s: re-confirmation %s", row_id, type(result).__name__.lower())
        reply_privately(deps, client, body, sentence)


def register(app: App, deps: Any) -> None:
    wire = Wiring(deps)
    app.action(ids.OPEN_DECLARE)(wire.for_trigger(declare_instead))
    app.action(ids.HOME_DECLARE)(wire.for_trigger(declare_from_home))
    app.view(ids.DECLARE_VIEW)(wire.now(submit_declaration))
    app.action(ids.ACKNOWLEDGE_DECLARATION)(wire.lazily(acknowledge))
    app.action(ids.RECONFIRM_DECLARATION)(wire.lazily(reconfirm))
