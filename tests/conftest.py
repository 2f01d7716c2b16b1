"""Shared fixtures: the database the suite runs on (SQLite, or PostgreSQL when POLICYBOT_TEST_DATABASE_URL is set),
the fake Slack Web API, and one running policybot HTTP server for all end-to-end tests. And what every kind of test
shares (the benchmarks too): the moment the unit tests are set at, the school's time zone and people, a fresh
database, a free port, the running bot's environment."""

from __future__ import annotations

import atexit
import contextlib
import csv
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from flows.permissions import People, RecordKind
from sandbox.run import healthy
from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from storage.db import make_engine, upgrade
from storage.models import State
from storage.outbox import OutboxStore
from storage.outbox_messages import post_key
from storage.schools import settings_school
from tests.slack_driver import SlackDriver

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "test-signing-secret"

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # when the unit tests happen: a Wednesday in term time
LONDON = ZoneInfo("Europe/London")  # the school's time zone
TODAY = NOW.astimezone(LONDON).date()  # the school's date then
# The school's people in the unit tests (the running bot's are below).
PEOPLE = People(frozenset({"UL1", "UL2"}), frozenset({"UDSL"}), "UHEAD", "UCHAIR", governors=frozenset({"UGOV"}))

# The school the running bot is configured for (bot_environment).
LEADERS = ("ULEAD1", "ULEAD2")
SAFEGUARDING_LEAD = "UDSL1"
HEADTEACHER = "UHEAD1"
CHAIR = "UCHAIR1"
GOVERNOR = "UGOV1"
CHANNEL = "CLEADERS1"
PA = "UPA1"  # in the leadership channel (minutes, diary) without being a leader

T = TypeVar("T")


def new_database_url(tmp_dir: Path, name: str, template: str | None = None) -> Iterator[str]:
    """A fresh, empty database: a file in tmp_dir, or a new database on the PostgreSQL test server (a copy of the
    database `template` there, when given)."""
    server = os.environ.get("POLICYBOT_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_dir / (name + '.db')}"
        return
    database = f"policybot_{name}_{uuid.uuid4().hex[:8]}"
    with _admin(server) as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield make_url(server).set(database=database).render_as_string(hide_password=False)
    finally:
        _drop(server, database)


_MIGRATED: dict[str, str] = {}  # this process's migrated template database, by the server it is on ("" for SQLite)


def migrated_database_url(tmp_dir: Path, name: str) -> Iterator[str]:
    """A fresh database at the newest migration: a copy of one this process migrated once (a migration costs a third
    of a second of a core, and the suite wants hundreds); the migrations themselves are tested on their own."""
    server = os.environ.get("POLICYBOT_TEST_DATABASE_URL", "")
    if server not in _MIGRATED:
        _MIGRATED[server] = _migrated_template(server)
    template = _MIGRATED[server]
    for url in new_database_url(tmp_dir, name, template=template):
        if not server:
            with sqlite3.connect(template) as source, sqlite3.connect(make_url(url).database or "") as copy:
                source.backup(copy)
        yield url


def _migrated_template(server: str) -> str:
    """The template: a SQLite file (its path), or a database on the PostgreSQL server (its name), migrated."""
    if not server:
        folder = Path(tempfile.mkdtemp(prefix="policybot-template-"))
        atexit.register(shutil.rmtree, folder, True)
        upgrade(f"sqlite:///{folder / 'template.db'}")
        return str(folder / "template.db")
    name = f"policybot_template_{uuid.uuid4().hex[:8]}"
    with _admin(server) as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(make_url(server).set(database=name).render_as_string(hide_password=False))
    atexit.register(_drop, server, name)
    return name


def _admin(server: str) -> contextlib.closing[Connection]:
    return contextlib.closing(create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool).connect())


def _drop(server: str, name: str) -> None:
    with _admin(server) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def school_engine(url: str) -> Engine:
    """A migrated database's engine, for the one school run from the settings (as the bot opens it)."""
    return settings_school(make_engine(url))


def school_slack() -> LocalSlack:
    """A fake Slack with the school's leadership channel and its members, and everyone the settings name."""
    fake = LocalSlack(
        channels={CHANNEL: {"is_private": True, "is_member": True, "name": "leadership"}},
        members={CHANNEL: [*LEADERS, SAFEGUARDING_LEAD, HEADTEACHER, PA, "UPOLICYBOT"]},
    )
    for person in (*LEADERS, SAFEGUARDING_LEAD, HEADTEACHER, CHAIR, GOVERNOR, PA):
        fake.workspace.people.setdefault(person, {"name": f"Person {person}"})
    return fake


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[LocalSlack]:
    fake = school_slack()
    yield fake
    fake.close()
    assert not fake.invalid, f"Slack would have refused: {fake.invalid}"


