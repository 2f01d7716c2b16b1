"""/report-concern: open the form at once, validate on submit, and store the concern with its messages (the alerts,
the post, the reporter's receipt) in one transaction; the outbox sends them."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.guard import Wiring
from bot.views import report_form
from flows.concerns import validate
from flows.errors import DomainError
from flows.permissions import place

log = logging.getLogger(__name__)

SAVE_FAILED = "policybot could not save this just now. Your text is still here: press Send again in a minute."


def open_form(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """On the request's own thread (App(process_before_response=True) answers Slack once it returns): the form needs
    no database, so it is opened before anything else can queue in front of it."""
    trigger = payload.trigger_id(body)
    ack()  # the trigger expires after 3 s: no database work before views.open
    client.views_open(trigger_id=trigger, view=report_form.form(deps.settings.platforms))


def submit(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    view = payload.view(body)
    draft = report_form.parse(view, payload.user_id(body))
    errors = validate(draft, deps.settings.platforms)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    where = place(deps.directory.people(), safeguarding=draft.safeguarding, involved=draft.involved_staff_id)
    now = deps.clock()
    due = deps.nudger.first_due(now, draft.safeguarding)
    try:
        told = deps.with_homes(deps.telling.concern_stored, draft.reporter_id)
        concern, created = deps.store.create(draft, view["id"], where, now, deps.timezone, next_nudge_at=due, tell=told)
    except (DomainError, SQLAlchemyError) as error:
        log.error("concern not stored: %s", type(error).__name__)
        ack(response_action="errors", errors={ids.DESCRIPTION: SAVE_FAILED})
        return
    ack(response_action="update", view=report_form.stored(deps.telling.receipt(concern)[1]))
    log.info("concern %s stored (new=%s, route=%s)", concern.id, created, concern.route_kind)
    if created:
        deps.send_now()
        deps.rearm(due)


def register(app: App, deps: Any) -> None:
    wire = Wiring(deps)
    app.command(ids.REPORT_COMMAND)(wire.now(open_form))  # no database: the form opens before the HTTP 200
    app.view(ids.REPORT_VIEW)(wire.now(submit))
