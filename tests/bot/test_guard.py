"""The listener guard and the app's error handler, called as plain functions: whatever a listener raises, the log
gets one line with the error's type and place and never its message, and the person waiting is answered."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt import Ack, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

from bot.app import on_error
from bot.listeners.guard import CANNOT_READ, DATABASE_DOWN, SOMETHING_WRONG, Wiring, guarded
from bot.payload import Malformed
from flows.errors import DomainError
from tests.bot.guard_calls import SECRET, RecordingClient, click


def raising(error: BaseException, before_ack: bool = False) -> Any:
    def handler(ack: Ack, body: dict[str, Any], client: Any) -> None:
        if not before_ack:
            ack()
        raise error

    return handler


@pytest.mark.parametrize(
    ("error", "told", "level"),
    [
        (RuntimeError(SECRET), SOMETHING_WRONG, logging.ERROR),
        (KeyError(SECRET), SOMETHING_WRONG, logging.ERROR),
        (
            OperationalError("INSERT INTO concern VALUES (?)", (SECRET,), Exception(SECRET)),
            DATABASE_DOWN,
            logging.ERROR,
        ),
        (Malformed("actions[0].value"), CANNOT_READ, logging.WARNING),
        (DomainError("Only the leadership team can act on this."), "Only the leadership team", logging.INFO),
    ],
)
@pytest.mark.parametrize("before_ack", [False, True])
def test_any_error_is_one_line_without_its_message_and_the_person_is_told(
    caplog: pytest.LogCaptureFixture, error: Exception, told: str, level: int, before_ack: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    client, ack = RecordingClient(), Ack()
    guarded(raising(error, before_ack))(ack, click(), client)  # type: ignore[arg-type]
    assert ack.response is not None and ack.response.status == 200  # acknowledged: no stall, no 500
    assert [m["user"] for m in client.ephemerals] == ["USTAFF1"] and told in client.ephemerals[0]["text"]
    [record] = [r for r in caplog.records if r.name == "bot.listeners.guard"]
    assert record.levelno == level and record.exc_info is None
    assert SECRET not in caplog.text and "Traceback" not in caplog.text
    if level == logging.ERROR and not isinstance(error, OperationalError):
        assert type(error).__name__ in record.getMessage() and "test_guard.py:" in record.getMessage()


def test_an_open_form_gets_the_message_on_its_first_field() -> None:
    client, ack = RecordingClient(), Ack()
    body = {"type": "view_submission", "user": {"id": "U1"}, "view": {"state": {"values": {"note": {}, "x": {}}}}}
    guarded(raising(OperationalError("SELECT", (SECRET,), Exception(SECRET)), before_ack=True))(ack, body, client)  # type: ignore[arg-type]
    assert ack.response is not None and ack.response.body
    assert '"response_action": "errors"' in ack.response.body and DATABASE_DOWN in ack.response.body
    assert '"note"' in ack.response.body and not client.ephemerals  # shown on the form, not also in a message


def test_the_error_handler_logs_type_and_place_only_and_answers_200(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = RecordingClient()
    try:
        raise ValueError(SECRET)
    except ValueError as error:
        replaced = on_error(error, click("USTAFF2"), BoltResponse(status=500), client)  # type: ignore[arg-type]
    assert replaced is not None and replaced.status == 200
    assert "ValueError" in caplog.text and "test_guard.py:" in caplog.text
    assert SECRET not in caplog.text
    assert client.ephemerals[0]["user"] == "USTAFF2" and CANNOT_READ in client.ephemerals[0]["text"]

    # After an ack Bolt passes no response: there is nothing to replace, and nothing may be returned.
    assert on_error(ValueError(SECRET), {"type": "event_callback"}, None, client) is None  # type: ignore[arg-type]
    unhandled = BoltUnhandledRequestError(request=None, current_response=None)  # type: ignore[arg-type]
    assert on_error(unhandled, {"type": "view_closed"}, BoltResponse(status=404), client).status == 200  # type: ignore[arg-type,union-attr]
    assert len(client.ephemerals) == 1  # nobody waits on a closed view or an event


def test_an_answer_slack_will_not_show_now_goes_to_the_persons_dm_later() -> None:
    class Refusing(RecordingClient):
        def chat_postEphemeral(self, **message: Any) -> None:  # noqa: N802 - slack_sdk's name
            raise SlackApiError("refused", {"ok": False, "error": "channel_not_found"})

    later: list[tuple[str, str]] = []
    deps = SimpleNamespace(tell_later=lambda user, text: later.append((user, text)))

    def failing(_deps: Any, ack: Ack, body: dict[str, Any], client: Any) -> None:
        ack()
        raise RuntimeError(SECRET)

    Wiring(deps).now(failing)(Ack(), click(), Refusing())
    assert later == [("USTAFF1", SOMETHING_WRONG)]
