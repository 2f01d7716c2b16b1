"""The self-declaration register: staff declare a connection ahead of time, leadership acknowledge it, and it is
re-confirmed yearly; and the App Home, where staff see their declarations and standing permissions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids
from bot.deps import Deps
from bot.listeners.common import button, request_key, tell_privately
from bot.listeners.contacts import NOT_LEADERSHIP, SAVE_FAILED, may_decide
from bot.views import contact_form, home
from flows.contact_requests import a_year_on
from flows.errors import InvalidTransition, NotAuthorised, StaleState
from storage.models import Declaration

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    # --- declaring ------------------------------------------------------------------------------------------------

    @app.action(ids.OPEN_DECLARE)
    def declare_instead(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_update(view_id=body["view"]["id"], view=contact_form.declare_form())

    @app.action(ids.HOME_DECLARE)
    def declare_from_home(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=contact_form.declare_form())

    @app.view(ids.DECLARE_VIEW)
    def submit_declaration(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        person, relationship, described, errors = contact_form.parse_declaration(view)
        if errors or person is None or relationship is None:
            ack(response_action="errors", errors=errors)
            return
        staff = body["user"]["id"]
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

    @app.action(ids.ACKNOWLEDGE_DECLARATION)
    def acknowledge(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        row_id, version = button(body)
        version = version or 1
        actor = body["user"]["id"]
        try:
            row, changed = deps.contacts.acknowledge(
                row_id, version, actor, deps.clock(), request_key=request_key(body), may_act=may_decide(deps, actor)
            )
        except NotAuthorised:
            deps.contacts.audit("declaration", row_id, actor, "refused_acknowledge", deps.clock(), request_key(body))
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

    @app.action(ids.RECONFIRM_DECLARATION)
    def reconfirm(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        staff = body["user"]["id"]
        row_id = int(body["actions"][0]["value"])
        try:
            deps.contacts.reconfirm(row_id, staff, deps.clock(), a_year_on(deps.today()), request_key(body))
        except NotAuthorised:
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

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(client, event["user"])
