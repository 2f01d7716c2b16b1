"""Reading a Slack payload's envelope: who, which button, which view, which trigger.

Slack always sends these fields with these types; a request that lacks one (a bug, a replay, a forgery that got
past nothing else) raises Malformed, which the listener guard turns into a clear private message. Nothing here
returns part of a payload that was not checked for its type.
"""

from __future__ import annotations

import re
from typing import Any

from bot.ids import CHECK_COMMAND, INPUT, REPORT_COMMAND, SCHOOL
from bot.stamps import school_key, unstamped
from flows.which_school import Arrival


class Malformed(Exception):
    """The payload is not what Slack sends. `what` names the field, never its value."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _dict(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(what)
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise Malformed(what)
    return value


def user_id(body: dict[str, Any]) -> str:
    """The person who typed the command, clicked or submitted."""
    if "user_id" in body:  # a slash command
        return _text(body.get("user_id"), "user_id")
    return _text(_dict(body.get("user"), "user").get("id"), "user.id")


def trigger_id(body: dict[str, Any]) -> str:
    return _text(body.get("trigger_id"), "trigger_id")


def action(body: dict[str, Any]) -> dict[str, Any]:
    """The clicked element (Slack sends one per block_actions payload)."""
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        raise Malformed("actions")
    return _dict(actions[0], "actions[0]")


def value(body: dict[str, Any]) -> str:
    """The clicked button's value, as its view drew it (without the school's key bot.stamps adds)."""
    return unstamped(_text(action(body).get("value"), "actions[0].value"))


def numbers(text: str, count: int, what: str) -> tuple[int, ...]:
    """ "12:3" -> (12, 3): the ids and versions a button value or a view's private_metadata carries."""
    parts = text.split(":")
    if len(parts) != count or not all(part.isdigit() and len(part) < 12 for part in parts):
        raise Malformed(what)
    return tuple(int(part) for part in parts)


def button(body: dict[str, Any]) -> tuple[int, int | None]:
    """A button's value: a record id, and the version it was drawn at ("12:3") when there is one."""
    text = value(body)
    if ":" in text:
        record, version = numbers(text, 2, "actions[0].value")
        return record, version
    return numbers(text, 1, "actions[0].value")[0], None


def request_key(body: dict[str, Any]) -> str:
    """The same for a Slack retry of this click, different for any other click."""
    return f"action:{_text(action(body).get('action_ts'), 'actions[0].action_ts')}:{user_id(body)}"


def view(body: dict[str, Any]) -> dict[str, Any]:
    """A submitted or clicked-in view, with the fields every listener reads checked."""
    found = _dict(body.get("view"), "view")
    _text(found.get("id"), "view.id")
    if not isinstance(found.get("private_metadata", ""), str):
        raise Malformed("view.private_metadata")
    return found


def view_id(body: dict[str, Any]) -> str:
    return str(view(body)["id"])


def metadata(found_view: dict[str, Any]) -> str:
    """A view's private_metadata, as its view drew it (without the school's key bot.stamps adds)."""
    return unstamped(str(found_view.get("private_metadata") or ""))


def state_values(found_view: dict[str, Any]) -> dict[str, Any]:
    """The submitted answers: block id -> action id -> element state (each read defensively in views.state)."""
    return _dict(_dict(found_view.get("state"), "view.state").get("values"), "view.state.values")


def event(body: dict[str, Any]) -> dict[str, Any]:
    return _dict(body.get("event"), "event")


def kind(body: object) -> str:
    """The request's type for a log line: only names policybot knows (its commands, Slack's payload types and
    event names), so that nothing typed or forged in a request is written to the log."""
    if not isinstance(body, dict):
        return "unknown"
    if "command" in body:
        command = body.get("command")
        return f"command {command}" if command in COMMANDS else "command (unknown)"
    found = body.get("type")
    if found == "event_callback" and isinstance(body.get("event"), dict):
        event_type = body["event"].get("type")
        return f"event {event_type}" if isinstance(event_type, str) and _EVENT_NAME.match(event_type) else "event ?"
    return found if isinstance(found, str) and found in PAYLOAD_TYPES else "unknown"


COMMANDS = frozenset({REPORT_COMMAND, CHECK_COMMAND})
PAYLOAD_TYPES = frozenset(
    {
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
        "url_verification",
        "event_callback",
        "app_rate_limited",
    }
)
_EVENT_NAME = re.compile(r"^[a-z_]{1,40}$")


def arrival(body: dict[str, Any]) -> Arrival:
    """Where a request came from, for flows.which_school: its workspace (the user's own under an org-wide install),
    its organisation, the channel it was typed or clicked in, and who. Fields Slack leaves out are None."""
    team, user = _dict_or_none(body.get("team")), _dict_or_none(body.get("user"))
    event_body = _dict_or_none(body.get("event"))
    enterprise = _dict_or_none(body.get("enterprise"))
    workspace = (
        _str_or_none(body.get("context_team_id"))  # an event, under an org-wide install: where it happened
        or _str_or_none(user.get("team_id"))  # a click or a submission: the person's own workspace
        or _str_or_none(body.get("team_id"))  # a command, an event
        or _str_or_none(team.get("id"))
    )
    # Only where a button sits says which school it is about: a command can be typed in any channel the person is
    # in (another school's leadership channel too), so a command or an event goes by the person's own school.
    channel = (
        _str_or_none(_dict_or_none(body.get("channel")).get("id"))
        or _str_or_none(_dict_or_none(body.get("container")).get("channel_id"))
        if body.get("type") == "block_actions"
        else None
    )
    actions = body.get("actions")
    clicked = _dict_or_none(actions[0]) if isinstance(actions, list) and actions else {}
    found_view = _dict_or_none(body.get("view"))
    return Arrival(
        team_id=workspace,
        drawn_for=school_key(clicked.get("value")) or school_key(found_view.get("private_metadata")),
        chosen=_chosen(found_view),
        enterprise_id=_str_or_none(body.get("enterprise_id")) or _str_or_none(enterprise.get("id")),
        channel_id=channel,
        user_id=_str_or_none(body.get("user_id"))
        or _str_or_none(user.get("id"))
        or _str_or_none(event_body.get("user")),
    )


def _chosen(found_view: dict[str, Any]) -> str | None:
    """The school picked in a form's school menu (bot.views.school_picker), if it has one."""
    values = _dict_or_none(_dict_or_none(found_view.get("state")).get("values"))
    element = _dict_or_none(_dict_or_none(values.get(SCHOOL)).get(SCHOOL + INPUT))
    return _str_or_none(_dict_or_none(element.get("selected_option")).get("value"))


def _dict_or_none(value: object) -> dict[str, Any]:  # (an absent or odd part: empty)
    return value if isinstance(value, dict) else {}


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
