"""A busy minute: many members of staff at once against `policybot serve --http --workers 2 --threads 4`, each typing
/report-concern, waiting for the form, sending it and thinking a moment, while the leaders acknowledge what arrives
and open their App Homes. What is timed is what people wait for: the form on screen (the command's views.open
reaching Slack) and the HTTP 200; a form whose views.open comes later than three seconds after the command never
opened (Slack had expired its trigger).

    .venv/bin/python -m bench.load [--staff 50] [--seconds 60] [--slow 0.5] [--database URL]

--slow makes Slack answer every call that many seconds late (a slow day); --database runs on PostgreSQL (a server
where the bench may create a database) instead of SQLite. The table goes to stdout and bench/results/load.md."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from itertools import islice
from pathlib import Path

from bench.waits import TRIGGER_SECONDS, pct, start_policybot
from flows.permissions import RecordKind
from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from storage.db import make_engine
from storage.schools import settings_school
from tests.conftest import CHANNEL, LEADERS, ROOT, SIGNING_SECRET, new_database_url, posted, school_slack
from tests.slack_driver import SlackDriver, report_values

RESULTS = ROOT / "bench" / "results" / "load.md"


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.forms: list[float] = []  # ms from the command to its views.open reaching Slack (inf: never)
        self.acks: list[float] = []
        self.filed = 0
        self.clicks = 0

    def add(self, form: float, ack: float) -> None:
        with self.lock:
            self.forms.append(form)
            self.acks.append(ack)


def opened_at(fake: LocalSlack, trigger: str, until: float) -> float | None:
    while time.time() < until:
        found = [c.received for c in fake.of("views.open", trigger_id=trigger)]
        if found:
            return found[0]
        time.sleep(0.05)
    return None


def member_of_staff(n: int, slack: SlackDriver, fake: LocalSlack, tally: Tally, end: float, seed: int) -> None:
    chance, user, turn = random.Random(seed), f"USTAFFLOAD{n}", 0
    while time.time() < end:
        turn += 1
        trigger = f"trigger.load.{n}.{turn}"
        sent = time.time()
        started = time.perf_counter()
        reply = slack.post(slack.command_body("/report-concern", user, trigger_id=trigger))
        ack = (time.perf_counter() - started) * 1000
        shown = opened_at(fake, trigger, sent + 2 * TRIGGER_SECONDS)
        tally.add(float("inf") if shown is None or reply.status != 200 else (shown - sent) * 1000, ack)
        if shown is not None and shown - sent <= TRIGGER_SECONDS:
            time.sleep(chance.uniform(2, 4))  # filling the form in
            if slack.submit("report_concern", report_values(), user, view_id=f"VLOAD{n}T{turn}").status == 200:
                with tally.lock:
                    tally.filed += 1
        time.sleep(chance.uniform(1, 3))


def leader(who: str, slack: SlackDriver, store: ConcernStore, tally: Tally, end: float, seed: int) -> None:
    chance = random.Random(seed)
    while time.time() < end:
        new = (c for c in store.open_concerns() if c.status == "new")
        waiting = list(islice((c for c in new if posted(store.engine, RecordKind.CONCERN, c.id or 0)), 5))
        for concern in waiting:
            body = slack.action_body("concern_acknowledge", f"{concern.id}:1", who, channel=CHANNEL)
            if slack.post(body).status == 200:
                with tally.lock:
                    tally.clicks += 1
        slack.event({"type": "app_home_opened", "user": who, "tab": "home", "event_ts": f"{time.time():.6f}"})
        time.sleep(chance.uniform(1, 3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--slow", type=float, default=0.0, help="seconds every Slack answer is late by")
    parser.add_argument("--database", default="", help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args(argv)
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="policybot-load-") as folder:
        urls = new_database_url(Path(folder), "load") if args.database else iter([f"sqlite:///{folder}/load.db"])
        if args.database:
            import os

            os.environ["POLICYBOT_TEST_DATABASE_URL"] = args.database
        url = next(urls)
        fake = school_slack()
        bot = start_policybot(fake, url, Path(folder))
        fake.latency = args.slow
        try:
            slack = SlackDriver(bot.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url")
            store = ConcernStore(settings_school(make_engine(url)))
            end = time.time() + args.seconds
            people = [
                threading.Thread(target=member_of_staff, args=(n, slack, fake, tally, end, n))
                for n in range(args.staff)
            ]
            people += [threading.Thread(target=leader, args=(who, slack, store, tally, end, 99)) for who in LEADERS]
            for person in people:
                person.start()
                time.sleep(0.02)  # arriving over a second, not all in one instant
            for person in people:
                person.join()
            store.engine.dispose()
        finally:
            bot.stop()
            fake.close()
            for _ in urls:  # the PostgreSQL database is dropped
                pass
    missed = sum(f > TRIGGER_SECONDS * 1000 for f in tally.forms)
    database = "PostgreSQL" if args.database else "SQLite"
    text = "\n".join(
        [
            f"# A busy minute: {args.staff} staff for {args.seconds:.0f} s on {database}"
            + (f", Slack {args.slow} s late on every call" if args.slow else ""),
            "",
            "| commands | forms missed | command -> form p50 | p95 | p99 | ack p50 | p95 | p99 | concerns filed "
            "| clicks |",
            "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
            f"| {len(tally.forms)} | {missed} | {pct(tally.forms, 50):.0f} | {pct(tally.forms, 95):.0f} "
            f"| {pct(tally.forms, 99):.0f} | {pct(tally.acks, 50):.0f} | {pct(tally.acks, 95):.0f} "
            f"| {pct(tally.acks, 99):.0f} | {tally.filed} | {tally.clicks} |",
            "",
        ]
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        out.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
