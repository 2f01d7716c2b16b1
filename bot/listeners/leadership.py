"""Leadership's buttons on a concern: Acknowledge, Escalate, Resolve and View details.

Who may act and who may see details is flows.permissions' answer; anyone else is refused in private and the
attempt is audited. Every change goes through the store's compare-and-set, so two leaders
clicking at once give one transition and a Slack retry gives none.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.common import tell_privately
from bot.listeners.guard import guarded
from bot.payload import button, request_key
from bot.text import mention
from bot.views import action_forms, details
from flows.errors import DomainError, InvalidTransition, NotAuthorised, StaleState
from flows.escalation import Action, Status, apply
from flows.permissions import Act
from storage.models import Concern
from storage.records import facts

log = logging.getLogger(__name__)

NOT_LEADERSHIP = "Only the leadership team can act on concerns. Your attempt has been recorded."
NOT_A_VIEWER = "The details of this concern are open only to those handling it. Your attempt has been recorded."
NOT_FOUND = "That concern could not be found."
ACTS = {Action.ACKNOWLEDGE: Act.ACKNOWLEDGE, Action.ESCALATE: Act.ESCALATE, Action.RESOLVE: Act.RESOLVE}


def register(app: App, deps: Deps) -> None:
    def current_state(concern: Concern) -> str:
        status = Status(concern.status)
        who = f" by {mention(concern.last_actor_id)}" if concern.last_actor_id else ""
        return f"{concern.reference} is now *{status.value}*{who}; the post shows where it stands."

    def may_act(actor: str, action: Action) -> Any:
        return lambda concern: deps.directory.may(facts(concern), ACTS[action], actor)

    def refuse(concern_id: int, actor: str, action: Action, key: str) -> None:
        deps.store.audit(concern_id, actor, f"refused_{action.value}", deps.clock(), request_key=key)
        log.info("concern %s: %s refused", concern_id, action.value)

    def load_for_decider(body: dict[str, Any], client: WebClient, action: Action) -> Concern | None:
        """The concern, if the clicker may act on it; otherwise refuse, audit, and return None."""
        concern_id, _ = button(body)
        actor = payload.user_id(body)
        concern = deps.store.get(concern_id)
        if concern is None:
            tell_privately(client, body, NOT_FOUND)
            return None
        if not may_act(actor, action)(concern):
            refuse(concern_id, actor, action, request_key(body))
            tell_privately(client, body, NOT_LEADERSHIP)
            return None
        return concern

    def after_change(concern: Concern) -> None:
        deps.delivery.refresh_post(concern)
        deps.delivery.tell_reporter(concern)
        if concern.status == Status.ESCALATED.value and concern.last_actor_id:
            deps.delivery.tell_escalation(concern, concern.last_actor_id)

    def got_there_first(concern_id: int) -> Concern | None:
        fresh = deps.store.get(concern_id)
        if fresh is not None:
            deps.delivery.refresh_post(fresh)
        return fresh

    def acknowledge(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        concern_id, version = button(body)
        actor = payload.user_id(body)
        key = request_key(body)
        ack()
        try:
            result = deps.store.transition(
                concern_id,
                version or 1,
                Action.ACKNOWLEDGE,
                actor,
                deps.clock(),
                request_key=key,
                may_act=may_act(actor, Action.ACKNOWLEDGE),
            )
        except NotAuthorised:
            refuse(concern_id, actor, Action.ACKNOWLEDGE, key)
            tell_privately(client, body, NOT_LEADERSHIP)
            return
        except (InvalidTransition, StaleState):
            fresh = got_there_first(concern_id)
            tell_privately(client, body, "Someone got there first. " + current_state(fresh) if fresh else NOT_FOUND)
            return
        except DomainError as error:
            tell_privately(client, body, error.message)
            return
        if not result.duplicate:
            log.info("concern %s acknowledged", concern_id)
            after_change(result.concern)

    def open_form(action: Action) -> Any:
        def handler(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            _, version = button(body)
            trigger = payload.trigger_id(body)
            ack()
            concern = load_for_decider(body, client, action)
            if concern is None:
                return
            try:
                apply(Status(concern.status), action)
                if version is not None and version != concern.version:
                    raise StaleState("changed")
            except (InvalidTransition, StaleState):
                deps.delivery.refresh_post(concern)
                tell_privately(client, body, "Someone got there first. " + current_state(concern))
                return
            client.views_open(trigger_id=trigger, view=action_forms.build(action, concern))

        handler.__name__ = f"open_{action.value}_form"
        return handler

    app.action(ids.ESCALATE)(guarded(open_form(Action.ESCALATE)))
    app.action(ids.RESOLVE)(guarded(open_form(Action.RESOLVE)))

    def submit_form(action: Action) -> Any:
        def handler(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            view = payload.view(body)
            form = action_forms.parse(action, view)
            problems = action_forms.errors(action, form)
            if problems:
                ack(response_action="errors", errors=problems)
                return
            actor = payload.user_id(body)
            key = f"view:{view['id']}"
            choice_block = action_forms.choice_block(action)
            try:
                result = deps.store.transition(
                    form.concern_id,
                    form.version,
                    action,
                    actor,
                    deps.clock(),
                    detail=form.choice,
                    note=form.note,
                    request_key=key,
                    may_act=may_act(actor, action),
                )
            except NotAuthorised:
                refuse(form.concern_id, actor, action, key)
                ack(response_action="errors", errors={choice_block: NOT_LEADERSHIP})
                return
            except (InvalidTransition, StaleState):
                fresh = deps.store.get(form.concern_id)
                where = f"It is now {fresh.status}." if fresh else ""
                ack(response_action="errors", errors={choice_block: f"Someone got there first. {where} Close this."})
                if fresh is not None:
                    deps.delivery.refresh_post(fresh)
                return
            except DomainError as error:
                ack(response_action="errors", errors={choice_block: error.message})
                return
            ack()
            if not result.duplicate:
                log.info("concern %s %s", form.concern_id, result.concern.status)
                after_change(result.concern)

        handler.__name__ = f"submit_{action.value}_form"
        return handler

    app.view(ids.ESCALATE_VIEW)(guarded(submit_form(Action.ESCALATE)))
    app.view(ids.RESOLVE_VIEW)(guarded(submit_form(Action.RESOLVE)))

    def view_details(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        concern_id, _ = button(body)
        actor, key, trigger = payload.user_id(body), request_key(body), payload.trigger_id(body)
        ack()
        concern = deps.store.get(concern_id)
        if concern is None:
            tell_privately(client, body, NOT_FOUND)
            return
        if not deps.directory.may(facts(concern), Act.VIEW_DETAILS, actor):
            deps.store.audit(concern_id, actor, "refused_view_details", deps.clock(), request_key=key)
            log.info("concern %s: details refused", concern_id)
            tell_privately(client, body, NOT_A_VIEWER)
            return
        deps.store.audit(concern_id, actor, "viewed_details", deps.clock(), request_key=key)
        log.info("concern %s: details viewed", concern_id)
        client.views_open(trigger_id=trigger, view=details.build(concern, deps.store.events(concern_id)))

    app.action(ids.ACKNOWLEDGE)(guarded(acknowledge))
    app.action(ids.VIEW_DETAILS)(guarded(view_details))
