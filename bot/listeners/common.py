"""A private reply to the person who clicked, typed or submitted: ephemeral where they are, else in their DM with
policybot. It never raises: a reply that cannot be sent is a log line (and, where the caller can, a DM later)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.payload import Malformed, user_id
from bot.slack_api import quietly

log = logging.getLogger(__name__)


def tell_privately(
    client: WebClient, body: dict[str, Any], text: str, later: Callable[[str, str], None] | None = None
) -> None:
    """`later`, when given, takes what could not be said now to the person's DM (through the outbox, which retries
    until Slack takes it): nobody who clicked or typed is left with nothing."""
    try:
        user = user_id(body)
    except Malformed:
        log.info("private reply: no user to tell")
        return
    where = body.get("channel")
    channel = where.get("id") if isinstance(where, dict) else body.get("channel_id")  # a click; a slash command
    channel = channel if isinstance(channel, str) and channel else user
    if (
        not quietly("ephemeral reply", lambda: client.chat_postEphemeral(channel=channel, user=user, text=text))
        and later
    ):
        later(user, text)


def reply_privately(deps: Any, client: WebClient, body: dict[str, Any], text: str) -> None:
    """How a listener tells the person who acted anything private (a refusal, "someone got there first", "not
    found"): ephemeral where they are, else in their DM through the outbox. Nobody is left with nothing."""
    tell_privately(client, body, text, deps.tell_later)
