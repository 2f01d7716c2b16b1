"""What the listener guard and the app's error handler write and answer, line by line: the request's type and what
went wrong (the kind of error, the field that was not what Slack sends, Slack's error code), never an exception's
message; the handler gets the request as it came; whoever is waiting is answered, whatever shape the request had."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import pytest
from slack_bolt import Ack, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

from bot.app import on_error
from bot.listeners.guard import CANNOT_READ, SLACK_FAILED, guarded, tell_if_waiting, where_raised
from bot.payload import Malformed
from flows.errors import DomainError
from tests.bot.guard_calls import SECRET, RecordingClient, click


def one_line(caplog: pytest.LogCaptureFixture, logger: str) -> logging.LogRecord:
    [record] = [r for r in caplog.records if r.name == logger]
    assert SECRET not in caplog.text and record.exc_info is None
    return record


@pytest.mark.parametrize(
    ("error", "line", "level", "told"),
    [
        (
            Malformed("actions[0].value"),
            "block_actions: not what Slack sends (actions[0].value)",
            logging.WARNING,
            CANNOT_READ,
        ),
        (
            DomainError("Only governors " + SECRET),
            "block_actions: refused (DomainError)",
            logging.INFO,
            "Only governors",
        ),
        (
            OperationalError("UPDATE concern", (SECRET,), Exception(SECRET)),
            "block_actions: database unavailable (OperationalError)",
            logging.ERROR,
            "cannot reach its records",
        ),
        (
            SlackApiError(SECRET, {"ok": False, "error": "channel_not_found"}),
            "block_actions: a Slack call failed (channel_not_found)",
            logging.WARNING,
            SLACK_FAILED,
        ),
        (
            ConnectionResetError(SECRET),
            "block_actions: a Slack call failed (ConnectionResetError)",
            logging.WARNING,
            SLACK_FAILED,
        ),
    ],
)
def test_each_kind_of_failure_is_one_line_naming_the_request_and_the_failure_and_the_clicker_is_told(
    caplog: pytest.LogCaptureFixture, error: Exception, line: str, level: int, told: str
) -> None:
    caplog.set_level(logging.DEBUG)
    client, ack = RecordingClient(), Ack()

    def handler(ack: Ack, body: dict[str, Any], client: Any) -> None:
        raise error

    guarded(handler)(ack, click("UGOV"), client)  # type: ignore[arg-type]
    record = one_line(caplog, "bot.listeners.guard")
    assert (record.getMessage(), record.levelno) == (line, level)
    assert ack.response is not None and ack.response.status == 200 and not ack.response.body
    assert [m["user"] for m in client.ephemerals] == ["UGOV"] and told in client.ephemerals[0]["text"]


def test_an_unexpected_error_is_logged_with_its_type_and_where_it_was_raised(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(ack: Ack, body: dict[str, Any], client: Any) -> None:
        raise LookupError(SECRET)

    guarded(handler)(Ack(), click(), RecordingClient())  # type: ignore[arg-type]
    message = one_line(caplog, "bot.listeners.guard").getMessage()
    assert message.startswith("block_actions: unexpected LookupError at ") and message.endswith(
        f"test_error_lines.py:{handler.__code__.co_firstlineno + 1}"
    )


def test_the_handler_gets_the_request_and_the_client_as_they_came() -> None:
    seen: list[Any] = []
    body, client = click("UL1"), RecordingClient()
    guarded(lambda ack, body, client: seen.extend([body, client]))(Ack(), body, client)  # type: ignore[arg-type]
    assert seen[0] is body and seen[1] is client


def acknowledge(deps: object, ack: Ack, body: dict[str, Any], client: Any) -> None:
    ack()


class Anonymous:
    def __call__(self, ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()


def test_a_guarded_listener_is_named_after_its_handler() -> None:
    assert guarded(partial(acknowledge, None)).__name__ == "acknowledge"
    assert guarded(partial(acknowledge, None)).__qualname__ == "acknowledge"
    assert guarded(Anonymous()).__name__ == "listener"
    assert guarded(Anonymous().__call__).__name__ == "__call__"  # a plain function keeps its own name


@pytest.mark.parametrize(
    "view",
    [
        None,
        "view",
        {"state": "x"},
        {"state": {"values": ["note"]}},
        {"state": {"values": {}}},
        {"state": {"values": {"": {}}}},
    ],
)
def test_a_failed_form_of_any_shape_is_acknowledged_and_its_submitter_told(view: Any) -> None:
    client, ack = RecordingClient(), Ack()
    body = {"type": "view_submission", "user": {"id": "U1"}, "view": view}

    def handler(ack: Ack, body: dict[str, Any], client: Any) -> None:
        raise OperationalError("SELECT", (), Exception())

    guarded(handler)(ack, body, client)  # type: ignore[arg-type]
    assert ack.response is not None and ack.response.status == 200 and not ack.response.body
    assert [m["user"] for m in client.ephemerals] == ["U1"]


@pytest.mark.parametrize(
    ("body", "waiting"),
    [
        ({"command": "/check-contact", "user_id": "U1", "channel_id": "C1"}, True),
        ({"type": "block_actions", "user": {"id": "U1"}}, True),
        ({"type": "view_submission", "user": {"id": "U1"}}, True),
        ({"type": "view_closed", "user": {"id": "U1"}}, False),
        ({"type": "event_callback", "event": {"type": "app_home_opened", "user": "U1"}}, False),
        ("not a request", False),
    ],
)
def test_whoever_typed_clicked_or_submitted_is_told_a_request_could_not_be_read(body: Any, waiting: bool) -> None:
    client = RecordingClient()
    tell_if_waiting(client, body)  # type: ignore[arg-type]
    assert [(m["user"], m["text"]) for m in client.ephemerals] == ([("U1", CANNOT_READ)] if waiting else [])


def test_the_error_handler_logs_one_line_and_replaces_the_response_with_an_empty_200(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = RecordingClient()
    unhandled = BoltUnhandledRequestError(request=None, current_response=None)  # type: ignore[arg-type]
    replaced = on_error(unhandled, {"type": "view_closed"}, BoltResponse(status=404), client)  # type: ignore[arg-type]
    assert replaced is not None and (replaced.status, replaced.body) == (200, "")
    assert one_line(caplog, "bot.app").getMessage() == "view_closed: no listener for it"
    caplog.clear()
    error = KeyError(SECRET)
    on_error(error, click(), None, client)  # type: ignore[arg-type]
    assert (
        one_line(caplog, "bot.app").getMessage() == "block_actions: unhandled KeyError at ?"
    )  # never raised: no place


def raise_here() -> None:
    raise ValueError(SECRET)


def test_where_an_error_was_raised_is_its_innermost_frame() -> None:
    assert where_raised(ValueError(SECRET)) == "?"
    with pytest.raises(ValueError) as raised:
        raise_here()
    assert where_raised(raised.value) == f"{__file__}:{raise_here.__code__.co_firstlineno + 1}"
