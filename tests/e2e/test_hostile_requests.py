"""Requests Slack never sends, as an attacker, a replay or a bug would: each gets a clear answer at once, never a 500,
never a 3-second stall, never a traceback in the log, and the person who is waiting is told what happened."""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
import urllib.error
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text as sql_text

from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from tests.conftest import LEADERS, RunningBot
from tests.e2e.helpers import ephemeral_to, new_concern
from tests.slack_driver import Reply, SlackDriver, report_values

CANNOT_READ = "could not read that request"


def timed(send: Callable[[], Reply]) -> Reply:
    started = time.monotonic()
    reply = send()
    assert time.monotonic() - started < 2.5, "the request stalled"
    assert reply.status < 500, reply
    return reply


def payload_body(payload: object) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


UNREADABLE = {
    "not UTF-8": b"payload=\xff\xfe\xfa",
    "payload=not-json": b"payload=not-json",
    "payload=null": b"payload=null",
    "a JSON list": b"[1, 2, 3]",
    "JSON nested 5000 deep": nested(5000),
    "empty": b"",
}


@pytest.mark.parametrize("name", UNREADABLE)
def test_unsigned_bodies_are_refused_before_anything_reads_them(slack: SlackDriver, name: str) -> None:
    reply = timed(lambda: slack.post_bytes(UNREADABLE[name], signed=False))
    assert reply.status == 401
    forged = timed(lambda: slack.post_bytes(UNREADABLE[name], headers={"X-Slack-Signature": "v0=" + "0" * 64}))
    assert forged.status == 401


@pytest.mark.parametrize("timestamp", ["not-a-number", "", "1e9", "-5", "99999999999999999999", "fifteen minutes old"])
def test_a_timestamp_that_is_not_a_recent_number_is_refused(slack: SlackDriver, timestamp: str) -> None:
    if timestamp == "fifteen minutes old":  # worked out here, not in the test's name: every worker collects the same
        timestamp = str(int(time.time()) - 900)
    body = slack.command_body("/report-concern", "USTAFF90").encode()
    assert timed(lambda: slack.post_bytes(body, headers={"X-Slack-Request-Timestamp": timestamp})).status == 401


@pytest.mark.parametrize("name", [n for n in UNREADABLE if n != "empty"])
def test_signed_bodies_slack_never_sends_get_a_quiet_200(slack: SlackDriver, name: str) -> None:
    content_type = (
        "application/json" if UNREADABLE[name].startswith((b"[", b"{")) else "application/x-www-form-urlencoded"
    )
    assert timed(lambda: slack.post_bytes(UNREADABLE[name], content_type=content_type)).status == 200


def test_a_body_over_the_limit_is_refused_without_being_read(bot: RunningBot, slack: SlackDriver) -> None:
    # The whole body sent: refused with 413 as soon as its length is read, so the client may still be writing when
    # the server closes the connection (then it sees a broken pipe or a reset instead of the 413).
    try:
        assert timed(lambda: slack.post_bytes(b"x" * ((1 << 20) + 1), signed=False)).status == 413
    except (urllib.error.URLError, ConnectionError) as error:
        assert isinstance(getattr(error, "reason", error), ConnectionError), error
    # A declared length of a gigabyte with nothing behind it: answered at once, not read.
    url = urlsplit(bot.url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=5)
    started = time.monotonic()
    connection.putrequest("POST", "/slack/events")
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.putheader("Content-Length", str(1 << 30))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and time.monotonic() - started < 2
    connection.close()


def test_other_paths_and_methods(bot: RunningBot) -> None:
    url = urlsplit(bot.url)
    for method, path, status in (("GET", "/slack/events", 405), ("POST", "/admin", 404), ("GET", "/healthz", 200)):
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=5)
        connection.request(method, path)
        assert connection.getresponse().status == status
        connection.close()


def test_a_slash_command_whose_text_says_payload_opens_the_form(slack: SlackDriver, fake_slack: LocalSlack) -> None:
    body = slack.command_body("/report-concern", "USTAFF91", text="payload=1 about a payload")
    trigger = dict(__import__("urllib.parse").parse.parse_qsl(body))["trigger_id"]
    assert timed(lambda: slack.post(body)).status == 200
    fake_slack.wait_for("views.open", lambda p: p["trigger_id"] == trigger)


def action_payload(user: str, action: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user},
        "trigger_id": f"trigger.hostile.{time.time_ns()}",
        "channel": {"id": "CLEAD"},
        "actions": [action or {}],
    }
    payload.update(changes)
    return payload


def click(action_id: str, value: object) -> dict[str, Any]:
    return {"action_id": action_id, "value": value, "type": "button", "action_ts": f"{time.time_ns()}"}


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("a button value that does not parse", action_payload("UHOSTILE1", click("concern_acknowledge", "abc:x"))),
        ("a value of the wrong type", action_payload("UHOSTILE2", click("concern_escalate", 17))),
        ("an empty actions list", {**action_payload("UHOSTILE3"), "actions": []}),
        ("no actions at all", {k: v for k, v in action_payload("UHOSTILE4").items() if k != "actions"}),
        (
            "no trigger id",
            {
                k: v
                for k, v in action_payload("UHOSTILE5", click("concern_view_details", "1")).items()
                if k != "trigger_id"
            },
        ),
        ("a review date that is not a date", action_payload("UHOSTILE6", click("policy_review_done", "soon"))),
        ("a declaration id that does not parse", action_payload("UHOSTILE7", click("declaration_reconfirm", "x"))),
    ],
)
def test_malformed_clicks_are_answered_in_private(
    slack: SlackDriver, fake_slack: LocalSlack, bot: RunningBot, name: str, payload: dict[str, Any]
) -> None:
    reply = timed(lambda: slack.post_bytes(payload_body(payload)))
    assert reply.status == 200, name
    ephemeral_to(fake_slack, payload["user"]["id"], CANNOT_READ)
    assert "Traceback" not in bot.output()


