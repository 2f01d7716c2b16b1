"""A private reply (bot.listeners.common), as a plain function: ephemeral in the conversation where the person
clicked or typed, else in their DM with policybot; what Slack would not take goes to their DM later; a request
with nobody to tell is a log line, never an error."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.deps import Deps
from bot.listeners.common import reply_privately, tell_privately


class Client:
    """chat.postEphemeral, recorded; refused with `error` when given."""

    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.ephemeral: list[dict[str, Any]] = []

    def chat_postEphemeral(self, **params: Any) -> None:  # noqa: N802 - Slack's name
        self.ephemeral.append(params)
        if self.error:
            answer = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="chat.postEphemeral",
                req_args={},
                data={"ok": False, "error": self.error},
                headers={},
                status_code=200,
            )
            raise SlackApiError("refused", answer)


class Later:
    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []

    def tell_later(self, user: str, text: str) -> None:
        self.told.append((user, text))


def tell(body: dict[str, Any], client: Client | None = None, later: Later | None = None) -> Client:
    client = client or Client()
    tell_privately(cast(WebClient, client), body, "Only leaders can do that.", later.tell_later if later else None)
    return client


def test_a_click_is_answered_in_the_conversation_it_came_from() -> None:
    client = tell({"user": {"id": "UL1"}, "channel": {"id": "CLEAD"}, "channel_id": "CIGNORED"})
    assert client.ephemeral == [{"channel": "CLEAD", "user": "UL1", "text": "Only leaders can do that."}]


def test_a_slash_command_is_answered_in_its_channel() -> None:
    client = tell({"user_id": "UL1", "channel_id": "CSTAFF"})
    assert client.ephemeral == [{"channel": "CSTAFF", "user": "UL1", "text": "Only leaders can do that."}]


@pytest.mark.parametrize(
    "where",
    [{}, {"channel": {"id": ""}}, {"channel": {}}, {"channel": "CLEAD"}, {"channel_id": ""}, {"channel_id": 7}],
)
def test_a_request_from_no_conversation_is_answered_in_the_persons_dm(where: dict[str, Any]) -> None:
    client = tell({"user": {"id": "UL1"}, **where})  # a form, the App Home
    assert client.ephemeral == [{"channel": "UL1", "user": "UL1", "text": "Only leaders can do that."}]


def test_what_slack_will_not_show_now_goes_to_the_dm_later(caplog: pytest.LogCaptureFixture) -> None:
    later = Later()
    with caplog.at_level(logging.WARNING, "bot"):
        tell({"user": {"id": "UL1"}, "channel": {"id": "CLEAD"}}, Client("channel_not_found"), later)
    assert later.told == [("UL1", "Only leaders can do that.")]
    assert [r.getMessage() for r in caplog.records] == ["ephemeral reply: not done (channel_not_found)"]
    tell({"user": {"id": "UL1"}}, Client("user_not_in_channel"))  # nobody to tell later: the log line is all


def test_what_slack_showed_is_not_sent_again_later() -> None:
    later = Later()
    tell({"user": {"id": "UL1"}}, Client(), later)
    assert later.told == []


def test_a_request_with_nobody_in_it_is_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    later = Later()
    with caplog.at_level(logging.INFO, "bot"):
        client = tell({"channel": {"id": "CLEAD"}}, later=later)
    assert client.ephemeral == [] and later.told == []
    assert [r.getMessage() for r in caplog.records] == ["private reply: no user to tell"]


def test_a_listeners_reply_goes_to_the_dm_through_deps_when_slack_will_not_show_it() -> None:
    deps = Later()
    reply_privately(cast(Deps, deps), cast(WebClient, Client("channel_not_found")), {"user": {"id": "UL1"}}, "No.")
    assert deps.told == [("UL1", "No.")]