@pytest.fixture
def own_slack() -> Iterator[LocalSlack]:
    """A fake Slack of the test's own, for a test that starts a bot on a database of its own (whose references
    would repeat the shared bot's)."""
    fake = school_slack()
    yield fake
    fake.close_now()
    assert not fake.invalid, f"Slack would have refused: {fake.invalid}"


def wait_until(what: str, probe: Callable[[], T | None], timeout: float = 10) -> T:
    """What `probe` gives once it gives something (anything but None, False or empty), asked every 20 ms; an
    AssertionError saying `what` was not seen if it gives nothing for `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen in {timeout} s: {what}")
        time.sleep(0.02)
    return found


def posted(engine: Engine, kind: RecordKind, record_id: int) -> tuple[str, str] | None:
    """A record's post as Slack has it (its conversation and ts), from the outbox; None until it is sent."""
    row = OutboxStore(engine).target(post_key(kind, record_id))
    if row is None or row.state is not State.SENT or not row.sent_channel or not row.sent_ts:
        return None
    return row.sent_channel, row.sent_ts


def csv_rows(text: str) -> list[dict[str, str]]:
    """An exported CSV's rows, as Excel reads it: it must begin with the UTF-8 byte-order mark."""
    assert text.startswith("\ufeff"), "an exported CSV begins with a byte-order mark"
    return list(csv.DictReader(io.StringIO(text[1:])))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_environment(**extra: str) -> dict[str, str]:
    """This environment without any policybot setting, and no .env file."""
    names = ("SAFEGUARDING_LEAD_IDS", "HEADTEACHER_ID", "CHAIR_OF_GOVERNORS_ID", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADERSHIP_", "POLICYBOT_"))}
    env = {k: v for k, v in env.items() if k not in names}
    return {**env, "POLICYBOT_ENV_FILE": os.devnull, **extra}


def bot_environment(fake: LocalSlack, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a bot on this fake Slack and database, for the school above."""
    settings = {
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "LEADERSHIP_CHANNEL_ID": CHANNEL,
        "LEADERSHIP_USER_IDS": ",".join(LEADERS),
        "SAFEGUARDING_LEAD_IDS": SAFEGUARDING_LEAD,
        "HEADTEACHER_ID": HEADTEACHER,
        "CHAIR_OF_GOVERNORS_ID": CHAIR,
        "GOVERNOR_USER_IDS": f"{CHAIR},{GOVERNOR}",
        "DELIVERY_RETRY_SECONDS": "0.25",  # the outbox's longest wait between two tries (a school keeps 60)
        "SLACK_TIMEOUT_SECONDS": "1",  # an answer slower than this is a fault the tests make
    }
    return base_environment(**{**settings, **extra})


def policybot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The policybot command, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


class RunningBot:
    """`policybot serve --http` in a subprocess, its output in a log file the tests can read."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path, command: list[str] | None = None) -> None:
        """`command` runs another server the same way (the benchmark's bare Bolt app); it must answer /healthz."""
        self.port = port
        self.env = env
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        command = command or [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        with open(log_path, "w") as log_file:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_healthy()

    def output(self) -> str:
        return self.log_path.read_text()

    def _wait_healthy(self, timeout: float = 30) -> None:
        ready = healthy(self.process, self.url, timeout)
        if ready == "exited":
            raise RuntimeError(f"policybot exited with {self.process.returncode}:\n{self.output()}")
        if ready == "late":
            self.stop()
            raise RuntimeError("policybot did not become healthy in time")

    def one_delivery_pass(self, timeout: float = 10) -> None:
        """Wait until the bot's delivery job has begun and finished a whole pass after this moment (it reports its
        last pass on /healthz): anything it would send late, twice, has been sent by then."""
        since = datetime.now(UTC)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                last = json.loads(response.read()).get("delivery_pass_at")
            if last is not None and datetime.fromisoformat(last) > since:
                return
            time.sleep(0.05)
        raise AssertionError("the delivery job did not finish a pass in time")

    def kill(self) -> None:
        """SIGKILL the bot's whole process group: no shutdown, no cleanup, whatever it was doing."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.output()


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from new_database_url(tmp_path_factory.mktemp("e2e"), "e2e")


@pytest.fixture(scope="session")
def bot(fake_slack: LocalSlack, e2e_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    log_path = tmp_path_factory.mktemp("bot") / "policybot.log"
    running = RunningBot(bot_environment(fake_slack, e2e_database), free_port(), log_path)
    yield running
    output = running.stop()
    if "Traceback" in output:
        print(output)


@pytest.fixture(scope="session")
def store(bot: RunningBot, e2e_database: str) -> ConcernStore:
    return ConcernStore(school_engine(e2e_database))


@pytest.fixture(scope="session")
def slack(bot: RunningBot, fake_slack: LocalSlack) -> SlackDriver:
    return SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, fake_slack.api_url + "response_url")
