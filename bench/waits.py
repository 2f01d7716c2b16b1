"""What people wait for: the time from a signed request to the Slack call that shows its result, for policybot and a
bare Bolt app in the same run, the same server shape (gunicorn, 2 workers of 4 threads) and one fake Slack.

    command    /report-concern                  -> its views.open reaches Slack (the form on screen)
    click      Acknowledge on a concern's post   -> the chat.update of that post reaches Slack
    submission a report submitted                -> the leadership post and the receipt have both reached Slack

The bare app does the same Slack calls inline after ack() (bench/bare_app.py). Each scenario runs one request at a
time, then at the given concurrency; the ack (HTTP 200) is measured too. A form whose views.open reaches Slack more
than three seconds after the command was sent did not open: Slack had expired its trigger.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.slack import LocalSlack
from tests.conftest import CHANNEL, SIGNING_SECRET, RunningBot, bot_environment, free_port
from tests.slack_driver import SlackDriver

TRIGGER_SECONDS = 3.0
SHAPE = ("2", "4")  # gunicorn workers, threads per worker: the same for both apps
# The wait's p95 at most this times the bare app's (issue 19), by scenario and mode.
TARGETS = {("command", "sequential"): 1.2, ("command", "concurrent"): 1.5}


def start_policybot(fake: LocalSlack, database_url: str, folder: Path, **env: str) -> RunningBot:
    port = free_port()
    command = [sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", SHAPE[0], "--threads", SHAPE[1]]
    settings = bot_environment(fake, database_url, DELIVERY_RETRY_SECONDS="60", SLACK_TIMEOUT_SECONDS="10", **env)
    return RunningBot(settings, port, folder / "policybot.log", command)


def start_bare(fake: LocalSlack, folder: Path) -> RunningBot:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN=fake.token, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
    env["BARE_CHANNEL"] = CHANNEL
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--workers", SHAPE[0], "--worker-class", "gthread", "--threads", SHAPE[1],
        "--timeout", "30", "--log-level", "warning", "--bind", f"127.0.0.1:{port}", "bench.bare_app:build()",
    ]  # fmt: skip
    return RunningBot(env, port, folder / "bare.log", command)


@dataclass
class Sent:
    """One request: when it left, how long its HTTP 200 took, and what identifies the Slack call that shows it."""

    at: float
    ack_ms: float
    key: object
    shown_ms: float | None = None  # filled by match(); None: never shown


@dataclass
class Batch:
    scenario: str
    mode: str
    app: str
    sent: list[Sent] = field(default_factory=list)

    def waits(self) -> list[float]:
        return sorted(s.shown_ms if s.shown_ms is not None else math.inf for s in self.sent)

    def missed(self) -> int:
        """Forms that never opened: shown later than the trigger's three seconds, or not at all."""
        return sum(s.shown_ms is None or s.shown_ms > TRIGGER_SECONDS * 1000 for s in self.sent)


def cpu_seconds(pid: int) -> dict[int, float]:
    """The processor time (user and system, seconds) each process of `pid`'s tree has used so far, by pid (Linux's
    /proc; a process that has gone counts nothing)."""
    used: dict[int, float] = {}
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in children.read().split():
                    used.update(cpu_seconds(int(child)))
    except OSError:
        pass
    return used


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else math.nan


Request = tuple[SlackDriver, str, object]  # where it goes, the signed body, what identifies its result


def send(requests: Sequence[Request], concurrency: int, shown: Callable[[Sent], list[float]]) -> list[Sent]:
    """Each client posts a request and waits until its result is shown (or TRIGGER_SECONDS * 3 pass) before its
    next, as a person does: `concurrency` such people at once. Requests for both apps may be interleaved, so that
    whatever else the machine is doing falls on both alike."""

    def one(item: Request) -> Sent:
        driver, body, key = item
        started, wall = time.perf_counter(), time.time()
        reply = driver.post(body)
        if reply.status != 200:
            raise AssertionError(f"HTTP {reply.status}: {reply.body[:200]}")
        sent = Sent(wall, (time.perf_counter() - started) * 1000, key)
        deadline = time.monotonic() + 3 * TRIGGER_SECONDS
        while time.monotonic() < deadline:
            found = shown(sent)
            if found:
                sent.shown_ms = (max(found) - sent.at) * 1000
                break
            time.sleep(0.002)
        return sent

    if concurrency <= 1:
        return [one(item) for item in requests]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(one, requests))


def row(batch: Batch, bare: Batch | None) -> str:
    acks = [s.ack_ms for s in batch.sent]
    waits = batch.waits()
    ratio, verdict = "", ""
    if bare is not None:
        value = pct(waits, 95) / pct(bare.waits(), 95)
        ratio = f"{value:.2f}x"
        target = TARGETS.get((batch.scenario, "sequential" if batch.mode == "sequential" else "concurrent"))
        verdict = f"<= {target}x: " + ("met" if value <= target else "**missed**") if target else ""
    missed = str(batch.missed()) if batch.scenario == "command" else ""
    return (
        f"| {batch.scenario} | {batch.mode} | {batch.app} | {pct(acks, 50):.1f} | {pct(acks, 95):.1f} "
        f"| {pct(waits, 50):.1f} | {pct(waits, 95):.1f} | {pct(waits, 99):.1f} | {missed} | {ratio} | {verdict} |"
    )


HEADER = [
    "| scenario | mode | app | ack p50 | ack p95 | shown p50 | shown p95 | shown p99 | forms missed | p95 ratio "
    "| target |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
]
