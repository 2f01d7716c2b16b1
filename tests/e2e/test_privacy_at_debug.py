"""Even at POLICYBOT_LOG_LEVEL=DEBUG, nothing staff reported reaches the log: not the description, the names, the
links, nor a form error that quotes them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.slack import LocalSlack
from tests.conftest import CHANNEL, LEADERS, SIGNING_SECRET, RunningBot, bot_environment, free_port, new_database_url
from tests.slack_driver import SlackDriver, report_values

MARKER = "Quillon-Vexbridge-8812"


@pytest.fixture(scope="module")
def own_slack() -> Iterator[LocalSlack]:
    fake = LocalSlack(channels={CHANNEL: {"is_private": True, "is_member": True}}, members={CHANNEL: list(LEADERS)})
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def debug_bot(own_slack: LocalSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    folder = tmp_path_factory.mktemp("debug")
    for url in new_database_url(Path(folder), "debug"):
        env = bot_environment(own_slack, url, POLICYBOT_LOG_LEVEL="DEBUG")
        running = RunningBot(env, free_port(), folder / "debug.log")
        yield running
        running.stop()


def test_nothing_reported_reaches_a_debug_log(debug_bot: RunningBot, own_slack: LocalSlack) -> None:
    fake_slack = own_slack
    slack = SlackDriver(debug_bot.url + "/slack/events", SIGNING_SECRET, fake_slack.api_url + "response_url")
    refused = slack.submit("report_concern", report_values(links=f"not-a-link-{MARKER}"), "USTAFF90")
    assert MARKER in refused.body  # the reporter is shown their own text on the field...
    reply = slack.submit(
        "report_concern",
        report_values(description=f"{MARKER} said", names=f"{MARKER} n", links=f"https://{MARKER.lower()}.example.com"),
        "USTAFF90",
    )
    reference = json.dumps(reply.json()["view"]).split("*")[1]
    card = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and reference in p["text"])[-1]
    concern_id = card.params["blocks"][-1]["elements"][-1]["value"]
    slack.click("concern_view_details", concern_id, LEADERS[0])
    fake_slack.wait_for("views.open", lambda p: p["view"]["title"]["text"] == reference)
    # A report whose signature check fails (a clock that drifted, a delayed retry) is refused: not logged either.
    stale = slack.submission_body("report_concern", report_values(description=f"{MARKER} late"), "USTAFF90")
    assert slack.post(stale, timestamp=time.time() - 600).status == 401
    log = debug_bot.output()
    assert "DEBUG" in log  # the level took effect...
    assert MARKER not in log and MARKER.lower() not in log  # ...and still nothing reported was written
