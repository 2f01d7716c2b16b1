"""A listener's handler called as the guard calls it, with the bodies Slack sends (a click, a form submitted with the
values chosen, typed and picked), and what came back: the ack's field errors, the private replies, the log lines."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, cast

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import ids
from bot.deps import Deps
from tests.bot.fakes import FakeDeps, Recorder

TS = "1764063000.000100"  # the click's action_ts
Handler = Callable[[Deps, Ack, dict[str, Any], Any], None]


class Lines(logging.Handler):
    """The log lines policybot writes, as read in the log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(record.getMessage())
        except TypeError:  # a line whose arguments do not fit its text
            self.lines.append(f"unreadable: {record.msg!r} % {record.args!r}")


def run(handler: Handler, deps: FakeDeps, body: dict[str, Any], client: Recorder | None = None) -> tuple[Ack, Recorder]:
    """The handler, as the guard calls it, with a client that takes what Slack's takes; its log lines are kept in
    deps.logged."""
    ack = Ack()
    client = client or Recorder(WebClient, views_publish={"ok": True, "view": {"id": "VHOME", "hash": "H1"}})
    lines, log = Lines(), logging.getLogger("bot")
    level = log.level
    log.setLevel(logging.DEBUG)
    log.addHandler(lines)
    try:
        handler(deps, ack, body, client)
    finally:
        log.removeHandler(lines)
        log.setLevel(level)
    deps.logged = lines.lines
    return ack, client


def click(value: str, user: str = "UL1") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": "CLEAD"},
        "trigger_id": "T1",
        "view": {"id": "VMODAL"},
        "actions": [{"value": value, "action_ts": TS}],
    }


def key(user: str = "UL1") -> str:
    """The request key of a click()."""
    return f"action:{TS}:{user}"


def submission(metadata: str, values: dict[str, Any], user: str = "UL1", view_id: str = "V9") -> dict[str, Any]:
    state = {"values": values}
    return {
        "type": "view_submission",
        "user": {"id": user},
        "view": {"id": view_id, "private_metadata": metadata, "state": state},
    }


def chosen(block: str, value: str) -> dict[str, Any]:
    return {block: {block + ids.INPUT: {"selected_option": {"value": value}}}}


def typed(block: str, text: str) -> dict[str, Any]:
    return {block: {block + ids.INPUT: {"value": text}}}


def picked(block: str, day: str) -> dict[str, Any]:
    return {block: {block + ids.INPUT: {"selected_date": day}}}


def told(client: Recorder) -> list[tuple[str, str]]:
    """The private replies: (to whom, what)."""
    return [(kwargs["user"], kwargs["text"]) for _, kwargs in client.named("chat_postEphemeral")]


def form_errors(ack: Ack) -> dict[str, str] | None:
    """The field errors an ack put on the form; None for a plain ack."""
    assert ack.response is not None and ack.response.status == 200
    if not ack.response.body:
        return None
    sent = json.loads(ack.response.body)
    assert sent["response_action"] == "errors"
    return cast(dict[str, str], sent["errors"])
