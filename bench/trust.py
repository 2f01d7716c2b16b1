"""A trust's busy minute: the staff of 60 schools in one workspace, on one PostgreSQL, behind two bot processes
(`policybot serve --http`, each with its own sender and nudges; requests alternate between them), against the same
number of staff at one school run from the settings, in the same run and table. Each member of staff types
/report-concern, waits for the form, sends it and thinks a moment. What is timed is what people wait for: the form on
screen (the command's views.open reaching Slack; later than three seconds after the command, it never opened) and
the HTTP 200. Then every concern is left unacknowledged past ACK_NUDGE_AFTER, and its nudges counted: exactly one
each, however many processes run the nudge pass. Any ERROR or traceback in either bot's log is counted too, and the
processor time the bots used in the busy minute: their background processes' (sending, Homes, nudges) apart from the
rest's (answering Slack), which the same cores share.

    .venv/bin/python -m bench.trust --database postgresql+psycopg://postgres@127.0.0.1:55432/postgres
        [--schools 60] [--staff-per-school 1] [--seconds 60]

The table goes to stdout and bench/results/trust.md (appended)."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from bench.load import opened_at
from bench.waits import TRIGGER_SECONDS, cpu_seconds, pct
from bot.config import ONE_SCHOOL
from sandbox.slack import LocalSlack
from storage.db import make_engine, reading
from storage.models import Concern
from storage.schools import by_key
from tests.conftest import ROOT, SIGNING_SECRET, RunningBot, bot_environment, free_port, new_database_url, school_slack
from tests.slack_driver import SlackDriver, report_values

RESULTS = ROOT / "bench" / "results" / "trust.md"
TEAM = "T0BENCH"
NUDGE_AFTER = 20  # seconds: ACK_NUDGE_AFTER, so that the minute's concerns are nudged within the run
NUDGED = re.compile(r"(SMP-[A-Z0-9-]+) has waited")


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.forms: list[float] = []  # ms from the command to its views.open reaching Slack (inf: never)
        self.acks: list[float] = []
        self.filed: list[float] = []  # when each concern was sent (epoch seconds)

    def add(self, form: float, ack: float) -> None:
        with self.lock:
            self.forms.append(form)
            self.acks.append(ack)


def trust_file(schools: int, staff: int) -> str:
    lines = ['[trust]\nname = "Bench Trust"\n']
    for n in range(schools):
        people = ", ".join(f'"U{n:02d}S{s}"' for s in range(staff))
        lines.append(
            f'[[school]]\nkey = "s{n:02d}"\nname = "School {n:02d}"\nteam_id = "{TEAM}"\n'
            f'leadership_channel = "G{n:02d}LEAD"\nstaff = [{people}]\nleaders = ["U{n:02d}LEAD"]\n'
            f'safeguarding_leads = ["U{n:02d}DSL"]\nheadteacher = "U{n:02d}HEAD"\nchair = "U{n:02d}CHAIR"\n'
        )
    return "\n".join(lines)


def trust_slack(schools: int) -> LocalSlack:
    channels = {f"G{n:02d}LEAD": {"is_private": True, "is_member": True} for n in range(schools)}
    members = {f"G{n:02d}LEAD": [f"U{n:02d}LEAD", f"U{n:02d}DSL", "UPOLICYBOT"] for n in range(schools)}
    return LocalSlack(channels=channels, members=members)


def start(fake: LocalSlack, url: str, folder: Path, name: str, env: dict[str, str]) -> RunningBot:
    port = free_port()
    command = [sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--threads", "8"]
    return RunningBot(env, port, folder / f"{name}.log", command)


def member_of_staff(user: str, slacks: list[SlackDriver], fake: LocalSlack, tally: Tally, end: float) -> None:
    turn = 0
    while time.time() < end:
        turn += 1
        slack = slacks[turn % len(slacks)]  # the load balancer: one request to one process, the next to the other
        trigger = f"trigger.trust.{user}.{turn}"
        sent = time.time()
        started = time.perf_counter()
        reply = slack.post(slack.command_body("/report-concern", user, trigger_id=trigger))
        ack = (time.perf_counter() - started) * 1000
        shown = opened_at(fake, trigger, sent + 2 * TRIGGER_SECONDS)
        tally.add(float("inf") if shown is None or reply.status != 200 else (shown - sent) * 1000, ack)
        if shown is not None and shown - sent <= TRIGGER_SECONDS:
            view = fake.of("views.open", trigger_id=trigger)[0].params["view"]
            time.sleep(2 + (turn % 3))  # filling the form in
            other = slacks[(turn + 1) % len(slacks)]
            metadata = str(view.get("private_metadata") or "")  # the school the form was opened for
            submitted = other.submit(
                "report_concern", report_values(), user, view_id=f"VTRUST{user}T{turn}", private_metadata=metadata
            )
            if submitted.status == 200 and submitted.json().get("response_action") == "update":
                with tally.lock:
                    tally.filed.append(sent)
        time.sleep(1 + (turn % 3))


def busy_minute(
    fake: LocalSlack, bots: list[RunningBot], users: list[str], seconds: float, team: str
) -> tuple[Tally, float]:
    tally = Tally()
    slacks = [
        SlackDriver(b.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url", team=team) for b in bots
    ]
    end = time.time() + seconds
    people = [threading.Thread(target=member_of_staff, args=(user, slacks, fake, tally, end)) for user in users]
    for person in people:
        person.start()
        time.sleep(seconds / 60 * 0.02)  # arriving over a second or so, not all in one instant
    for person in people:
        person.join()
    return tally, time.time()


def nudges(fake: LocalSlack, url: str, tally: Tally, stopped: float) -> tuple[int, int, int, list[float]]:
    """(concerns filed, nudged exactly once, nudged more than once, how late each first nudge was in seconds),
    waiting until every concern is nudged or a minute after the last fell due."""
    reported = filed(url)
    deadline = max(tally.filed, default=stopped) + NUDGE_AFTER + 60
    while True:
        counted = Counter(
            found.group(1)
            for call in fake.of("chat.postMessage")
            if (found := NUDGED.search(str(call.params.get("text") or ""))) is not None
        )
        if set(reported) <= set(counted) or time.time() > deadline:
            break
        time.sleep(1)
    first: dict[str, float] = {}
    for call in fake.of("chat.postMessage"):
        if (found := NUDGED.search(str(call.params.get("text") or ""))) is not None:
            first.setdefault(found.group(1), call.received)
    late = [first[r] - (at + NUDGE_AFTER) for r, at in reported.items() if r in first]
    return len(reported), sum(counted.get(r) == 1 for r in reported), sum(n > 1 for n in counted.values()), late


def filed(url: str) -> dict[str, float]:
    """Every concern stored, at every school: its reference and when it was reported (epoch seconds)."""
    engine = make_engine(url)
    try:
        return {c.reference: c.created_at.timestamp() for _, school in by_key(engine) for c in stored(school)}
    finally:
        engine.dispose()


def stored(school: Engine) -> list[Concern]:
    with reading(school) as session:
        return list(session.exec(select(Concern)).all())


def background_pid(bot: RunningBot) -> int:
    """The bot's background process (bot.supervisor forks it first, then the web server)."""
    with open(f"/proc/{bot.process.pid}/task/{bot.process.pid}/children") as children:
        found = children.read().split()
    return int(found[0]) if found else -1  # gone (its end is an error in the bot's log, counted there)