def test_a_click_on_a_record_that_does_not_exist(slack: SlackDriver, fake_slack: LocalSlack) -> None:
    for action_id, user, words in (
        ("concern_acknowledge", LEADERS[0], "could not be found"),
        ("concern_escalate", LEADERS[1], "could not be found"),
        ("contact_approve", LEADERS[0], "could not be found"),
        ("contact_decide_with_note", LEADERS[1], "could not be found"),
        ("declaration_acknowledge", LEADERS[0], "could not be found"),
    ):
        assert timed(lambda a=action_id, u=user: slack.click(a, "987654:1", u)).status == 200  # type: ignore[misc]
        ephemeral_to(fake_slack, user, words)


def submission(callback_id: str, user: str, **view: Any) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "user": {"id": user},
        "view": {"id": f"VHOSTILE{time.time_ns()}", "type": "modal", "callback_id": callback_id, **view},
    }


def test_malformed_submissions_get_a_field_error_or_a_private_message(
    slack: SlackDriver, fake_slack: LocalSlack, store: ConcernStore
) -> None:
    _, concern_id = new_concern(slack, store, "USTAFF92")
    note = {"note": {"note_input": {"type": "plain_text_input", "value": "x"}}}
    reply = timed(
        lambda: slack.post_bytes(
            payload_body(submission("resolve_concern", LEADERS[0], private_metadata="nope", state={"values": note}))
        )
    )
    assert reply.status == 200 and CANNOT_READ in reply.json()["errors"]["note"]

    timed(lambda: slack.post_bytes(payload_body(submission("report_concern", "UHOSTILE8"))))  # no state at all
    ephemeral_to(fake_slack, "UHOSTILE8", CANNOT_READ)
    untyped = submission("report_concern", "UHOSTILE11", state={"values": {}})
    del untyped["view"]["type"]  # Bolt itself trips over this one, before any listener
    assert timed(lambda: slack.post_bytes(payload_body(untyped))).status == 200
    ephemeral_to(fake_slack, "UHOSTILE11", CANNOT_READ)

    # Answers of the wrong shape count as no answer: the form says what is missing, as for an empty one.
    garbage = {"area": [], "kind": {"kind_input": 5}, "description": {"description_input": {"value": 12}}}
    reply = timed(lambda: slack.submit("report_concern", garbage, "UHOSTILE9"))  # type: ignore[arg-type]
    assert reply.json()["response_action"] == "errors" and {"area", "kind", "description"} <= set(
        reply.json()["errors"]
    )

    assert store.get(concern_id).status == "new"  # type: ignore[union-attr]


def test_a_request_nobody_listens_for_gets_a_200_and_its_body_is_not_logged(
    slack: SlackDriver, bot: RunningBot
) -> None:
    marker = "Quillon-Vetch-5520"
    unknown = action_payload("UHOSTILE10", click("some_link_button", marker))
    assert timed(lambda: slack.post_bytes(payload_body(unknown))).status == 200
    closed = {"type": "view_closed", "user": {"id": "UHOSTILE10"}, "view": {"id": "V1", "callback_id": marker}}
    assert timed(lambda: slack.post_bytes(payload_body(closed))).status == 200
    event = {"type": "event_callback", "event": {"type": "app_home_opened", "user": 5, "tab": marker}}
    assert timed(lambda: slack.post_bytes(json.dumps(event).encode(), content_type="application/json")).status == 200
    assert marker not in bot.output()


@contextmanager
def database_held(url: str) -> Iterator[None]:
    """Another session holding the concerns' tables: SQLite's write lock, or PostgreSQL's strongest table lock."""
    if url.startswith("sqlite"):
        locker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        return
    engine = create_engine(url)
    with engine.connect() as connection, connection.begin():
        connection.execute(sql_text("LOCK TABLE concern, audit_entry IN ACCESS EXCLUSIVE MODE"))
        yield
    engine.dispose()


def test_a_database_that_does_not_answer_is_a_try_again_message_not_a_stall(
    slack: SlackDriver, fake_slack: LocalSlack, store: ConcernStore, e2e_database: str
) -> None:
    _, concern_id = new_concern(slack, store, "USTAFF93")
    with database_held(e2e_database):
        mark = fake_slack.mark()
        reply = timed(lambda: slack.submit("report_concern", report_values(), "USTAFF94"))
        assert "in a minute" in reply.json()["errors"]["description"]
        assert timed(lambda: slack.click("concern_acknowledge", f"{concern_id}:1", LEADERS[0])).status == 200
        ephemeral_to(fake_slack, LEADERS[0], "Please try again in a minute", after=mark)
    assert store.get(concern_id).status == "new"  # type: ignore[union-attr]
    assert slack.click("concern_acknowledge", f"{concern_id}:1", LEADERS[0]).status == 200  # and a minute later
    deadline = time.monotonic() + 5
    while store.get(concern_id).status != "acknowledged":  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the click after the database came back did nothing"
        time.sleep(0.05)
