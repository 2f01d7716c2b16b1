"""Reaches the bot the way Slack does: signed form posts for slash commands, block_actions and view_submission,
and JSON for Events API callbacks. The sandbox's page and the tests send the same payloads through it."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

_ids = itertools.count(1)


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def _envelope(user: str, team: str) -> dict[str, Any]:
    """What every interactive payload carries: the team, the person, the app and the legacy token."""
    return {
        "team": {"id": team, "domain": "school"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "token": "legacy",
    }


class SlackDriver:
    def __init__(self, events_url: str, signing_secret: str, response_url: str, team: str = "T1") -> None:
        """`team`: the workspace every request comes from."""
        self.team = team
        self.events_url = events_url
        self.secret = signing_secret
        self.response_url = response_url  # the base: each payload's is .../USER/CHANNEL, as the local Slack reads it

    def post(
        self,
        body: str,
        *,
        timestamp: float | None = None,
        secret: str | None = None,
        retry_num: int | None = None,
    ) -> Reply:
        ts = str(int(timestamp if timestamp is not None else time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(secret or self.secret, ts, body),
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        request = urllib.request.Request(self.events_url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def post_bytes(
        self,
        body: bytes,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Any body at all, signed over its raw bytes (as Slack signs) or not; `headers` override the usual ones."""
        ts = str(int(time.time()))
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if signed:
            base = b"v0:" + ts.encode() + b":" + body
            sent["X-Slack-Signature"] = "v0=" + hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()
        sent.update(headers or {})
        request = urllib.request.Request(self.events_url, data=body, headers=sent, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(errors="replace"))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(errors="replace"))

    # --- bodies ----------------------------------------------------------------------------------------------------

    def command_body(
        self, command: str, user: str, text: str = "", channel: str = "CGENERAL", trigger_id: str | None = None
    ) -> str:
        return urlencode(
            {
                "token": "legacy",
                "team_id": self.team,
                "team_domain": "school",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A1",
                "response_url": f"{self.response_url}/{user}/{channel}",
                "trigger_id": trigger_id or f"trigger.{next(_ids)}",
            }
        )

    def command(self, command: str, user: str, text: str = "", **kwargs: Any) -> Reply:
        return self.post(self.command_body(command, user, text), **kwargs)

    def action_body(
        self, action_id: str, value: str, user: str, channel: str = "CLEAD", message_ts: str = "1.000001"
    ) -> str:
        payload = {
            "type": "block_actions",
            **_envelope(user, self.team),
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "trigger_id": f"trigger.{next(_ids)}",
            "channel": {"id": channel, "name": "leadership"},
            "message": {"ts": message_ts, "text": "concern"},
            "response_url": f"{self.response_url}/{user}/{channel}",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "type": "button",
                    "action_ts": f"{time.time():.6f}{next(_ids)}",
                }
            ],
        }
        return urlencode({"payload": json.dumps(payload)})

    def block_action(
        self,
        user: str,
        action: dict[str, Any],
        trigger_id: str,
        *,
        message: dict[str, Any] | None = None,
        channel: str | None = None,
        view: dict[str, Any] | None = None,
    ) -> Reply:
        """Any element acted on, where a person sees it: in a message (`message`, `channel`) or in a view (`view`,
        a modal or the App Home, as Slack sends it back with its state)."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            **_envelope(user, self.team),
            "trigger_id": trigger_id,
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
        else:
            assert message is not None and channel is not None
            payload["container"] = {"type": "message", "message_ts": message["ts"], "channel_id": channel}
            payload["channel"] = {"id": channel, "name": channel.lower()}
            payload["message"] = message
            payload["response_url"] = f"{self.response_url}/{user}/{channel}"
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def view_closed(self, user: str, view: dict[str, Any]) -> Reply:
        payload = {
            "type": "view_closed",
            **_envelope(user, self.team),
            "view": view,
            "is_cleared": False,
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def click(self, action_id: str, value: str, user: str, **kwargs: Any) -> Reply:
        return self.post(self.action_body(action_id, value, user, **kwargs))

    def click_in_view(self, action_id: str, value: str, user: str, view_id: str) -> Reply:
        """A button inside a modal or the App Home: the payload names the view, not a channel."""
        payload = json.loads(urllib.parse.parse_qs(self.action_body(action_id, value, user))["payload"][0])
        for key in ("channel", "message", "response_url"):
            payload.pop(key)
        payload["container"] = {"type": "view", "view_id": view_id}
        payload["view"] = {"id": view_id, "type": "modal", "callback_id": "x", "hash": "h", "state": {"values": {}}}
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def event(self, event: dict[str, Any]) -> Reply:
        """An Events API callback, as Slack posts it."""
        body = {
            "token": "legacy",
            "team_id": self.team,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(_ids)}",
            "event_time": int(time.time()),
        }
        return self.post_json(json.dumps(body))

    def post_json(self, body: str) -> Reply:
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(self.secret, ts, body),
        }
        request = urllib.request.Request(self.events_url, data=body.encode(), headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, response.read().decode())

    def submission_body(
        self,
        callback_id: str,
        values: dict[str, Any],
        user: str,
        view_id: str | None = None,
        private_metadata: str = "",
    ) -> str:
        payload = {
            "type": "view_submission",
            **_envelope(user, self.team),
            "trigger_id": f"trigger.{next(_ids)}",
            "view": {
                "id": view_id or f"VSUBMIT{next(_ids)}",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": f"hash.{next(_ids)}",
            },
            "response_urls": [],
        }
        return urlencode({"payload": json.dumps(payload)})

    def submit(self, callback_id: str, values: dict[str, Any], user: str, **kwargs: Any) -> Reply:
        return self.post(self.submission_body(callback_id, values, user, **kwargs))
