"""HTTP latency of policybot against a bare Bolt app, for the two requests people wait on.

    .venv/bin/python -m bench.latency [--requests 200] [--concurrency 8] [--warmup 10]

Both apps run as subprocesses served the same way (gunicorn, 1 worker, gthread, 8 threads, Bolt's WSGI adapter;
policybot's sender and nudges in a background process beside it, as in production)
against one local fake Slack Web API (sandbox/slack.py), and are driven with signed requests exactly as Slack
sends them (tests/slack_driver.py):

* command: POST /report-concern until its HTTP 200. Afterwards every command must have produced a views.open.
* click:   POST a block_actions click on concern_acknowledge (value "<concern_id>:1", by a leader) until its
           HTTP 200. For policybot each click gets its own concern, reported through the real modal submission
           beforehand and delivered (status new, version 1), so that every click really acknowledges it.
           Afterwards every click must have produced a chat.update and a chat.postMessage.

Each scenario runs sequentially and then at the given concurrency (a thread pool), after a few warm-up requests
that are not counted, and waits for the app's background Slack calls to finish before the next one starts.
The table goes to stdout and to bench/results/latency.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench.bare_app import BARE_VIEW
from flows.permissions import RecordKind
from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from storage.db import make_engine
from storage.schools import settings_school
from tests.conftest import (
    CHANNEL,
    LEADERS,
    ROOT,
    SIGNING_SECRET,
    RunningBot,
    bot_environment,
    free_port,
    posted,
)
from tests.slack_driver import SlackDriver, report_values

RESULTS = ROOT / "bench" / "results" / "latency.md"
REPORTER = "USTAFF77"
# policybot's p95 at most this times the bare app's, by scenario and mode (issue 9's targets): one request at a time
# it must answer in half the bare app's time (no poll for ack); under load, commands no slower and clicks (which do
# more work: the command path and the outbox) at most half as slow again.
P95_RATIO_TARGETS = {("command", "sequential"): 0.5, ("click", "sequential"): 0.5, ("command", "concurrent"): 1.0}
P95_RATIO_TARGETS[("click", "concurrent")] = 1.5


# --- the bare app, as a subprocess --------------------------------------------------------------------------------


def start_bare_app(fake: LocalSlack, port: int, log_path: Path) -> RunningBot:
    """bench/bare_app.py under gunicorn with policybot's worker settings (bot/server.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN=fake.token, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.api_url)
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", "1", "--worker-class", "gthread", "--threads", "8",
        "--timeout", "30", "--graceful-timeout", "10", "--log-level", "warning",
        "--bind", f"127.0.0.1:{port}",
        "bench.bare_app:build()",
    ]  # fmt: skip
    return RunningBot(env, port, log_path, command)


# --- the app's CPU time ------------------------------------------------------------------------------------------


def process_tree(root_pid: int) -> list[int]:
    """The app's processes: the one started and all its descendants (gunicorn's master and worker; for policybot
    also its supervisor and background process), read from Linux /proc; [] where /proc is missing."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
    tree = [root_pid] if root_pid in parents else []
    for pid in tree:  # grows while it is walked: breadth first
        tree.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (all their threads), or NaN when it cannot be read."""
    if not pids:
        return math.nan
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# --- measuring ----------------------------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: str  # "command" or "click"
    mode: str  # "sequential" or "concurrency N"
    app: str  # "policybot" or "bare"
    millis: list[float]
    wall: float  # seconds for the whole batch
    cpu_ms: float  # the CPU of all the app's processes per request, background work included (ms)

    def pct(self, p: float) -> float:
        ordered = sorted(self.millis)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def throughput(self) -> float:
        return len(self.millis) / self.wall if self.wall else 0.0


def timed_post(slack: SlackDriver, body: str) -> float:
    started = time.perf_counter()
    reply = slack.post(body)
    elapsed = (time.perf_counter() - started) * 1000
    if reply.status != 200:
        raise AssertionError(f"HTTP {reply.status}: {reply.body[:200]}")
    return elapsed


def run_batch(slack: SlackDriver, bodies: list[str], concurrency: int) -> tuple[list[float], float]:
    started = time.perf_counter()
    if concurrency <= 1:
        millis = [timed_post(slack, body) for body in bodies]
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            millis = list(pool.map(lambda body: timed_post(slack, body), bodies))
    return millis, time.perf_counter() - started


def settle(fake: LocalSlack, expected: dict[str, int], what: str, timeout: float = 60) -> None:
    """Wait until the fake has seen at least `expected[method]` calls of each method (the background work)."""
    for method, count in expected.items():
        try:
            fake.wait_for(method, count=count, timeout=timeout)
        except AssertionError:
            seen = len(fake.of(method))
            raise AssertionError(f"{what}: expected {count} {method} calls in all, saw {seen}") from None


def command_body(slack: SlackDriver, _i: int) -> str:
    return slack.command_body("/report-concern", REPORTER)


def click_body(slack: SlackDriver, concern_ids: list[int], i: int) -> str:
    """Acknowledge, by a leader, of the i-th concern at version 1 (its post is in the leadership channel)."""
    return slack.action_body("concern_acknowledge", f"{concern_ids[i]}:1", LEADERS[0], channel=CHANNEL)


