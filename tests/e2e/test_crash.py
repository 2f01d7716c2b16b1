"""The bot killed mid-delivery (SIGKILL to its process group, no shutdown) while Slack is down, in a burst of 20
reports taken by two bot processes on one database, one post's answer on its way from Slack at the moment of the
kill. After Slack recovers and the bot restarts, every concern is stored, posted and receipted exactly once, within
30 s: the claims the dead processes held lapse in seconds, and the post whose answer was lost is found in Slack by
its metadata instead of being posted again."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from tests.conftest import (
    CHANNEL,
    SIGNING_SECRET,
    RunningBot,
    bot_environment,
    free_port,
    school_engine,
)
from tests.slack_driver import SlackDriver, report_values

BURST = 20
RECOVERY = 30  # seconds from Slack recovering to everything delivered


@pytest.fixture
def slack_down(own_slack: LocalSlack) -> LocalSlack:
    return own_slack


def start(fake: LocalSlack, database: str, log: Path, **env: str) -> RunningBot:
    return RunningBot(bot_environment(fake, database, **env), free_port(), log)


def test_a_burst_survives_the_bot_killed_mid_delivery_while_slack_is_down(
    slack_down: LocalSlack, database: str, tmp_path: Path
) -> None:
    fake = slack_down
    # The first post's answer is held (Slack has it and will do it); every other post and receipt fails with 500.
    held = threading.Event()
    in_flight = fake.fail("chat.postMessage", 200, error="", times=1, hold=held, when=lambda p: p["channel"] == CHANNEL)
    fake.fail("chat.postMessage", 500, times=10**6)
    bots = [start(fake, database, tmp_path / f"bot{n}.log") for n in range(2)]
    drivers = [SlackDriver(b.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url") for b in bots]
    try:
        replies: list[int] = []

        def report(n: int) -> None:
            reply = drivers[n % 2].submit("report_concern", report_values(), f"UCRASH{n:02d}", view_id=f"VCRASH{n}")
            replies.append(reply.status)

        threads = [threading.Thread(target=report, args=(n,)) for n in range(BURST)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert replies == [200] * BURST  # every reporter saw "stored"
        assert in_flight.reached.wait(10), "no post reached Slack"
        deadline = time.monotonic() + 10
        failed = lambda: [c for c in fake.of("chat.postMessage") if not c.response.get("ok")]  # noqa: E731
        while len(failed()) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)  # tries are failing: the bot is mid-delivery
        assert len(failed()) >= 10, "the bot was not trying to deliver"
    finally:
        for running in bots:
            running.kill()
    held.set()  # the held post lands now, its answer going to a process that is gone
    time.sleep(0.2)
    fake.recover()
    recovered = time.monotonic()
    # The claims the dead processes held run 15 s (storage.outbox.LEASE): rather than wait them out, the restarted bot's
    # clock runs that far ahead (the rehearsal clock, POLICYBOT_CLOCK_FILE), as if it had been restarted then.
    later = tmp_path / "clock"
    later.write_text("16\n")
    restarted = start(fake, database, tmp_path / "restarted.log", POLICYBOT_CLOCK_FILE=str(later))
    try:
        store = ConcernStore(school_engine(database))
        references: dict[str, str] = {}
        while time.monotonic() - recovered < RECOVERY:
            concerns = [store.by_submission_key(f"VCRASH{n}") for n in range(BURST)]
            references = {c.reference: c.reporter_id for c in concerns if c is not None}
            posted = {m.text.split(":")[0].split()[-1] for m in fake.visible(CHANNEL)}
            receipted = {r for r in references.values() if fake.visible(r)}
            if len(references) == BURST and set(references) <= posted and len(receipted) == BURST:
                break
            time.sleep(0.2)
        took = time.monotonic() - recovered
        assert len(references) == BURST, "a report was lost"
        restarted.one_delivery_pass(timeout=10)  # anything late, or twice, has been sent by now
        for reference, reporter in references.items():
            posts = [m for m in fake.visible(CHANNEL) if reference in m.text]
            assert len(posts) == 1, (reference, len(posts), took)
            receipts = [m for m in fake.visible(reporter) if reference in m.text]
            assert len(receipts) == 1, (reference, len(receipts), took)
        print(f"delivered {took:.1f} s after Slack recovered")
        assert took < RECOVERY
    finally:
        restarted.stop()
