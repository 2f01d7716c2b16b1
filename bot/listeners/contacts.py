"""/check-contact: the policy's answer at once; "Ask leadership" where it says REFER; leadership's Approve /
Decline, which makes a standing permission. Asking and deciding go through the command path (storage.commands);
these handlers turn clicks and forms into Commands and Results into what people see. Declarations are in
declarations.py."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.common import reply_privately
from bot.listeners.guard import Wiring
from bot.payload import button, request_key
from bot.slack_api import quietly
from bot.text import mention
from bot.views import contact_card, contact_form
from bot.views.refusals import refusal
from flows.contact import Verdict, assess
from flows.contact_requests import DECISION_NOTE_MAX, Decision, a_year_on, check_review_date
from flows.permissions import Act, RecordKind
from storage.commands import Changed, Overtaken, Result
from storage.models import ContactCheck, ContactPermission
from storage.outbox_messages import Message

log = logging.getLogger(__name__)

SAVE_FAILED = "policybot could not save this just now; please try again in a minute."


# --- asking ---------------------------------------------------------------------------------------------------------


def open_check(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    trigger = payload.trigger_id(body)
    ack()
    client.views_open(trigger_id=trigger, view=contact_form.check_form(deps.settings.platforms))


def submit_check(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    view = payload.view(body)
    asked = contact_form.parse_check(view, deps.settings.platforms)
    question, described = asked.question, asked.described
    if asked.errors or question is None:
        ack(response_action="errors", errors=asked.errors)
        return
    staff = payload.user_id(body)
    answer = assess(question, deps.rules)
    try:
        # A permission only ever settles what the policy leaves to leadership: never a "no".
        permission = (
            deps.contact_checks.standing_permission(staff, question, described, deps.today(), asked.platform)
            if answer.verdict is Verdict.REFER
            else None
        )
        where = (asked.platform, asked.platform_other)
        check = deps.contact_checks.record_check(
            staff, question, described, answer, view["id"], deps.clock(), permission, where
        )
    except SQLAlchemyError as error:
        log.error("contact check not stored: %s", type(error).__name__)
        ack(response_action="errors", errors={ids.DESCRIBED: SAVE_FAILED})
        return
    line = permission_line(permission) if permission else None
    assert check.id is not None
    ack(response_action="update", view=contact_form.answer_view(answer, check.id, line, described))
    log.info("contact check %s: %s%s", check.id, answer.verdict.value, " (standing permission)" if line else "")


def permission_line(permission: ContactPermission) -> str:
    return (
        f":white_check_mark: *Yes: leadership gave you a standing permission for this* "
        f"({mention(permission.granted_by)}, until {permission.review_on:%d %B %Y}). "
        "The policy's own answer, for reference:"
    )


def ask_leadership(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    check_id, _ = button(body)
    staff, key, view_id = payload.user_id(body), request_key(body), payload.view_id(body)
    ack()
    due = deps.nudger.first_due(deps.clock(), safeguarding=False)

    def post(check: Any, _added: Any) -> list[Message]:
        return deps.telling.posted(RecordKind.CONTACT_REQUEST, check.id, deps.telling.request_drawing(check, None))

    command = deps.command(RecordKind.CONTACT_REQUEST, check_id, Act.ASK_LEADERSHIP, staff, key, due=due, tell=post)
    result = deps.change(command)
    if sentence := refusal(result, command):
        log.info("contact check %s: ask %s", check_id, type(result).__name__.lower())
        reply_privately(deps, client, body, sentence)
        return
    if isinstance(result, Overtaken) and result.record.request_status == "none":  # type: ignore[union-attr]
        reply_privately(deps, client, body, result.reason)  # nobody unnamed goes to leadership
        return
    if isinstance(result, Changed):
        log.info("contact check %s sent to leadership", check_id)
        deps.rearm(due)
    # Already with leadership (a double click) or just sent: the modal says so. If it was closed meanwhile, the
    # request is sent all the same.
    quietly(
        f"contact check {check_id}: modal",
        lambda: client.views_update(view_id=view_id, view=contact_form.sent_view()),
    )


# --- deciding -------------------------------------------------------------------------------------------------------


def decide(deps: Deps, body: dict[str, Any], check_id: int, version: int, **decision: Any) -> tuple[str | None, Result]:
    """The decision through the command path. Returns the sentence for the person when nothing was decided now
    (None when there is nothing to say), and the result, for what to tell Slack after the ack."""

    def told(check: Any, added: tuple[Any, ...]) -> list[Message]:
        return deps.telling.request_decided(check, added[0] if added else None, decision.get("note", ""))

    command = deps.command(
        RecordKind.CONTACT_REQUEST, check_id, Act.DECIDE, payload.user_id(body), version=version, tell=told, **decision
    )
    result = deps.change(command)
    if sentence := refusal(result, command):
        log.info("contact check %s: decision %s", check_id, type(result).__name__.lower())
        return sentence, result
    if isinstance(result, Overtaken) and isinstance(result.record, ContactCheck):
        return already_decided(result.record, command.actor), result
    return None, result


def already_decided(check: ContactCheck, actor: str) -> str:
    """For a decision that found the question decided: by someone else, or by the same person's earlier click."""
    status = check.request_status
    if check.decided_by == actor:
        return f"You already {status} {contact_card.reference(check)}: your earlier click did it."
    return f"Someone got there first: {contact_card.reference(check)} is already {status}."