def views_opened(fake: LocalSlack, callback_id: str) -> int:
    return sum(call.params["view"].get("callback_id") == callback_id for call in fake.of("views.open"))


def counts(fake: LocalSlack, *methods: str) -> dict[str, int]:
    return {method: len(fake.of(method)) for method in methods}


# --- concerns to click on -----------------------------------------------------------------------------------------


def report_concerns(slack: SlackDriver, store: ConcernStore, fake: LocalSlack, n: int) -> list[int]:
    """n new concerns reported through the modal, each delivered (posted with its buttons) and at version 1."""
    posted_before = len(fake.of("chat.postMessage", channel=CHANNEL))

    def one(_i: int) -> str:
        reply = slack.submit("report_concern", report_values(), REPORTER)
        body = reply.json()
        if reply.status != 200 or not body or body.get("response_action") != "update":
            raise AssertionError(f"report not stored: HTTP {reply.status} {reply.body[:200]}")
        return str(body["view"]["blocks"][0]["text"]["text"]).split("*")[1]

    with ThreadPoolExecutor(max_workers=4) as pool:
        references = list(pool.map(one, range(n)))
    fake.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL, count=posted_before + n, timeout=120)
    ids: list[int] = []
    deadline = time.monotonic() + 60
    for reference in references:
        while True:
            concern = store.by_reference(reference)
            if concern is not None and posted(store.engine, RecordKind.CONCERN, concern.id or 0):  # by the outbox
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{reference} was not delivered")
            time.sleep(0.05)
        if concern.status != "new" or concern.version != 1 or concern.id is None:
            raise AssertionError(f"{reference} is not new at version 1: {concern.status} v{concern.version}")
        ids.append(concern.id)
    return ids


# --- the run ------------------------------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, {system}"


