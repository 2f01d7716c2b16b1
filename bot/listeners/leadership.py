"""Leadership's buttons on a concern: Acknowledge, Escalate, Resolve and View details.

Only the concern's deciders may act and only its viewers may see details (flows.routing); anyone else is refused
in private and the attempt is audited. Every change goes through the store's compare-and-set, so two leaders
clicking at once give one transition and a Slack retry gives none.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.deps import Deps
from bot.text import mention
from bot.views import action_forms, details
from flows.errors import DomainError, InvalidTransition, StaleState
from flows.escalation import Action, Status, apply
from flows.routing import Route, route
from storage.models import Concern

log = logging.getLogger(__name__)

NOT_LEADERSHIP = "Only the leadership team can act on concerns. Your attempt has been recorded."
NOT_A_VIEWER = "The details of this concern are open only to those handling it. Your attempt has been recorded."


def register(app: App, deps: Deps) -> None:
    def route_of(concern: Concern) -> Route:
        return route(deps.directory.people(), safeguarding=concern.safeguarding, involved=concern.involved_staff_id)

    def tell(client: WebClient, body: dict[str, Any], text: str) -> None:
        channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
        try:
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)
        except SlackApiError as error:
            log.warning("ephemeral message not shown: %s", error.response.get("error"))

    def request_key(body: dict[str, Any]) -> str:
        return f"action:{body['actions'][0]['action_ts']}:{body['user']['id']}"

    def button(body: dict[str, Any]) -> tuple[int, int | None]:
        parts = body["actions"][0]["value"].split(":")
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else None

    def current_state(concern: Concern) -> str:
        status = Status(concern.status)
        who = f" by {mention(concern.last_actor_id)}" if concern.last_actor_id else ""
        return f"{concern.reference} is now *{status.value}*{who}; the post shows where it stands."

    def load_for_decider(body: dict[str, Any], client: WebClient, action: Action) -> Concern | None:
        """The concern, if the clicker may act on it; otherwise refuse, audit, and return None."""
        concern_id, _ = button(body)
        actor = body["user"]["id"]
        concern = deps.store.get(concern_id)
        if concern is None:
            tell(client, body, "That concern could not be found.")
            return None
        if actor not in route_of(concern).deciders:
            deps.store.audit(concern_id, actor, f"refused_{action.value}", deps.clock(), request_key=request_key(body))
            log.info("concern %s: %s refused", concern_id, action.value)
            tell(client, body, NOT_LEADERSHIP)
            return None
        return concern

    def after_change(concern: Concern) -> None:
        deps.delivery.refresh_post(concern.id or 0)
        deps.delivery.tell_reporter(concern)

    @app.action(ids.ACKNOWLEDGE)
    def acknowledge(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        concern = load_for_decider(body, client, Action.ACKNOWLEDGE)
        if concern is None or concern.id is None:
            return
        _, version = button(body)
        try:
            result = deps.store.transition(
                concern.id,
                version or concern.version,
                Action.ACKNOWLEDGE,
                body["user"]["id"],
                deps.clock(),
                request_key=request_key(body),
            )
        except (InvalidTransition, StaleState):
            fresh = deps.store.get(concern.id) or concern
            deps.delivery.refresh_post(concern.id)
            tell(client, body, "Someone got there first. " + current_state(fresh))
            return
        if not result.duplicate:
            log.info("concern %s acknowledged", concern.id)
            after_change(result.concern)

    def open_form(action: Action) -> Any:
        def handler(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            concern = load_for_decider(body, client, action)
            if concern is None:
                return
            _, version = button(body)
            try:
                apply(Status(concern.status), action)
                if version is not None and version != concern.version:
                    raise StaleState("changed")
            except (InvalidTransition, StaleState):
                deps.delivery.refresh_post(concern.id or 0)
                tell(client, body, "Someone got there first. " + current_state(concern))
                return
            client.views_open(trigger_id=body["trigger_id"], view=action_forms.build(action, concern))

        return handler

    app.action(ids.ESCALATE)(open_form(Action.ESCALATE))
    app.action(ids.RESOLVE)(open_form(Action.RESOLVE))

    def submit_form(action: Action) -> Any:
        def handler(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            form = action_forms.parse(action, view)
            problems = action_forms.errors(action, form)
            if problems:
                ack(response_action="errors", errors=problems)
                return
            actor = body["user"]["id"]
            concern = deps.store.get(form.concern_id)
            if concern is None or actor not in route_of(concern).deciders:
                if concern is not None:
                    deps.store.audit(
                        form.concern_id,
                        actor,
                        f"refused_{action.value}",
                        deps.clock(),
                        request_key=f"view:{view['id']}",
                    )
                ack(response_action="errors", errors={action_forms.choice_block(action): NOT_LEADERSHIP})
                return
            try:
                result = deps.store.transition(
                    form.concern_id,
                    form.version,
                    action,
                    actor,
                    deps.clock(),
                    detail=form.choice,
                    note=form.note,
                    request_key=f"view:{view['id']}",
                )
            except DomainError:
                fresh = deps.store.get(form.concern_id) or concern
                ack(
                    response_action="errors",
                    errors={
                        action_forms.choice_block(action): "Someone got there first. "
                        + current_state(fresh).replace("*", "")
                        + " Close this form."
                    },
                )
                deps.delivery.refresh_post(form.concern_id)
                return
            ack()
            if not result.duplicate:
                log.info("concern %s %s", form.concern_id, result.concern.status)
                after_change(result.concern)

        return handler

    app.view(ids.ESCALATE_VIEW)(submit_form(Action.ESCALATE))
    app.view(ids.RESOLVE_VIEW)(submit_form(Action.RESOLVE))

    @app.action(ids.VIEW_DETAILS)
    def view_details(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        concern_id, _ = button(body)
        actor = body["user"]["id"]
        concern = deps.store.get(concern_id)
        if concern is None:
            tell(client, body, "That concern could not be found.")
            return
        if actor not in route_of(concern).viewers:
            deps.store.audit(concern_id, actor, "refused_view_details", deps.clock(), request_key=request_key(body))
            log.info("concern %s: details refused", concern_id)
            tell(client, body, NOT_A_VIEWER)
            return
        deps.store.audit(concern_id, actor, "viewed_details", deps.clock(), request_key=request_key(body))
        log.info("concern %s: details viewed", concern_id)
        client.views_open(trigger_id=body["trigger_id"], view=details.build(concern, deps.store.events(concern_id)))
