"""Nudges as running bots send them: on time, once; once after a stop while the nudge fell due; once with two
processes on one database (PostgreSQL in CI).

No fixed sleeps: "once" is checked when the database shows the pass that sent the nudge has finished with it (the
nudge counted, its claim released and the next one a day away), so no pass can send it again while the test runs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from storage.db import upgrade
from storage.models import Concern
from tests.conftest import (
    CHANNEL,
    LEADERS,
    SIGNING_SECRET,
    RunningBot,
    bot_environment,
    free_port,
    school_engine,
    wait_until,
)
from tests.slack_driver import SlackDriver, report_values

FAST = {
    "ACK_NUDGE_AFTER": "2s",
    "NUDGE_REPEAT_EVERY": "1d",
    "WORKING_HOURS": "Mon-Sun 00:00-24:00",
}
REPEAT = timedelta(days=1)  # NUDGE_REPEAT_EVERY: the next nudge is never within a test's reach


@pytest.fixture
def own_slack() -> Iterator[LocalSlack]:
    fake = LocalSlack(channels={CHANNEL: {"is_private": True, "is_member": True}}, members={CHANNEL: list(LEADERS)})
    yield fake
    fake.close_now()


@pytest.fixture
def rows(database: str) -> Iterator[ConcernStore]:
    """The bots' database as the test reads it (made here: the bots find it current)."""
    upgrade(database)
    engine = school_engine(database)
    yield ConcernStore(engine)
    engine.dispose()


def start(fake: LocalSlack, url: str, folder: Path, name: str, **env: str) -> RunningBot:
    return RunningBot(bot_environment(fake, url, **{**FAST, **env}), free_port(), folder / f"{name}.log")


def start_together(fake: LocalSlack, url: str, folder: Path, names: list[str], **env: str) -> list[RunningBot]:
    """Processes started side by side, as a deployment starts them once the schema is upgraded (each one's own
    upgrade then has nothing to do)."""
    upgrade(url)
    with ThreadPoolExecutor(len(names)) as pool:
        starting = [pool.submit(start, fake, url, folder, name, **env) for name in names]
    bots = [s.result() for s in starting if s.exception() is None]
    if len(bots) < len(names):
        stop(*bots)
        raise next(e for s in starting if (e := s.exception()) is not None)
    return bots


def stop(*bots: RunningBot) -> None:
    """Stop them side by side: each waits for gunicorn's graceful stop."""
    with ThreadPoolExecutor(max(1, len(bots))) as pool:
        list(pool.map(RunningBot.stop, bots))


def report(bot: RunningBot, fake: LocalSlack) -> str:
    slack = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url")
    reply = slack.submit("report_concern", report_values(), "USTAFF70")
    return json.dumps(reply.json()["view"]).split("*")[1]


def nudges(fake: LocalSlack, reference: str) -> list[float]:
    return [
        c.at
        for c in fake.of("chat.postMessage", channel=CHANNEL)
        if reference in c.params["text"] and "has waited" in c.params["text"]
    ]


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite's naive times are UTC


def assert_nudged_once(rows: ConcernStore, fake: LocalSlack, reference: str) -> None:
    """One nudge, once the pass that sent it has recorded it: counted, its claim released and the next nudge a day
    on. A pass sends before it records, so all it was going to send is in the fake Slack by then; and with the next
    due time a day away, no later pass (a wake-up or a scan, in any process) finds it due again."""

    def recorded() -> Concern | None:
        sent = len(nudges(fake, reference))
        assert sent <= 1, f"{reference} nudged {sent} times"
        concern = rows.by_reference(reference)
        if concern is None or concern.nudges_sent < 1 or concern.nudge_claimed_until is not None:
            return None
        if concern.next_nudge_at is None or concern.last_nudged_at is None:
            return None
        return concern if concern.next_nudge_at - concern.last_nudged_at >= REPEAT / 2 else None

    concern = wait_until(f"{reference}'s nudge to be recorded and the next one set a day on", recorded)
    assert concern.id is not None and concern.nudges_sent == 1, concern
    assert [e.detail for e in rows.events(concern.id) if e.action == "nudged"] == ["nudge 1"]
    sent = len(nudges(fake, reference))
    assert sent == 1, f"{reference} nudged {sent} times"


def test_one_nudge_on_time(own_slack: LocalSlack, database: str, rows: ConcernStore, tmp_path: Path) -> None:
    bot = start(own_slack, database, tmp_path, "bot", SCHEDULER_SCAN_SECONDS="600")  # only the wake-up can do it
    try:
        reference = report(bot, own_slack)
        reported = time.time()
        card = own_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and reference in p["text"])[0]
        nudge = own_slack.wait_for("chat.postMessage", lambda p: reference in p["text"] and "has waited" in p["text"])
        assert nudge[0].params["thread_ts"] == card.response["ts"]  # a reply in the post's thread
        delay = nudge[0].at - reported
        assert delay >= 1.5 and delay <= 6, delay  # due after 2 s: sent within seconds of it, not before
        assert_nudged_once(rows, own_slack, reference)
    finally:
        bot.stop()


def test_one_nudge_after_a_stop_while_it_fell_due(
    own_slack: LocalSlack, database: str, rows: ConcernStore, tmp_path: Path
) -> None:
    first = start(own_slack, database, tmp_path, "first")
    reference = report(first, own_slack)
    first.stop()  # at once: the nudge falls due while nothing runs
    stored = rows.by_reference(reference)
    assert stored is not None and stored.next_nudge_at is not None
    due = utc(stored.next_nudge_at)
    wait_until("the nudge to fall due", lambda: datetime.now(UTC) >= due or None)
    assert nudges(own_slack, reference) == []
    second = start(own_slack, database, tmp_path, "second")
    try:
        own_slack.wait_for("chat.postMessage", lambda p: reference in p["text"] and "has waited" in p["text"])
        assert_nudged_once(rows, own_slack, reference)
    finally:
        second.stop()


def test_two_processes_send_each_nudge_once(
    own_slack: LocalSlack, database: str, rows: ConcernStore, tmp_path: Path
) -> None:
    # Both scan every second as well as waking at the due time: they race for every nudge. (Due 2 s after the
    # report: time for both to arm a wake-up for the same moment, the tightest race.)
    one, two = start_together(own_slack, database, tmp_path, ["one", "two"], SCHEDULER_SCAN_SECONDS="1")
    try:
        references = [report(bot, own_slack) for bot in (one, two, one, two, one, two)]
        for reference in references:
            own_slack.wait_for("chat.postMessage", lambda p, r=reference: r in p["text"] and "has waited" in p["text"])
        for reference in references:
            assert_nudged_once(rows, own_slack, reference)
    finally:
        stop(one, two)


def test_new_settings_apply_after_a_restart(own_slack: LocalSlack, database: str, tmp_path: Path) -> None:
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