def revision() -> str:
    """The commit measured, and whether the app's code differs from it (read-only git calls)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot", "flows", "storage"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return "unknown commit"
    return head.stdout.strip() + (" with uncommitted changes" if dirty.stdout.strip() else "")


def table(
    results: list[Result], args: argparse.Namespace, commit: str, setup_seconds: float, total_seconds: float
) -> str:
    by_key = {(r.scenario, r.mode, r.app): r for r in results}
    lines = [
        "# policybot vs bare Bolt: HTTP latency (ms)",
        "",
        f"policybot at {commit}. Machine: {machine()}. "
        f"{args.requests} timed requests per row after {args.warmup} warm-up requests; "
        f"concurrency {args.concurrency} = a thread pool of {args.concurrency} clients. "
        "Targets: policybot p95 at most the ratio given of the bare app's p95.",
        "",
        *([f"**Experiment**: policybot run with {' '.join(args.bot_env)}.", ""] if args.bot_env else []),
        "| scenario | mode | policybot p50 | p95 | max | bare p50 | p95 | max | p95 ratio | target "
        "| req/s policybot / bare | CPU ms/req policybot / bare |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|",
    ]
    for scenario in ("command", "click"):
        for mode in ("sequential", f"concurrency {args.concurrency}"):
            bot, bare = by_key[(scenario, mode, "policybot")], by_key[(scenario, mode, "bare")]
            ratio = bot.pct(95) / bare.pct(95)
            target = P95_RATIO_TARGETS[(scenario, "sequential" if mode == "sequential" else "concurrent")]
            verdict = f"<= {target}x: " + ("met" if ratio <= target else "**missed**")
            lines.append(
                f"| {scenario} | {mode} | {bot.pct(50):.1f} | {bot.pct(95):.1f} | {max(bot.millis):.1f} "
                f"| {bare.pct(50):.1f} | {bare.pct(95):.1f} | {max(bare.millis):.1f} | {ratio:.2f}x | {verdict} "
                f"| {bot.throughput:.0f} / {bare.throughput:.0f} | {bot.cpu_ms:.1f} / {bare.cpu_ms:.1f} |"
            )
    lines += [
        "",
        "command = signed `/report-concern` to HTTP 200 (every one checked to have opened the modal: views.open); "
        "click = signed `concern_acknowledge` block_actions by a leader to HTTP 200 (each policybot click "
        "acknowledges its own new concern; every click checked to have produced chat.update + chat.postMessage).",
        "",
        "req/s: timed requests / wall time of the batch. CPU: user+system time of all the app's processes "
        "(gunicorn's master and worker; policybot's supervisor and background process too) over the batch "
        "(background Slack calls and database work included) / requests.",
        "",
        f"Setup (reporting and delivering {2 * (args.requests + args.warmup)} concerns): {setup_seconds:.1f} s; "
        f"whole run: {total_seconds:.1f} s.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario and mode")
    parser.add_argument("--concurrency", type=int, default=8, help="clients for the concurrent runs")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests before each batch")
    parser.add_argument("--keep-logs", action="store_true", help="print the apps' logs at the end")
    parser.add_argument(
        "--bot-env", action="append", default=[], metavar="NAME=VALUE",
        help="extra environment for policybot, for experiments (e.g. POLICYBOT_LOG_LEVEL=WARNING); repeatable",
    )  # fmt: skip
    args = parser.parse_args(argv)
    run_started = time.perf_counter()
    commit = revision()  # before the run: another commit may land meanwhile

    with tempfile.TemporaryDirectory(prefix="policybot-bench-") as tmp_name:
        tmp = Path(tmp_name)
        fake = LocalSlack(channels={CHANNEL: {"is_private": True, "is_member": True, "name": "leadership"}})
        database_url = f"sqlite:///{tmp / 'bench.db'}"
        # Production's delivery-retry interval (tests use 1 s); the job would otherwise poll the database every second.
        extra = dict(DELIVERY_RETRY_SECONDS="60", **dict(item.split("=", 1) for item in args.bot_env))
        bot = RunningBot(bot_environment(fake, database_url, **extra), free_port(), tmp / "bot.log")
        bare = None
        try:
            bare = start_bare_app(fake, free_port(), tmp / "bare.log")
            response_url = fake.api_url + "response_url"
            drivers = {
                "policybot": SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, response_url),
                "bare": SlackDriver(bare.url + "/slack/events", SIGNING_SECRET, response_url),
            }
            processes = {"policybot": process_tree(bot.process.pid), "bare": process_tree(bare.process.pid)}
            store = ConcernStore(settings_school(make_engine(database_url)))
            modes = [("sequential", 1), (f"concurrency {args.concurrency}", args.concurrency)]
            per_batch = args.warmup + args.requests

            setup_started = time.perf_counter()
            concern_ids = report_concerns(drivers["policybot"], store, fake, 2 * per_batch)
            setup_seconds = time.perf_counter() - setup_started
            print(
                f"setup: {len(concern_ids)} concerns reported and delivered in {setup_seconds:.1f} s",
                file=sys.stderr,
            )

            results: list[Result] = []

            def batch(
                scenario: str, mode: str, app: str, concurrency: int, make: Callable[[int], str], expect: dict[str, int]
            ) -> None:
                slack = drivers[app]
                before = counts(fake, *expect)
                bodies = [make(i) for i in range(per_batch)]
                run_batch(slack, bodies[: args.warmup], concurrency)
                settle(fake, {m: before[m] + args.warmup * k for m, k in expect.items()}, f"{app} warm-up")
                cpu_before = cpu_seconds(processes[app])
                millis, wall = run_batch(slack, bodies[args.warmup :], concurrency)
                settle(fake, {m: before[m] + per_batch * k for m, k in expect.items()}, f"{app} {scenario} {mode}")
                cpu = (cpu_seconds(processes[app]) - cpu_before) * 1000 / args.requests
                result = Result(scenario, mode, app, millis, wall, cpu)
                results.append(result)
                print(
                    f"{scenario:7} {mode:14} {app:9} p50 {result.pct(50):6.1f}  p95 {result.pct(95):6.1f}  "
                    f"max {max(millis):6.1f} ms  cpu {cpu:5.1f} ms/req",
                    file=sys.stderr,
                )

            for mode, concurrency in modes:
                for app, callback_id in (("policybot", "report_concern"), ("bare", BARE_VIEW)):
                    slack = drivers[app]
                    opened = views_opened(fake, callback_id)
                    command = partial(command_body, slack)
                    batch("command", mode, app, concurrency, command, {"views.open": 1})
                    if views_opened(fake, callback_id) - opened != per_batch:
                        raise AssertionError(f"{app}: not every /report-concern opened its modal ({callback_id})")

            clicks = iter(concern_ids)
            for mode, concurrency in modes:
                mine = [next(clicks) for _ in range(per_batch)]
                expect = {"chat.update": 1, "chat.postMessage": 1}
                batch("click", mode, "policybot", concurrency, partial(click_body, drivers["policybot"], mine), expect)
                fake_ids = [1_000_000 + i for i in range(per_batch)]  # the bare app reads no database
                batch("click", mode, "bare", concurrency, partial(click_body, drivers["bare"], fake_ids), expect)

            not_acknowledged = [i for i in concern_ids if (c := store.get(i)) is None or c.status != "acknowledged"]
            if not_acknowledged:
                raise AssertionError(f"{len(not_acknowledged)} clicked concerns were not acknowledged")
            store.engine.dispose()
        finally:
            bare_log = bare.stop() if bare is not None else ""
            bot_log = bot.stop()
            fake.close()
        for name, log in (("policybot", bot_log), ("bare app", bare_log)):
            lines = log.splitlines()
            problems = [line for line in lines if "Traceback" in line or "ERROR" in line or "WARNING" in line]
            sql = sum("sqlalchemy.engine" in line for line in lines)
            print(
                f"{name} log: {len(lines)} lines, {sql} from sqlalchemy.engine, {len(problems)} warnings/errors:",
                *problems[:10],
                sep="\n  ",
                file=sys.stderr,
            )
            if args.keep_logs:
                print(log, file=sys.stderr)

    text = table(results, args, commit, setup_seconds, time.perf_counter() - run_started)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
