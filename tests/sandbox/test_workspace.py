"""The sandbox's Slack behaves as Slack does where the bot could tell the difference: trigger ids, modal stacks,
ephemeral messages, response_urls and Block Kit limits."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from sandbox import workspace as workspace_module
from sandbox.school import CHANNEL, LEADER, STAFF, workspace
from sandbox.slack import LocalSlack

VIEW = {"type": "modal", "title": {"type": "plain_text", "text": "A form"}, "blocks": []}


def test_a_trigger_opens_one_view_once_within_three_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = workspace()
    assert ws.answer("views.open", {"trigger_id": "made.up", "view": VIEW})["error"] == "invalid_trigger_id"
    trigger = ws.issue_trigger(STAFF.id)
    opened = ws.answer("views.open", {"trigger_id": trigger, "view": VIEW})
    assert opened["ok"] and ws.top_view(STAFF.id) is not None
    assert ws.answer("views.open", {"trigger_id": trigger, "view": VIEW})["error"] == "expired_trigger_id"
    late = ws.issue_trigger(STAFF.id)
    now = workspace_module.time.monotonic()
    monkeypatch.setattr(workspace_module.time, "monotonic", lambda: now + 3.5)
    assert ws.answer("views.open", {"trigger_id": late, "view": VIEW})["error"] == "expired_trigger_id"


def test_views_stack_update_and_close_as_in_slack() -> None:
    ws = workspace()
    first = ws.answer("views.open", {"trigger_id": ws.issue_trigger(STAFF.id), "view": VIEW})["view"]["id"]
    pushed = ws.answer("views.push", {"trigger_id": ws.issue_trigger(STAFF.id), "view": {**VIEW, "callback_id": "b"}})
    assert ws.stacks[STAFF.id] == [first, pushed["view"]["id"]]
    ws.answer("views.update", {"view_id": first, "view": {**VIEW, "callback_id": "updated"}})
    assert ws.views[first].view["callback_id"] == "updated"
    assert ws.answer("views.update", {"view_id": "VGONE", "view": VIEW})["error"] == "not_found"
    ws.close_views(STAFF.id)
    top = ws.top_view(STAFF.id)
    assert top is not None and top.id == first


def test_an_ephemeral_message_needs_the_person_in_the_channel() -> None:
    ws = workspace()
    refused = ws.answer("chat.postEphemeral", {"channel": CHANNEL, "user": STAFF.id, "text": "no"})
    assert refused["error"] == "user_not_in_channel"
    assert ws.answer("chat.postEphemeral", {"channel": CHANNEL, "user": LEADER.id, "text": "yes"})["ok"]
    assert [(e.user, e.text) for e in ws.ephemerals] == [(LEADER.id, "yes")]


def post(url: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return dict(json.loads(response.read()))


def test_a_response_url_reaches_the_person_or_the_channel_and_needs_no_token() -> None:
    slack = LocalSlack(token="xoxb-t", workspace=workspace())
    try:
        assert post(f"{slack.api_url}response_url/{LEADER.id}/{CHANNEL}", {"text": "just you"})["ok"]
        assert [e.text for e in slack.workspace.ephemerals] == ["just you"]
        post(f"{slack.api_url}response_url/{LEADER.id}/{CHANNEL}", {"text": "all", "response_type": "in_channel"})
        assert [m.text for m in slack.visible(CHANNEL)] == ["all"]
        assert post(slack.api_url + "chat.postMessage", {"channel": CHANNEL, "text": "x"})["error"] == "invalid_auth"
    finally:
        slack.close()


def test_blocks_over_slacks_limits_are_refused_with_slacks_error() -> None:
    slack = LocalSlack(token="xoxb-t", workspace=workspace())
    try:
        blocks = [{"type": "divider"}] * 51
        answer = post(slack.api_url + "chat.postMessage", {"channel": CHANNEL, "text": "x", "blocks": blocks}, "xoxb-t")
        assert answer["error"] == "invalid_blocks" and slack.invalid
    finally:
        slack.close()


def test_the_clock_steps_land_where_a_school_day_would() -> None:
    from datetime import datetime

    from sandbox.run import moved
    from sandbox.school import ZONE

    evening = datetime(2026, 12, 3, 19, 40, tzinfo=ZONE)
    assert moved(evening, "hour") == datetime(2026, 12, 3, 20, 40, tzinfo=ZONE)
    assert moved(evening, "morning") == datetime(2026, 12, 4, 8, 30, tzinfo=ZONE)
    assert moved(evening, "week") == datetime(2026, 12, 10, 9, 30, tzinfo=ZONE)
    with pytest.raises(KeyError):
        moved(evening, "a year later")


def test_the_page_server_answers_made_up_calls_with_one_line_never_a_trace(tmp_path: Any) -> None:
    import urllib.error

    from sandbox.driver import SlackDriver
    from sandbox.page import Page
    from sandbox.server import PageServer
    from tests.conftest import free_port

    page = Page(workspace(), SlackDriver("http://127.0.0.1:9/slack/events", "s", "http://127.0.0.1:9/r"))
    server = PageServer(page, "127.0.0.1", free_port(), lambda step: {}, lambda: 0.0)
    server.start()
    try:
        for path, body in (("/api/command", b"[" * 200_000), ("/api/action", b'{"as": "USTAFF1", "action": 7}')):
            request = urllib.request.Request(server.url.rstrip("/") + path, data=body, method="POST")
            with pytest.raises(urllib.error.HTTPError) as answered:
                urllib.request.urlopen(request, timeout=5)
            assert answered.value.code == 400 and "error" in json.loads(answered.value.read())
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(server.url + "static/a%00b", timeout=5)
        assert missing.value.code == 404
    finally:
        server.stop()
