"""`make bench`: what people wait for, policybot against a bare Bolt app in the same run (bench/waits.py).

    .venv/bin/python -m bench.waiting [--requests 100] [--concurrency 8]

The table goes to stdout and to bench/results/waiting.md. Timed requests per row: --requests; concerns to click on
are reported and delivered beforehand (not timed)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.waits import HEADER, Batch, Request, Sent, row, send, start_bare, start_policybot
from flows.permissions import RecordKind
from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from storage.db import make_engine
from storage.schools import settings_school
from tests.conftest import CHANNEL, LEADERS, ROOT, SIGNING_SECRET, posted, school_slack
from tests.slack_driver import SlackDriver, report_values

RESULTS = ROOT / "bench" / "results" / "waiting.md"
REPORTER = "USTAFF77"


def commands(
    fake: LocalSlack, drivers: dict[str, SlackDriver], mode: str, n: int, concurrency: int
) -> dict[str, Batch]:
    """Both apps' commands, interleaved: app by app, request by request."""
    requests = []
    for i in range(n):
        for app, driver in drivers.items():
            trigger = f"trigger.{app}.{mode}.{i}.{time.time_ns()}"
            requests.append((driver, driver.command_body("/report-concern", REPORTER, trigger_id=trigger), trigger))
    sent = send(requests, concurrency, lambda s: [c.received for c in fake.of("views.open", trigger_id=s.key)])
    return {app: Batch("command", mode, app, [s for s in sent if str(s.key).split(".")[1] == app]) for app in drivers}


def submissions(fake: LocalSlack, driver: SlackDriver, app: str, mode: str, n: int, concurrency: int) -> Batch:
    requests = []
    for i in range(n):
        view_id = f"V{app.upper()}{mode[:3].upper()}{i}T{time.time_ns()}"
        body = driver.submission_body("report_concern", report_values(), REPORTER, view_id=view_id)
        requests.append((driver, body, view_id))
    store = ConcernStore(settings_school(make_engine(DATABASE[0]))) if app == "policybot" else None

    def shown(sent: Sent) -> list[float]:
        key = str(sent.key)
        if store is not None:
            concern = store.by_submission_key(key)
            key = concern.reference if concern is not None else "(not stored)"
        posts = [c.received for c in fake.of("chat.postMessage", channel=CHANNEL) if key in str(c.params.get("text"))]
        told = [c.received for c in fake.of("chat.postMessage", channel=REPORTER) if key in str(c.params.get("text"))]
        return [max(posts), max(told)] if posts and told else []

    return Batch("submission", mode, app, send(requests, concurrency, shown))


def clicks(fake: LocalSlack, driver: SlackDriver, app: str, mode: str, posts: list[str], concurrency: int) -> Batch:
    requests: list[Request] = [
        (driver, driver.action_body("concern_acknowledge", value, LEADERS[0], channel=CHANNEL, message_ts=ts), ts)
        for value, ts in (post.split("@") for post in posts)
    ]
    updated = lambda s: [c.received for c in fake.of("chat.update", ts=s.key)]  # noqa: E731
    return Batch("click", mode, app, send(requests, concurrency, updated))


DATABASE = [""]


def delivered(fake: LocalSlack, driver: SlackDriver, store: ConcernStore, n: int) -> list[str]:
    """n concerns reported through the form and posted: "<id>:1@<post ts>" for each, to click on."""
    keys = [f"VDELIVER{i}T{time.time_ns()}" for i in range(n)]
    for key in keys:
        assert driver.submit("report_concern", report_values(), REPORTER, view_id=key).status == 200
    found = []
    deadline = time.monotonic() + 120
    for key in keys:
        while (concern := store.by_submission_key(key)) is None or not (
            post := posted(store.engine, RecordKind.CONCERN, concern.id or 0)
        ):
            if time.monotonic() > deadline:
                raise AssertionError(f"{key} was not delivered")
            time.sleep(0.05)
        found.append(f"{concern.id}:1@{post[1]}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.waiting", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--scenarios", default="command,click,submission", help="comma-separated, in this order")
    args = parser.parse_args(argv)
    lines = ["# What people wait for (ms)", "", *HEADER]
    with tempfile.TemporaryDirectory(prefix="policybot-waits-") as folder:
        fake = school_slack()
        DATABASE[0] = f"sqlite:///{Path(folder) / 'bench.db'}"
        bot, bare = start_policybot(fake, DATABASE[0], Path(folder)), start_bare(fake, Path(folder))
        try:
            drivers = {
                app: SlackDriver(running.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url")
                for app, running in (("policybot", bot), ("bare", bare))
            }
            store = ConcernStore(settings_school(make_engine(DATABASE[0])))
            posts = delivered(fake, drivers["policybot"], store, 2 * args.requests)
            for mode, concurrency in (("sequential", 1), (f"concurrency {args.concurrency}", args.concurrency)):
                for scenario in args.scenarios.split(","):
                    batches = {}
                    if scenario == "command":
                        batches = commands(fake, drivers, mode, args.requests, concurrency)
                    for app in ("policybot", "bare") if scenario != "command" else ():
                        driver = drivers[app]
                        if scenario == "submission":
                            batches[app] = submissions(fake, driver, app, mode, args.requests, concurrency)
                        else:
                            mine = (
                                posts[: args.requests]
                                if app == "policybot"
                                else [f"{1_000_000 + i}:1@9.{mode[:3]}{i:06d}" for i in range(args.requests)]
                            )
                            if app == "policybot":
                                posts = posts[args.requests :]
                            batches[app] = clicks(fake, driver, app, mode, mine, concurrency)
                    for app in batches:
                        print(row(batches[app], None), file=sys.stderr)
                    lines += [row(batches["policybot"], batches["bare"]), row(batches["bare"], None)]
            store.engine.dispose()
        finally:
            bot.stop()
            bare.stop()
            fake.close()
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
