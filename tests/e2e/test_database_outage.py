"""PostgreSQL going away just after Slack took a post, as in a database restart: every connection the bot holds is
cut and new ones are refused for a while. The write of "sent" is tried again (or, when the database stays away past
those tries, the post is found in Slack by its metadata): one post, one receipt, and the post still answers its
buttons. PostgreSQL only (POLICYBOT_TEST_DATABASE_URL); SQLite is a file the bot cannot lose this way."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from tests.conftest import CHANNEL, LEADERS, SIGNING_SECRET, RunningBot, bot_environment, free_port, school_engine
from tests.slack_driver import SlackDriver, report_values

pytestmark = pytest.mark.skipif(
    not os.environ.get("POLICYBOT_TEST_DATABASE_URL"), reason="needs PostgreSQL (POLICYBOT_TEST_DATABASE_URL)"
)


def cut_off(url: str, refused: bool) -> None:
    """Refuse (or allow again) new connections to the bot's database, and cut every one it has."""
    name = make_url(url).database
    admin = create_engine(os.environ["POLICYBOT_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if refused else "true"}'))
        if refused:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
    admin.dispose()


@pytest.mark.parametrize("away_seconds", [2.5, 8.0], ids=["back-within-the-retries", "away-past-the-retries"])
def test_the_database_going_away_after_a_post_neither_loses_nor_doubles_it(
    own_slack: LocalSlack, database: str, tmp_path: Path, away_seconds: float
) -> None:
    fake = own_slack
    bot = RunningBot(bot_environment(fake, database), free_port(), tmp_path / "bot.log")
    slack = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url")
    view_id = f"VOUTAGE{int(away_seconds)}"
    try:
        mark = fake.mark()
        held = threading.Event()
        post = fake.fail("chat.postMessage", 200, error="", hold=held, when=lambda p: p["channel"] == CHANNEL)
        assert slack.submit("report_concern", report_values(), "UOUTAGE", view_id=view_id).status == 200
        assert post.reached.wait(10), "the post never reached Slack"
        cut_off(database, refused=True)  # Slack has the post; the bot's database goes away before it hears so
        held.set()
        time.sleep(away_seconds)  # the outage itself: how long the database stays away is what is being tested
        cut_off(database, refused=False)
        store = ConcernStore(school_engine(database))
        concern = store.by_submission_key(view_id)
        assert concern is not None and concern.id is not None
        [receipt] = fake.wait_for("chat.postMessage", lambda p: p["channel"] == "UOUTAGE", after=mark, timeout=30)
        assert concern.reference in receipt.params["text"]
        bot.one_delivery_pass(timeout=30)  # anything late, or twice, has been sent by now
        assert len([m for m in fake.visible(CHANNEL) if concern.reference in m.text]) == 1
        assert len([m for m in fake.visible("UOUTAGE") if concern.reference in m.text]) == 1
        # The post's ts was recorded: Acknowledge redraws that one post rather than a copy.
        clicked = fake.mark()
        assert slack.click("concern_acknowledge", f"{concern.id}:1", LEADERS[0]).status == 200
        [redraw] = fake.wait_for("chat.update", lambda p: concern.reference in p["text"], after=clicked, timeout=15)
        [posted] = [m for m in fake.visible(CHANNEL) if concern.reference in m.text]
        assert redraw.params["ts"] == posted.ts and "acknowledged" in posted.text
    finally:
        cut_off(database, refused=False)
        bot.stop()