def cpu_split(bots: list[RunningBot], before: list[dict[int, float]]) -> tuple[float, float]:
    """Processor seconds used since `before` by the bots' background processes, and by the rest (the web servers
    that answer Slack, and the supervisors)."""
    background = answering = 0.0
    for bot, was in zip(bots, before, strict=True):
        sender = background_pid(bot)
        for pid, used in cpu_seconds(bot.process.pid).items():
            spent = used - was.get(pid, 0.0)
            background += spent if pid == sender else 0.0
            answering += 0.0 if pid == sender else spent
    return background, answering


def errors(bots: list[RunningBot]) -> int:
    return sum(line.count(" ERROR ") + line.count("Traceback") for bot in bots for line in bot.output().splitlines())


Setup = Callable[[Path, str], tuple[LocalSlack, list[RunningBot], list[str], str]]


def run(name: str, setup: Setup, seconds: float) -> str:
    with tempfile.TemporaryDirectory(prefix="policybot-trust-") as folder:
        urls = new_database_url(Path(folder), "bench")
        url = next(urls)
        fake, bots, users, team = setup(Path(folder), url)
        try:
            before = [cpu_seconds(bot.process.pid) for bot in bots]
            tally, stopped = busy_minute(fake, bots, users, seconds, team)
            background, answering = cpu_split(bots, before)
            due, once, twice, late = nudges(fake, url, tally, stopped)
            failed = errors(bots)
            for n, bot in enumerate(bots):  # kept for reading when something went wrong (git-ignored)
                (RESULTS.parent / f"trust-{name.split(',')[0].replace(' ', '-')}-bot{n}.log").write_text(bot.output())
        finally:
            for bot in bots:
                bot.stop()
            fake.close()
            for _ in urls:  # the database is dropped
                pass
    missed = sum(f > TRIGGER_SECONDS * 1000 for f in tally.forms)
    return (
        f"| {name} | {len(users)} | {len(tally.forms)} | {missed} | {pct(tally.forms, 50):.0f} "
        f"| {pct(tally.forms, 95):.0f} | {pct(tally.forms, 99):.0f} | {pct(tally.acks, 50):.0f} "
        f"| {pct(tally.acks, 95):.0f} | {due} | {once} | {twice} | {pct(late, 50):.1f} | {pct(late, 95):.1f} "
        f"| {max(late, default=float('nan')):.1f} | {background:.0f} | {answering:.0f} | {failed} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trust", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL server URL where the bench may make databases")
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--staff-per-school", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args(argv)
    os.environ["POLICYBOT_TEST_DATABASE_URL"] = args.database
    staff = args.schools * args.staff_per_school
    fast = {"ACK_NUDGE_AFTER": f"{NUDGE_AFTER}s", "NUDGE_REPEAT_EVERY": "1d", "WORKING_HOURS": "Mon-Sun 00:00-24:00"}
    fast |= {"DELIVERY_RETRY_SECONDS": "60", "SLACK_TIMEOUT_SECONDS": "10"}

    def trust(folder: Path, url: str) -> tuple[LocalSlack, list[RunningBot], list[str], str]:
        fake = trust_slack(args.schools)
        (folder / "schools.toml").write_text(trust_file(args.schools, args.staff_per_school))
        env = {k: v for k, v in bot_environment(fake, url, **fast).items() if k not in ONE_SCHOOL}
        env["SCHOOLS_FILE"] = str(folder / "schools.toml")
        bots = [start(fake, url, folder, f"bot{n}", env) for n in range(2)]  # one after the other: one imports
        users = [f"U{n:02d}S{s}" for n in range(args.schools) for s in range(args.staff_per_school)]
        return fake, bots, users, TEAM

    def one_school(folder: Path, url: str) -> tuple[LocalSlack, list[RunningBot], list[str], str]:
        fake = school_slack()
        env = bot_environment(fake, url, **fast)
        bots = [start(fake, url, folder, f"bot{n}", env) for n in range(2)]
        return fake, bots, [f"USTAFFONE{n}" for n in range(staff)], "T1"

    rows = [
        run("one school, from the settings", one_school, args.seconds),
        run(f"{args.schools} schools, one workspace", trust, args.seconds),
    ]
    text = "\n".join(
        [
            f"# A trust's busy minute: {staff} staff for {args.seconds:.0f} s, PostgreSQL, two bot processes",
            "",
            "| deployment | staff | commands | forms missed | command -> form p50 (ms) | p95 | p99 | ack p50 (ms) "
            "| p95 | concerns filed | nudged once | nudged twice or more | nudge late p50 (s) | p95 | max "
            "| background processes' CPU (s) | answering processes' CPU (s) | errors logged |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
            *rows,
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
