"""The self-declaration register: staff declare a connection ahead of time, leadership acknowledge it, and it is
re-confirmed yearly; and the App Home, where staff see their declarations and standing permissions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.common import tell_privately
from bot.listeners.contacts import NOT_LEADERSHIP, SAVE_FAILED, may_decide
from bot.listeners.guard import guarded
from bot.payload import button, request_key
from bot.views import contact_form, home
from flows.contact_requests import a_year_on
from flows.errors import InvalidTransition, NotAuthorised, StaleState
from flows.permissions import Act
from storage.models import Declaration
from storage.records import facts

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    # --- declaring ------------------------------------------------------------------------------------------------

    def declare_instead(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view_id = payload.view_id(body)
        ack()
        client.views_update(view_id=view_id, view=contact_form.declare_form())

    def declare_from_home(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        trigger = payload.trigger_id(body)
        ack()
        client.views_open(trigger_id=trigger, view=contact_form.declare_form())

    def submit_declaration(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = payload.view(body)
        person, relationship, described, errors = contact_form.parse_declaration(view)
        if errors or person is None or relationship is None:
            ack(response_action="errors", errors=errors)
            return
        staff = payload.user_id(body)
        confirm_by = a_year_on(deps.today())
        try:
            row, created = deps.contacts.declare(
                staff, person.value, relationship, described, view["id"], deps.clock(), confirm_by
            )
        except SQLAlchemyError as error:
            log.error("declaration not stored: %s", type(error).__name__)
            ack(response_action="errors", errors={ids.DESCRIBED: SAVE_FAILED})
            return
        ack(response_action="update", view=contact_form.declared_view(row.confirm_by))
        if not created or row.id is None:
            return
        log.info("declaration %s stored", row.id)
        deps.contact_delivery.post(Declaration, row.id)

    def acknowledge(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        row_id, version = button(body)
        actor, key = payload.user_id(body), request_key(body)
        ack()
        try:
            row, changed = deps.contacts.acknowledge(
                row_id, version or 1, actor, deps.clock(), request_key=key, may_act=may_decide(deps, actor)
            )
        except NotAuthorised:
            deps.contacts.audit("declaration", row_id, actor, "refused_acknowledge", deps.clock(), key)
            tell_privately(client, body, NOT_LEADERSHIP)
            return
        except (InvalidTransition, StaleState):
            tell_privately(client, body, "Someone got there first: this declaration is already acknowledged.")
            return
        if changed:
            log.info("declaration %s acknowledged", row_id)
            deps.contact_delivery.redraw(deps.contacts.declaration(row_id) or row)
            deps.contact_delivery.tell(
                row.staff_id, f"Leadership acknowledged your declared connection D-{row_id:04d}."
            )

    def reconfirm(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        row_id, _ = button(body)
        staff, key = payload.user_id(body), request_key(body)
        ack()
        try:
            row = deps.contacts.declaration(row_id)
            if row is None or not deps.directory.may(facts(row), Act.RECONFIRM, staff):
                raise NotAuthorised("Only the person who declared this can re-confirm it.")
            deps.contacts.reconfirm(row_id, staff, deps.clock(), a_year_on(deps.today()), key)
        except NotAuthorised as refusal:
            deps.contacts.audit("declaration", row_id, staff, "refused_reconfirm", deps.clock(), key)
            log.info("declaration %s: re-confirmation refused", row_id)
            tell_privately(client, body, refusal.message)
            return
        log.info("declaration %s re-confirmed", row_id)
        publish_home(client, staff)
        row = deps.contacts.declaration(row_id)
        if row is not None:
            deps.contact_delivery.redraw(row)  # the leadership post shows the new date

    # --- App Home -------------------------------------------------------------------------------------------------

    def publish_home(client: WebClient, user: str) -> None:
        view = home.build(deps.contacts.permissions_for(user), deps.contacts.declarations_for(user), deps.today())
        client.views_publish(user_id=user, view=view)

    def home_opened(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        event = payload.event(body)
        user = event.get("user")
        if not isinstance(user, str) or not user:
            raise payload.Malformed("event.user")
        if event.get("tab", "home") == "home":
            publish_home(client, user)

    app.action(ids.OPEN_DECLARE)(guarded(declare_instead))
    app.action(ids.HOME_DECLARE)(guarded(declare_from_home))
    app.view(ids.DECLARE_VIEW)(guarded(submit_declaration))
    app.action(ids.ACKNOWLEDGE_DECLARATION)(guarded(acknowledge))
    app.action(ids.RECONFIRM_DECLARATION)(guarded(reconfirm))
    app.event("app_home_opened")(guarded(home_opened))
