"""/report-concern: open the form at once, validate on submit, store first, then deliver."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids
from bot.deps import Deps
from bot.views import report_form
from flows.concerns import validate
from flows.errors import DomainError
from flows.routing import route
from flows.taxonomy import Platform

log = logging.getLogger(__name__)

SAVE_FAILED = "policybot could not save this just now. Your text is still here: press Send again in a minute."


def register(app: App, deps: Deps) -> None:
    @app.command(ids.REPORT_COMMAND)
    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()  # the trigger expires after 3 s: no database work before views.open
        client.views_open(trigger_id=body["trigger_id"], view=report_form.form())

    @app.view(ids.REPORT_VIEW)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        draft = report_form.parse(view, body["user"]["id"])
        errors = validate(draft)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        where = route(deps.directory.people(), safeguarding=draft.safeguarding, involved=draft.involved_staff_id)
        now = deps.clock()
        due = deps.nudger.first_due(now, draft.safeguarding)
        try:
            concern, created = deps.store.create(draft, view["id"], where, now, deps.timezone, next_nudge_at=due)
        except (DomainError, SQLAlchemyError) as error:
            log.error("concern not stored: %s", type(error).__name__)
            ack(response_action="errors", errors={ids.DESCRIPTION: SAVE_FAILED})
            return
        ack(
            response_action="update",
            view=report_form.stored(concern.reference, concern.safeguarding, Platform(concern.platform)),
        )
        log.info("concern %s stored (new=%s, route=%s)", concern.id, created, concern.route_kind)
        if created and concern.id is not None:
            deps.delivery.deliver(concern.id)
            deps.nudger.arm(due)
