"""`policybot sandbox` (python -m sandbox): the real bot, started as in production (`policybot serve --http`), against
the sandbox's local Slack, and the page to play the school's people on. Its own database (sandbox.db), clock
(sandbox.clock) and conversations (sandbox.json) in the folder it is started from; the bot's log in sandbox.log.
With --trust, a trust's two schools (sandbox/trust.py), in files of their own (sandbox-trust.db, ...)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

from sandbox import saved, school
from sandbox.driver import SlackDriver
from sandbox.office import Office
from sandbox.page import Page
from sandbox.server import PageServer
from sandbox.slack import LocalSlack
from sandbox.trust import SEED as TRUST

log = logging.getLogger("sandbox")

# Its files' endings, after the seed's stem (sandbox.db; sandbox-trust.db for the trust), in the sandbox's folder;
# REVIEW holds the governors' review date, chosen at the first start (a week ahead).
DATABASE, CONVERSATIONS, CLOCK, BOT_LOG, REVIEW = ".db", ".json", ".clock", ".log", ".review"
READY_SECONDS = 30
STEPS = {"morning": (1, time_of_day(8, 30)), "week": (7, time_of_day(9, 30))}  # days on, and the time then


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="policybot sandbox", description="policybot against a local Slack")
    parser.add_argument("--port", type=int, default=8080, help="the page's port (default 8080)")
    parser.add_argument("--host", default="127.0.0.1", help="where the page listens (default: this machine only)")
    parser.add_argument("--reset", action="store_true", help="start again from an empty school")
    parser.add_argument("--trust", action="store_true", help="a trust's two schools in one workspace")
    parser.add_argument("--because", help=argparse.SUPPRESS)  # `policybot run`: why the sandbox and not the bot
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        sandbox = Sandbox(args.host, args.port, reset=args.reset, trust=args.trust)
    except SandboxError as error:
        print(f"policybot sandbox: {error}", file=sys.stderr)
        return 1
    stopped = threading.Event()  # Ctrl-C stops it from the moment it says so
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    because = f"{args.because}, so this is " if args.because else ""
    print(
        f"policybot: {because}the sandbox, not connected to Slack: open {sandbox.page_server.url} (Ctrl-C stops it; "
        "to connect a real workspace, see 'Connecting to your Slack workspace' in README.md)",
        flush=True,
    )
    while not stopped.wait(1):
        if sandbox.bot.poll() is not None:
            print(f"policybot sandbox: the bot stopped (see {sandbox.file(BOT_LOG)})", file=sys.stderr)
            sandbox.stop()
            return 1
    sandbox.stop()
    return 0


class SandboxError(Exception):
    pass


class Sandbox:
    """The local Slack, the bot against it and the page; `stop()` ends all three."""

    def __init__(
        self, host: str, port: int, *, reset: bool = False, folder: Path = Path("."), trust: bool = False
    ) -> None:
        self.folder = folder
        seed = TRUST if trust else school.SEED
        self.stem = seed.stem
        if reset:
            for ending in (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", CLOCK, CONVERSATIONS, REVIEW):
                self.file(ending).unlink(missing_ok=True)
        self.workspace = seed.workspace()
        saved.load(self.workspace, self.file(CONVERSATIONS))
        self._saving = threading.Event()
        self.slack = LocalSlack(token=school.TOKEN, workspace=self.workspace)
        secret = school.new_signing_secret()
        bot_port = _free_port()
        self.bot_url = f"http://127.0.0.1:{bot_port}"
        events, replies = self.bot_url + "/slack/events", self.slack.api_url + "response_url"
        driver = SlackDriver(events, secret, replies, team=self.workspace.team_id)
        database = f"sqlite:///{self.file(DATABASE).resolve()}"
        env = school.bot_environment(self.slack.api_url, database, secret, self._review_on(), seed.settings(folder))
        env["POLICYBOT_CLOCK_FILE"] = str(self.file(CLOCK).resolve())
        try:
            page = Page(self.workspace, driver, seed.groups)
            self.page_server = PageServer(page, host, port, self.advance, self.offset, Office(env))
        except OSError as error:
            self.slack.close()
            raise SandboxError(f"cannot listen on {host}:{port} ({error.strerror}); try --port") from None
        command = [sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(bot_port)]
        root = Path(__file__).resolve().parent.parent
        with open(self.file(BOT_LOG), "a") as bot_log:
            self.bot = subprocess.Popen(
                command, cwd=root, env=env, stdout=bot_log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self._wait_for_bot()
        except SandboxError:
            self.page_server.http.server_close()
            self.slack.close()
            raise
        self.page_server.start()
        self._saver = saved.keep_saving(self.workspace, self.file(CONVERSATIONS), self._saving)

    def file(self, ending: str) -> Path:
        """One of the sandbox's files in its folder: its seed's stem with `ending` (sandbox.db, sandbox-trust.db)."""
        return self.folder / (self.stem + ending)

    def advance(self, step: str) -> dict[str, Any]:
        """Move the bot's clock forward by one of the page's steps (moved()); what then falls due goes at once."""
        real = datetime.now(school.ZONE)
        offset = (moved(real + timedelta(seconds=self.offset()), step) - real).total_seconds()
        written = self.file(CLOCK + ".new")
        written.write_text(f"{offset}\n")
        written.replace(self.file(CLOCK))  # at once: the bot never reads a half-written file
        return {"offset_seconds": offset}

    def _review_on(self) -> date:
        """The review date the school was started with (a week after the first start), kept across restarts."""
        path = self.file(REVIEW)
        try:
            return date.fromisoformat(path.read_text().strip())
        except (OSError, ValueError):
            review_on = date.today() + timedelta(days=7)
            path.write_text(review_on.isoformat() + "\n")
            return review_on

    def offset(self) -> float:
        try:
            return float(self.file(CLOCK).read_text().strip() or 0)
        except (OSError, ValueError):
            return 0.0

    def _wait_for_bot(self) -> None:
        ready = healthy(self.bot, self.bot_url, READY_SECONDS)
        if ready is None:
            return
        if ready == "exited":
            raise SandboxError(f"the bot did not start (see {self.file(BOT_LOG)})")
        self.stop_bot()
        raise SandboxError(f"the bot did not become ready in {READY_SECONDS} s (see {self.file(BOT_LOG)})")

    def stop_bot(self) -> None:
        if self.bot.poll() is None:
            self.bot.terminate()
            try:
                self.bot.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.bot.pid, signal.SIGKILL)
                self.bot.wait()

    def stop(self) -> None:
        self.stop_bot()
        self.page_server.stop()
        self.slack.close()
        self._saving.set()
        self._saver.join(10)


def healthy(process: subprocess.Popen[Any], url: str, timeout: float) -> str | None:
    """Wait until a started bot answers GET /healthz with 200: None then; "exited" if it stopped first, "late" if the
    time ran out (the tests start their bots with this too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return "exited"
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return None
        except OSError:
            time.sleep(0.1)
    return "late"


def moved(now: datetime, step: str) -> datetime:
    """The school's time after a step of the page: "hour" (an hour later), "morning" (half past eight the next
    morning) or "week" (half past nine a week later, when the day's reminders have gone)."""
    if step == "hour":
        return now + timedelta(hours=1)
    days, at = STEPS[step]  # KeyError: not a step
    return datetime.combine(now.date() + timedelta(days=days), at, school.ZONE)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
