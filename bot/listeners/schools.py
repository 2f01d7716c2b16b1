"""A person in several of a trust's schools chose one (bot.views.school_picker): the form they asked for, for that
school, takes the chooser's place. Which school the choice names is settled before this runs (bot.campus)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids, payload
from bot.deps import Deps
from bot.listeners.guard import Wiring
from bot.views import contact_form, report_form


def picked(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    command = payload.metadata(payload.view(body))
    platforms = deps.settings.platforms
    if command == ids.REPORT_COMMAND:
        ack(response_action="update", view=report_form.form(platforms))
    elif command == ids.CHECK_COMMAND:
        ack(response_action="update", view=contact_form.check_form(platforms))
    elif command == ids.DECLARE_VIEW:
        ack(response_action="update", view=contact_form.declare_form())
    else:
        raise payload.Malformed("view.private_metadata")


def register(app: App, deps: Any) -> None:
    app.view(ids.PICK_SCHOOL_VIEW)(Wiring(deps).now(picked))