def after_decision(deps: Deps, result: Result) -> None:
    """The decision's post and message went with the change; a post overtaken by another decision is redrawn."""
    if isinstance(result, Changed) and isinstance(result.record, ContactCheck):
        log.info("contact check %s %s", result.record.id, result.record.request_status)
    elif isinstance(result, Overtaken) and isinstance(result.record, ContactCheck) and result.record.id:
        check, check_id = result.record, result.record.id
        granted = deps.contact_checks.permission_of(check_id)
        deps.tell(
            deps.telling.redrawn(RecordKind.CONTACT_REQUEST, check_id, deps.telling.request_drawing(check, granted))
        )


def one_click(decision: Decision, deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    check_id, version = button(body)
    key = request_key(body)
    ack()
    until = a_year_on(deps.today())
    problem, result = decide(deps, body, check_id, version or 1, request_key=key, detail=decision, until=until)
    after_decision(deps, result)
    if problem:
        reply_privately(deps, client, body, problem)


def open_decision(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    check_id, version = button(body)
    actor, key, trigger = payload.user_id(body), request_key(body), payload.trigger_id(body)
    ack()
    command = deps.command(RecordKind.CONTACT_REQUEST, check_id, Act.DECIDE, actor, key, version=version)
    result = deps.look(command)
    if isinstance(result, Changed) and isinstance(result.record, ContactCheck):
        client.views_open(trigger_id=trigger, view=contact_card.decision_form(result.record, a_year_on(deps.today())))
    elif sentence := refusal(result, command):
        reply_privately(deps, client, body, sentence)
    elif isinstance(result, Overtaken) and isinstance(result.record, ContactCheck):
        reply_privately(deps, client, body, already_decided(result.record, actor))


def submit_decision(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    view = payload.view(body)
    check_id, version, decision, review_on, note = contact_card.parse_decision(view)
    errors = decision_errors(decision, review_on, note, deps.today())
    if errors or decision is None:
        ack(response_action="errors", errors=errors)
        return
    until = review_on or a_year_on(deps.today())
    problem, result = decide(
        deps, body, check_id, version, request_key=f"view:{view['id']}", detail=decision, until=until, note=note
    )
    if problem:
        ack(response_action="errors", errors={ids.DECISION: problem})
    else:
        ack()
    after_decision(deps, result)


def decision_errors(decision: Decision | None, review_on: date | None, note: str, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if decision is None:
        errors[ids.DECISION] = "Choose approve or decline."
    if decision is Decision.APPROVE:
        problem = check_review_date(review_on, today)
        if problem:
            errors[ids.REVIEW_ON] = problem
    if len(note.strip()) > DECISION_NOTE_MAX:
        errors[ids.NOTE] = f"Please keep the note under {DECISION_NOTE_MAX} characters."
    return errors


def view_details(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """A decided question's details for leadership (the decision's note, the trail); every look is audited."""
    check_id, _ = button(body)
    actor, key, trigger = payload.user_id(body), request_key(body), payload.trigger_id(body)
    ack()
    command = deps.command(RecordKind.CONTACT_REQUEST, check_id, Act.VIEW_DETAILS, actor, key)
    result = deps.look(command)
    if isinstance(result, Changed) and isinstance(result.record, ContactCheck):
        events = deps.contact_checks.trail(check_id)
        view = contact_card.details(result.record, events, deps.telling.where(result.record))
        client.views_open(trigger_id=trigger, view=view)
        deps.shown(command, result.record)  # in the audit trail, once it is open
    elif sentence := refusal(result, command):
        reply_privately(deps, client, body, sentence)


def register(app: App, deps: Any) -> None:
    wire = Wiring(deps)
    app.command(ids.CHECK_COMMAND)(wire.now(open_check))  # no database: the form opens before the HTTP 200
    app.action(ids.HOME_CHECK)(wire.now(open_check))
    app.view(ids.CHECK_VIEW)(wire.now(submit_check))
    app.action(ids.ASK_LEADERSHIP)(wire.lazily(ask_leadership))
    app.action(ids.APPROVE)(wire.lazily(one_click, Decision.APPROVE))
    app.action(ids.DECLINE)(wire.lazily(one_click, Decision.DECLINE))
    app.action(ids.DECIDE_WITH_NOTE)(wire.for_trigger(open_decision))
    app.view(ids.DECIDE_VIEW)(wire.now(submit_decision))
    app.action(ids.CONTACT_DETAILS)(wire.for_trigger(view_details))
