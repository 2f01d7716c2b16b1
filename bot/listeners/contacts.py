"""/check-contact: the policy's answer at once; "Ask leadership" where it says REFER; leadership's Approve /
Decline, which makes a standing permission. Declarations and the App Home are in declarations.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.common import tell_privately
from bot.listeners.guard import guarded
from bot.payload import button, request_key
from bot.slack_api import quietly
from bot.text import mention
from bot.views import contact_card, contact_form
from flows.contact import Verdict, assess
from flows.contact_requests import Decision, a_year_on, check_review_date
from flows.errors import DomainError, InvalidTransition, NotAuthorised, StaleState
from flows.permissions import Act
from storage.models import ContactCheck, ContactPermission, Declaration
from storage.records import facts

log = logging.getLogger(__name__)

NOT_LEADERSHIP = "Only the leadership team can decide this (and nobody decides their own). Your attempt is recorded."
SAVE_FAILED = "policybot could not save this just now; please try again in a minute."


def may_decide(deps: Deps, actor: str) -> Callable[[ContactCheck | Declaration], bool]:
    """Deciding a request, acknowledging a declaration: flows.permissions' answer (leadership, never their own)."""

    def check(row: ContactCheck | Declaration) -> bool:
        return deps.directory.may(facts(row), Act.DECIDE if isinstance(row, ContactCheck) else Act.ACKNOWLEDGE, actor)

    return check


