"""create_app(), in process against the fake Slack Web API: every module's listeners are wired to the deps given,
a request no listener takes reaches the error handler (the person waiting is told, Slack gets a 200), and Bolt logs
through policybot's quiet logger."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot import ids
from bot.app import _TokenNotice, create_app
from bot.listeners.guard import CANNOT_READ
from flows.permissions import Act
from sandbox.slack import LocalSlack
from storage.commands import Repeated
from storage.records import DueReview
from tests.bot.fakes import FakeDeps, a_check, a_concern, a_declaration

SECRET = "the-schools-signing-secret"


@pytest.fixture(scope="module")
def slack() -> Iterator[LocalSlack]:
    fake = LocalSlack()
    yield fake
    fake.close()


def app_for(slack: LocalSlack, deps: FakeDeps, **options: Any) -> App:
    deps.client = WebClient(token=slack.token, base_url=slack.api_url)
    deps.settings = replace(deps.settings, slack_signing_secret=SECRET)
    deps.store.answers["create"] = (a_concern(), True)
    options.setdefault("request_verification_enabled", False)  # signatures: see the test that checks them
    # Listeners run before the response is returned, for the test to see what they did.
    return create_app(deps, process_before_response=True, **options)


def form_post(payload: dict[str, Any], headers: dict[str, str] | None = None) -> BoltRequest:
    sent = {"content-type": ["application/x-www-form-urlencoded"]}
    sent.update({name: [value] for name, value in (headers or {}).items()})
    return BoltRequest(body="payload=" + quote(json.dumps(payload)), headers=sent)


def clicked(action_id: str, value: str, user: str = "UL1") -> BoltRequest:
    body = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "channel": {"id": "CLEAD"},
        "trigger_id": "T1",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1.2"}],
    }
    return form_post(body)


@pytest.mark.parametrize(
    ("action_id", "value", "result", "act"),
    [
        (ids.ACKNOWLEDGE, "7:3", Repeated(a_concern()), Act.ACKNOWLEDGE),
        (ids.APPROVE, "5:2", Repeated(a_check()), Act.DECIDE),
        (ids.RECONFIRM_DECLARATION, "4", Repeated(a_declaration()), Act.RECONFIRM),
        (ids.REVIEW_DONE, "2027-03-01", Repeated(DueReview(date(2027, 3, 1), None)), Act.MARK_REVIEW_DONE),
    ],
)
def test_each_modules_listeners_are_wired_to_the_deps(
    slack: LocalSlack, action_id: str, value: str, result: Any, act: Act
) -> None:
    deps = FakeDeps(result)
    response = app_for(slack, deps).dispatch(clicked(action_id, value))
    assert response.status == 200 and deps.only_command.act is act


def test_the_report_command_opens_the_form(slack: LocalSlack) -> None:
    deps = FakeDeps()
    command = {
        "command": ids.REPORT_COMMAND,
        "user_id": "USTAFF",
        "channel_id": "C1",
        "team_id": "T1",
        "trigger_id": "TR",
    }
    request = BoltRequest(body=urlencode(command), headers={"content-type": ["application/x-www-form-urlencoded"]})
    assert app_for(slack, deps).dispatch(request).status == 200
    slack.wait_for("views.open", lambda p: p["trigger_id"] == "TR")  # the lazy part, after the ack


def test_a_report_reaches_the_store_given(slack: LocalSlack) -> None:
    deps = FakeDeps()
    values = {
        ids.AREA: {ids.AREA + ids.INPUT: {"selected_option": {"value": "conduct"}}},
        ids.KIND: {ids.KIND + ids.INPUT: {"selected_option": {"value": "aggressive"}}},
        ids.PLATFORM: {ids.PLATFORM + ids.INPUT: {"selected_option": {"value": "whatsapp"}}},
        ids.ROLES: {ids.ROLES + ids.INPUT: {"selected_options": [{"value": "pupil"}]}},
        ids.DESCRIPTION: {ids.DESCRIPTION + ids.INPUT: {"value": "what happened"}},
    }
    view = {"id": "VREPORT", "type": "modal", "callback_id": ids.REPORT_VIEW, "state": {"values": values}}
    submitted = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "USTAFF"}, "view": view}
    assert app_for(slack, deps).dispatch(form_post(submitted)).status == 200
    [(args, kwargs)] = deps.store.named("create")
    kwargs["tell"]("the concern")  # as storage calls it: its messages are written with it, in one transaction
    assert deps.telling.named("concern_stored") == [(("the concern",), {})]
    assert deps.delivery.calls == [("kick", (), {})]


def signed(request: BoltRequest, secret: str) -> BoltRequest:
    now = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=now, body=request.raw_body)
    headers = {"x-slack-request-timestamp": [now], "x-slack-signature": [signature]}
    return BoltRequest(body=request.raw_body, headers={**request.headers, **headers})


def test_only_requests_signed_with_the_schools_secret_are_taken(slack: LocalSlack) -> None:
    deps = FakeDeps(Repeated(a_concern()), Repeated(a_concern()))
    app = app_for(slack, deps, request_verification_enabled=True)
    assert app.dispatch(signed(clicked(ids.ACKNOWLEDGE, "7:3"), SECRET)).status == 200 and len(deps.sent) == 1
    assert app.dispatch(signed(clicked(ids.ACKNOWLEDGE, "7:3"), "not-the-secret")).status == 401
    assert app.dispatch(clicked(ids.ACKNOWLEDGE, "7:3")).status == 401 and len(deps.sent) == 1


def test_a_click_no_listener_takes_is_answered_and_the_clicker_told(slack: LocalSlack) -> None:
    response = app_for(slack, FakeDeps()).dispatch(clicked("a_button_from_an_old_message", "1", user="UWAIT"))
    assert (response.status, response.body) == (200, "")
    assert [c.params["text"] for c in slack.of("chat.postEphemeral", user="UWAIT")] == [CANNOT_READ]


def test_bolt_logs_through_policybots_quiet_logger(slack: LocalSlack) -> None:
    app = app_for(slack, FakeDeps())
    assert app.logger is logging.getLogger("slack_bolt.policybot") and app.logger.level == logging.WARNING


def test_only_the_unused_token_notice_is_filtered_out() -> None:
    def record(text: str) -> logging.LogRecord:
        return logging.LogRecord("slack_bolt", logging.WARNING, __file__, 1, text, None, None)

    notice = _TokenNotice()
    assert not notice.filter(record("As you gave `client` as well, `token` will be unused."))
    assert notice.filter(record("Failed to run a middleware"))
