"""What the listener guard's tests call it with: an error message it must never write (SECRET), a client that keeps
the private replies, and a click of the smallest shape Slack sends."""

from __future__ import annotations

from typing import Any

SECRET = "Pelham-Quist-9051 typed this"


class RecordingClient:
    def __init__(self) -> None:
        self.ephemerals: list[dict[str, Any]] = []

    def chat_postEphemeral(self, **message: Any) -> None:  # noqa: N802 - slack_sdk's name
        self.ephemerals.append(message)


def click(user: str = "USTAFF1") -> dict[str, Any]:
    return {"type": "block_actions", "user": {"id": user}, "channel": {"id": "CLEAD"}, "actions": [{}]}