def register(app: App, deps: Deps) -> None:
    # --- asking ---------------------------------------------------------------------------------------------------

    def open_check(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        trigger = payload.trigger_id(body)
        ack()
        client.views_open(trigger_id=trigger, view=contact_form.check_form())

    def submit_check(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = payload.view(body)
        question, described, errors = contact_form.parse_check(view)
        if errors or question is None:
            ack(response_action="errors", errors=errors)
            return
        staff = payload.user_id(body)
        answer = assess(question, deps.rules)
        try:
            # A permission only ever settles what the policy leaves to leadership: never a "no".
            permission = (
                deps.contacts.standing_permission(staff, question, described, deps.today())
                if answer.verdict is Verdict.REFER
                else None
            )
            check = deps.contacts.record_check(staff, question, described, answer, view["id"], deps.clock(), permission)
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

    def ask_leadership(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        check_id, _ = button(body)
        staff, key, view_id = payload.user_id(body), request_key(body), payload.view_id(body)
        ack()
        now = deps.clock()
        due = deps.nudger.first_due(now, safeguarding=False)
        try:
            asked = deps.contacts.check(check_id)
            if asked is None:
                raise NotAuthorised("That question could not be found.")
            if not deps.directory.may(facts(asked), Act.ASK_LEADERSHIP, staff):
                raise NotAuthorised("Only the person who asked can send this to leadership.")
            if not asked.person_described.strip():
                raise NotAuthorised("Leadership cannot decide about someone unnamed: say who it is and ask again.")
            check, made = deps.contacts.ask_leadership(check_id, staff, now, key, next_nudge_at=due)
        except (InvalidTransition, StaleState):  # already with leadership (a double click): say so again
            made = False
        except NotAuthorised as refusal:
            deps.contacts.audit("check", check_id, staff, "refused_ask_leadership", now, key)
            log.info("contact check %s: ask refused", check_id)
            tell_privately(client, body, refusal.message)
            return
        if made:
            log.info("contact check %s sent to leadership", check_id)
            deps.contact_delivery.post(ContactCheck, check_id)
            deps.nudger.arm(due)
        # If the modal was closed meanwhile, the request is sent all the same.
        quietly(
            f"contact check {check_id}: modal",
            lambda: client.views_update(view_id=view_id, view=contact_form.sent_view()),
        )

    # --- deciding -------------------------------------------------------------------------------------------------

    def decide(
        body: dict[str, Any],
        check_id: int,
        version: int,
        decision: Decision,
        review_on: Any,
        note: str,
        request_key: str,
    ) -> tuple[str | None, Callable[[], None]]:
        """Make the decision in the database. Returns a sentence for the person who tried when it was refused, and
        what to tell Slack afterwards (after the ack: Slack waits at most 3 seconds)."""
        actor = payload.user_id(body)
        try:
            result = deps.contacts.decide(
                check_id,
                version,
                decision,
                actor,
                deps.clock(),
                review_on=review_on,
                note=note,
                request_key=request_key,
                may_decide=may_decide(deps, actor),
            )
        except NotAuthorised:
            deps.contacts.audit("check", check_id, actor, f"refused_{decision.value}", deps.clock(), request_key)
            log.info("contact check %s: %s refused", check_id, decision.value)
            return NOT_LEADERSHIP, lambda: None
        except (InvalidTransition, StaleState):
            fresh = deps.contacts.check(check_id)
            state = fresh.request_status if fresh else "gone"
            return f"Someone got there first: this request is already {state}.", (
                (lambda: deps.contact_delivery.redraw(fresh)) if fresh else (lambda: None)
            )
        except DomainError as error:  # the request no longer exists
            return error.message, lambda: None
        if result.duplicate:
            return None, lambda: None
        check = result.check
        log.info("contact check %s %s", check_id, check.request_status)

        def tell_slack() -> None:
            deps.contact_delivery.redraw(check)
            deps.contact_delivery.tell_decision(check_id)

        return None, tell_slack

    def one_click(decision: Decision) -> Callable[..., None]:
        def handler(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            check_id, version = button(body)
            key = request_key(body)
            ack()
            problem, then = decide(body, check_id, version or 1, decision, a_year_on(deps.today()), "", key)
            then()
            if problem:
                tell_privately(client, body, problem)

        handler.__name__ = f"{decision.value}_with_a_click"
        return handler

    def open_decision(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        check_id, version = button(body)
        actor, key, trigger = payload.user_id(body), request_key(body), payload.trigger_id(body)
        ack()
        check = deps.contacts.check(check_id)
        if check is None:
            tell_privately(client, body, "That request could not be found.")
            return
        if not may_decide(deps, actor)(check):
            deps.contacts.audit("check", check_id, actor, "refused_decide", deps.clock(), key)
            tell_privately(client, body, NOT_LEADERSHIP)
            return
        if check.version != version or check.request_status != "pending":
            tell_privately(client, body, f"Someone got there first: this request is {check.request_status}.")
            return
        client.views_open(trigger_id=trigger, view=contact_card.decision_form(check, a_year_on(deps.today())))

    def submit_decision(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        view = payload.view(body)
        check_id, version, decision, review_on, note = contact_card.parse_decision(view)
        errors: dict[str, str] = {}
        if decision is None:
            errors[ids.DECISION] = "Choose approve or decline."
        if decision is Decision.APPROVE:
            problem = check_review_date(review_on, deps.today())
            if problem:
                errors[ids.REVIEW_ON] = problem
        if len(note.strip()) > 1000:
            errors[ids.NOTE] = "Please keep the note under 1000 characters."
        if errors or decision is None:
            ack(response_action="errors", errors=errors)
            return
        problem, then = decide(
            body, check_id, version, decision, review_on or a_year_on(deps.today()), note, f"view:{view['id']}"
        )
        if problem:
            ack(response_action="errors", errors={ids.DECISION: problem})
        else:
            ack()
        then()

    app.command(ids.CHECK_COMMAND)(guarded(open_check))
    app.action(ids.HOME_CHECK)(guarded(open_check))
    app.view(ids.CHECK_VIEW)(guarded(submit_check))
    app.action(ids.ASK_LEADERSHIP)(guarded(ask_leadership))
    app.action(ids.APPROVE)(guarded(one_click(Decision.APPROVE)))
    app.action(ids.DECLINE)(guarded(one_click(Decision.DECLINE)))
    app.action(ids.DECIDE_WITH_NOTE)(guarded(open_decision))
    app.view(ids.DECIDE_VIEW)(guarded(submit_decision))
