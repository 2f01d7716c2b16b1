"""Nudges as running bots send them: on time, once; once after a stop while the nudge fell due; once with two
processes on one database (PostgreSQL in CI)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHANNEL, LEADERS, SIGNING_SECRET, RunningBot, bot_environment, free_port, new_database_url
from tests.fake_slack import FakeSlack
from tests.slack_driver import SlackDriver, report_values

FAST = {
    "ACK_NUDGE_AFTER": "2s",
    "NUDGE_REPEAT_EVERY": "1d",
    "WORKING_HOURS": "Mon-Sun 00:00-24:00",
}


@pytest.fixture
def own_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(channels={CHANNEL: {"is_private": True, "is_member": True}}, members={CHANNEL: list(LEADERS)})
    yield fake
    fake.close()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    yield from new_database_url(tmp_path, "nudge_e2e")


def start(fake: FakeSlack, url: str, folder: Path, name: str, **env: str) -> RunningBot:
    return RunningBot(bot_environment(fake, url, **{**FAST, **env}), free_port(), folder / f"{name}.log")


def report(bot: RunningBot, fake: FakeSlack) -> str:
    slack = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url")
    reply = slack.submit("report_concern", report_values(), "USTAFF70")
    return json.dumps(reply.json()["view"]).split("*")[1]


def nudges(fake: FakeSlack, reference: str) -> list[float]:
    return [
        c.at
        for c in fake.of("chat.postMessage", channel=CHANNEL)
        if reference in c.params["text"] and "has waited" in c.params["text"]
    ]


def test_one_nudge_on_time(own_slack: FakeSlack, database: str, tmp_path: Path) -> None:
    bot = start(own_slack, database, tmp_path, "bot", SCHEDULER_SCAN_SECONDS="600")  # only the wake-up can do it
    try:
        reference = report(bot, own_slack)
        reported = time.time()
        card = own_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and reference in p["text"])[0]
        nudge = own_slack.wait_for("chat.postMessage", lambda p: reference in p["text"] and "has waited" in p["text"])
        assert nudge[0].params["thread_ts"] == card.response["ts"]  # a reply in the post's thread
        delay = nudge[0].at - reported
        assert delay >= 1.5 and delay <= 6, delay  # due after 2 s: sent within seconds of it, not before
        time.sleep(2)
        assert len(nudges(own_slack, reference)) == 1
    finally:
        bot.stop()


def test_one_nudge_after_a_stop_while_it_fell_due(own_slack: FakeSlack, database: str, tmp_path: Path) -> None:
    first = start(own_slack, database, tmp_path, "first")
    reference = report(first, own_slack)
    first.stop()  # at once: the nudge falls due while nothing runs
    time.sleep(3)
    assert nudges(own_slack, reference) == []
    second = start(own_slack, database, tmp_path, "second")
    try:
        own_slack.wait_for("chat.postMessage", lambda p: reference in p["text"] and "has waited" in p["text"])
        time.sleep(2)
        assert len(nudges(own_slack, reference)) == 1
    finally:
        second.stop()


def test_two_processes_send_each_nudge_once(own_slack: FakeSlack, database: str, tmp_path: Path) -> None:
    # Both scan every second as well as waking at the due time: they race for every nudge.
    one = start(own_slack, database, tmp_path, "one", SCHEDULER_SCAN_SECONDS="1")
    two = start(own_slack, database, tmp_path, "two", SCHEDULER_SCAN_SECONDS="1")
    try:
        references = [report(one, own_slack), report(two, own_slack), report(one, own_slack)]
        for reference in references:
            own_slack.wait_for("chat.postMessage", lambda p, r=reference: r in p["text"] and "has waited" in p["text"])
        time.sleep(2)
        assert [len(nudges(own_slack, r)) for r in references] == [1, 1, 1]
    finally:
        one.stop()
        two.stop()


def test_new_settings_apply_after_a_restart(own_slack: FakeSlack, database: str, tmp_path: Path) -> None:
    slow = start(own_slack, database, tmp_path, "slow", ACK_NUDGE_AFTER="1h")
    reference = report(slow, own_slack)
    slow.stop()
    quick = start(own_slack, database, tmp_path, "quick", ACK_NUDGE_AFTER="2s", SCHEDULER_SCAN_SECONDS="600")
    try:  # the due time stored an hour ahead is derived again from the stored state with the new setting
        own_slack.wait_for(
            "chat.postMessage", lambda p: reference in p["text"] and "has waited" in p["text"], timeout=8
        )
    finally:
        quick.stop()
