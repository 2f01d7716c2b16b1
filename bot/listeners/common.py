"""What every listener needs from a Slack payload: the clicked button's value, a retry-proof request key, and a
private reply to the person who clicked."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack_api import quietly


def tell_privately(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral message where the click happened (a channel, or the DM with policybot)."""
    channel = (body.get("channel") or {}).get("id") or body["user"]["id"]
    quietly("ephemeral reply", lambda: client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text))


def request_key(body: dict[str, Any]) -> str:
    """The same for a Slack retry of this click, different for any other click."""
    return f"action:{body['actions'][0]['action_ts']}:{body['user']['id']}"


def button(body: dict[str, Any]) -> tuple[int, int | None]:
    """A button's value: a record id, and the version it was drawn at ("12:3") when there is one."""
    first, _, second = body["actions"][0]["value"].partition(":")
    return int(first), int(second) if second else None
