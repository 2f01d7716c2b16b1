"""HTTP mode's processes (bot/supervisor.py): the workers answer while the background process sends; a ring of the
bell made while the background process is stuck is not lost; the bot stops as a whole, cleanly on SIGTERM and with
an error when its background process dies."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.slack import LocalSlack
from tests.conftest import CHANNEL, SIGNING_SECRET, RunningBot, bot_environment, free_port, new_database_url
from tests.slack_driver import SlackDriver, report_values


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except OSError:
            continue
    return found


def background_pid(bot: RunningBot) -> int:
    """Of the supervisor's two children, gunicorn's master has a worker under it; the background process has none."""
    [pid] = [child for child in children(bot.process.pid) if not children(child)]
    return pid


def stop_between_writes(bot: RunningBot, pid: int) -> None:
    """SIGSTOP the process at a moment it holds no write on the database: a sender stuck mid-write on SQLite would
    hold the one write lock, and every request would wait for it (what this test is not about). On PostgreSQL a
    stuck transaction holds only its own rows, so any moment will do."""
    url = bot.env["DATABASE_URL"]
    for _ in range(100):
        os.kill(pid, signal.SIGSTOP)
        if not url.startswith("sqlite"):
            return
        probe = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.1, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return
        except sqlite3.OperationalError:  # locked: it was writing; let it finish and stop it again
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.02)
        finally:
            probe.close()
    raise AssertionError("the background process was always writing")


def group_is_gone(pgid: int) -> bool:
    """No process of the group is alive (a zombie waiting for whoever adopted it to reap it is not alive)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return False
    return True


@pytest.fixture
def own_bot(own_slack: LocalSlack, tmp_path: Path) -> Iterator[RunningBot]:
    for url in new_database_url(tmp_path, "processes"):
        running = RunningBot(bot_environment(own_slack, url), free_port(), tmp_path / "bot.log")
        try:
            yield running
        finally:
            if running.process.poll() is None:
                running.kill()


def test_the_workers_answer_while_the_sender_is_stuck_and_what_they_rang_for_goes_when_it_resumes(
    own_bot: RunningBot, own_slack: LocalSlack
) -> None:
    fake_slack = own_slack
    slack = SlackDriver(own_bot.url + "/slack/events", SIGNING_SECRET, fake_slack.api_url + "response_url")
    background = background_pid(own_bot)
    mark = fake_slack.mark()
    stop_between_writes(own_bot, background)
    try:
        reply = slack.submit("report_concern", report_values(), "UPROC01", view_id="VPROC01")
        assert reply.status == 200 and reply.json()["response_action"] == "update"  # "stored", with nobody sending
        with pytest.raises(AssertionError):  # the worker itself sends nothing (an absence: given a second to show)
            fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "UPROC01", after=mark, timeout=1)
    finally:
        os.kill(background, signal.SIGCONT)
    [receipt] = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == "UPROC01", after=mark, timeout=5)
    [reference] = re.findall(r"SMP-\d{4}-\d{4}", receipt.params["text"])
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and reference in p["text"], after=mark)
    own_bot.one_delivery_pass()  # anything sent twice has been sent by now
    assert len([m for m in fake_slack.visible(CHANNEL) if reference in m.text]) == 1
    assert len([m for m in fake_slack.visible("UPROC01") if reference in m.text]) == 1


def test_sigterm_stops_every_process_of_the_bot_cleanly(own_bot: RunningBot) -> None:
    pgid = own_bot.process.pid
    own_bot.process.send_signal(signal.SIGTERM)
    assert own_bot.process.wait(timeout=20) == 0, own_bot.output()
    deadline = time.monotonic() + 10
    while not group_is_gone(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_is_gone(pgid), "a worker or the background process outlived the bot"
    said = own_bot.output()
    assert "Traceback" not in said
    lines = [line for line in said.splitlines() if " policybot: " in line]
    assert lines[-1].endswith("INFO policybot: policybot stopped")  # its last word, for whoever reads the log
    assert re.search(r"\] access GET /healthz 200 \d+ \d+ms$", said, re.M)  # an access log: no query, no body
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} INFO ", line) for line in lines)


def test_the_background_process_dying_stops_the_whole_bot_with_an_error(own_bot: RunningBot) -> None:
    os.kill(background_pid(own_bot), signal.SIGKILL)
    try:
        code = own_bot.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("the bot went on answering Slack with nobody sending")
    assert code == 1
    assert "the background process ended" in own_bot.output()
    with pytest.raises(OSError):
        own_bot.one_delivery_pass(timeout=1)  # nothing answers on its port any more


def test_the_supervisor_killed_alone_takes_gunicorn_and_the_background_process_with_it(own_bot: RunningBot) -> None:
    pgid = own_bot.process.pid
    os.kill(own_bot.process.pid, signal.SIGKILL)
    own_bot.process.wait()
    deadline = time.monotonic() + 20
    while not group_is_gone(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_is_gone(pgid), "gunicorn or the background process outlived the supervisor"
