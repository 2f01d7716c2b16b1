"""Leadership's buttons on a concern: Acknowledge, Escalate, Resolve and View details.

Each handler turns a click or a form into a Command and the command path's Result into what people see: the
change itself, who may make it and the audit trail (refusals included) are storage.commands' and
flows.permissions'. Handlers are plain functions of (deps, ack, body, client); register() only wires them.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.common import reply_privately
from bot.listeners.guard import Wiring
from bot.payload import button, request_key
from bot.text import mention
from bot.views import action_forms, concern_words, details
from bot.views.refusals import refusal
from flows.escalation import Status, recipients, targets
from flows.permissions import Act, RecordKind
from storage.commands import Changed, Command, Overtaken, Result
from storage.models import Concern
from storage.outbox_messages import Tell
from storage.records import facts

log = logging.getLogger(__name__)


def where_it_stands(concern: Concern, actor: str) -> str:
    """For a click that found the concern moved on: by someone else, or by the same person's own earlier click."""
    status = Status(concern.status).value
    if concern.last_actor_id == actor:
        return f"You already {status} {concern.reference}: your earlier click did it, so nothing more was done."
    who = f" by {mention(concern.last_actor_id)}" if concern.last_actor_id else ""
    return f"Someone got there first. {concern.reference} is now *{status}*{who}."


def told(deps: Deps, note: str = "") -> Tell:
    """What people are told once a concern has moved (bot.telling): written with the change, in its transaction; the
    note goes to whoever it is escalated to, never to the reporter."""
    return lambda concern, _added: deps.telling.concern_changed(concern, note)


def not_done(result: Result, deps: Deps, command: Command) -> str | None:
    """The sentence for the person when the result is not a change (None when there is nothing to say); the post
    is redrawn when it may be showing an older state."""
    if isinstance(result, Overtaken) and isinstance(result.record, Concern):
        deps.tell(deps.telling.concern_redrawn(result.record))  # the post may show an older state
        return where_it_stands(result.record, command.actor)
    return refusal(result, command)


def acknowledge(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    concern_id, version = button(body)
    actor, key = payload.user_id(body), request_key(body)
    command = deps.command(
        RecordKind.CONCERN, concern_id, Act.ACKNOWLEDGE, actor, key, version=version or 1, tell=told(deps)
    )
    ack()
    result = deps.change(command)
    if isinstance(result, Changed) and isinstance(result.record, Concern):
        log.info("concern %s acknowledged", concern_id)
    elif sentence := not_done(result, deps, command):
        log.info("concern %s: acknowledge %s", concern_id, type(result).__name__.lower())
        reply_privately(deps, client, body, sentence)


def open_form(act: Act, deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Escalate or Resolve: the form opens only for someone who may act, on the version they saw."""
    concern_id, version = button(body)
    actor, key, trigger = payload.user_id(body), request_key(body), payload.trigger_id(body)
    ack()
    command = deps.command(RecordKind.CONCERN, concern_id, act, actor, key, version=version)
    result = deps.look(command)
    if isinstance(result, Changed) and isinstance(result.record, Concern):
        offered = escalation_choices(deps, result.record, actor) if act is Act.ESCALATE else None
        client.views_open(trigger_id=trigger, view=action_forms.build(act, result.record, offered))
    elif sentence := not_done(result, deps, command):
        reply_privately(deps, client, body, sentence)


def escalation_choices(deps: Deps, concern: Concern, actor: str) -> list[tuple[str, str]]:
    """The targets this leader may escalate this concern to, each named for who it reaches (the permission table)."""
    people, record = deps.directory.people(), facts(concern)
    return [
        (target.value, concern_words.target_label(target, people, recipients(people, record, target, actor)))
        for target in targets(people, record, actor)
    ]


def submit_form(act: Act, deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    view = payload.view(body)
    form = action_forms.parse(act, view)
    problems = action_forms.errors(act, form)
    if problems:
        ack(response_action="errors", errors=problems)
        return
    command = deps.command(
        RecordKind.CONCERN,
        form.concern_id,
        act,
        payload.user_id(body),
        f"view:{view['id']}",
        version=form.version,
        detail=form.choice,
        note=form.note,
        tell=told(deps, form.note),
    )
    result = deps.change(command)
    if sentence := not_done(result, deps, command):
        ack(response_action="errors", errors={action_forms.choice_block(act): sentence + " Close this form."})
        return
    ack()
    if isinstance(result, Changed) and isinstance(result.record, Concern):
        log.info("concern %s %s", form.concern_id, result.record.status)


def view_details(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """The description, names and links, in a modal: for those flows.permissions lets see them; every look and
    every refused look is in the audit trail."""
    concern_id, _ = button(body)
    actor, key, trigger = payload.user_id(body), request_key(body), payload.trigger_id(body)
    ack()
    command = deps.command(RecordKind.CONCERN, concern_id, Act.VIEW_DETAILS, actor, key)
    result = deps.look(command)
    if isinstance(result, Changed) and isinstance(result.record, Concern):
        log.info("concern %s: details viewed", concern_id)
        view = details.build(result.record, deps.store.events(concern_id), deps.settings.platforms)
        client.views_open(trigger_id=trigger, view=view)
        deps.shown(command, result.record)  # in the audit trail, once it is open
    elif sentence := refusal(result, command):
        log.info("concern %s: details %s", concern_id, type(result).__name__.lower())
        reply_privately(deps, client, body, sentence)


def register(app: App, deps: Any) -> None:
    wire = Wiring(deps)
    app.action(ids.ACKNOWLEDGE)(wire.lazily(acknowledge))
    app.action(ids.ESCALATE)(wire.for_trigger(open_form, Act.ESCALATE))
    app.action(ids.RESOLVE)(wire.for_trigger(open_form, Act.RESOLVE))
    app.view(ids.ESCALATE_VIEW)(wire.now(submit_form, Act.ESCALATE))
    app.view(ids.RESOLVE_VIEW)(wire.now(submit_form, Act.RESOLVE))
    app.action(ids.VIEW_DETAILS)(wire.for_trigger(view_details))
