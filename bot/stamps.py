"""Which school drew a button or a form, when one bot serves a trust's schools: every button's value and every
view's private_metadata a school sends carries its key ("north|12:3"), so that a click in a direct message or a
form submitted later finds its school again (bot.campus) whoever makes it. A school run from the settings stamps
nothing. Stamped here, in the one client and acknowledgement each school's work goes through; read in bot.payload.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

REFUSED_TOKEN = frozenset({"invalid_auth", "token_revoked", "token_expired", "account_inactive", "not_authed"})
MARK = "|"
STAMP = re.compile(r"^([a-z][a-z0-9-]{1,30})\|")  # a school's key (flows.schools.KEY), then the mark
SEVERAL = "*|"  # a view of several schools (a Home for someone at two): its own buttons carry each school's key


def stamped(data: Any, key: str) -> Any:
    """Block Kit (blocks, a view, as objects or dicts) with each button's value and the view's private_metadata
    carrying `key`; everything else as it was."""
    plain = json.loads(json.dumps(data, default=lambda part: part.to_dict()))
    return _stamp(plain, key)


def _stamp(part: Any, key: str) -> Any:
    if isinstance(part, list):
        return [_stamp(item, key) for item in part]
    if not isinstance(part, dict):
        return part
    found = {name: _stamp(value, key) for name, value in part.items()}
    if found.get("type") == "button" and isinstance(found.get("value"), str):
        found["value"] = _with_key(found["value"], key)
    if found.get("type") in ("modal", "home"):
        found["private_metadata"] = _with_key(str(found.get("private_metadata") or ""), key)
    return found


def _with_key(text: str, key: str) -> str:
    return text if STAMP.match(text) or text.startswith(SEVERAL) else f"{key}{MARK}{text}"


def school_key(text: object) -> str | None:
    """The school a stamped value or private_metadata names (None: unstamped)."""
    found = STAMP.match(text) if isinstance(text, str) else None
    return found.group(1) if found else None


def unstamped(text: str) -> str:
    """A value or private_metadata without its school's key, as the views that drew it wrote it."""
    return text.removeprefix(SEVERAL) if text.startswith(SEVERAL) else STAMP.sub("", text, count=1)


class SchoolClient(WebClient):
    """A WebClient whose blocks and views carry its school's key (when it has one), and whose token, under Slack's
    OAuth flow, is the school's workspace's install's (`installed`: read at each call, bot.tokens)."""

    def __init__(self, key: str | None, installed: Callable[[], str] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.school_key = key
        self._installed = installed

    def api_call(self, api_method: str, *, json: dict[str, Any] | None = None, **options: Any) -> SlackResponse:
        explicit = "token" in (options.get("params") or {}) or "token" in (json or {})  # Bolt's install: its own
        if self._installed is not None and not explicit and not api_method.startswith("oauth."):
            self.token = self._installed()
            try:
                return self._stamped_call(api_method, json, options)
            except SlackApiError as error:
                if error.response.get("error") in REFUSED_TOKEN:
                    forget = getattr(self._installed, "forget", None)
                    if forget is not None:
                        forget()  # a revoked token, or one from before an uninstall: read again next time
                raise
        return self._stamped_call(api_method, json, options)

    def _stamped_call(self, api_method: str, json: dict[str, Any] | None, options: dict[str, Any]) -> SlackResponse:
        if json is not None and self.school_key is not None:
            json = {
                name: stamped(value, self.school_key) if name in ("blocks", "view") and value else value
                for name, value in json.items()
            }
        return super().api_call(api_method, json=json, **options)


class SchoolAck:
    """A listener's ack() whose form (response_action update or push) carries its school's key."""

    def __init__(self, ack: Ack, key: str) -> None:
        self._ack = ack
        self.key = key

    @property
    def response(self) -> Any:
        return self._ack.response

    def __call__(self, *args: Any, **options: Any) -> Any:
        if options.get("view") is not None:
            options["view"] = stamped(options["view"], self.key)
        return self._ack(*args, **options)
