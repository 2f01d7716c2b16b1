"""What `policybot export` costs: 100,000 concerns with their audit trails (4-5 events each), 10,000 contact questions
and 5,000 declarations with theirs. The real command runs as a child process (JSON and CSV, with and without
--include-details); each run's wall time (interpreter start included), CPU time and peak memory (the child's max RSS,
from wait4) are measured, and every output is checked to hold every record and event.

    .venv/bin/python -m bench.export [--concerns 100000] [--repeat 3]
    POLICYBOT_BENCH_DATABASE_URL=postgresql+psycopg://... to run it on PostgreSQL (a fresh database each run)

For reference, in the same run: what just reading the rows the default CSV export reads costs (each concern's
exported columns joined to its trail's, as stored, no conversion), written out as CSV by the sqlite3 shell (SQLite
only) and by a streamed SQLAlchemy Core SELECT with the csv module; and Python with the export's imports, reading
nothing. The table goes to stdout and bench/results/export.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "export.md"
CORE = "reference: the same rows by a Core SELECT and csv"  # what the export's time is measured against
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TYPED = "A screenshot of a post naming a pupil and the school, shared in a parents' group on Saturday evening. " * 2
Rows = dict[str, list[dict[str, Any]]]


def fresh_database(folder: Path) -> str:
    server = os.environ.get("POLICYBOT_BENCH_DATABASE_URL")
    if not server:
        return f"sqlite:///{folder / 'export.db'}"
    database = f"policybot_bench_export_{uuid.uuid4().hex[:6]}"
    with create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def _row(**values: Any) -> dict[str, Any]:
    return values


def _event(rows: Rows, kind: str, subject: int, actor: str, action: str, at: datetime, **more: Any) -> None:
    entry = _row(subject_kind=kind, subject_id=subject, actor_id=actor, action=action, at=at, from_state=None)
    entry |= _row(to_state=None, detail=None, note="", request_key=f"{kind}:{subject}:{action}")
    rows["audit_entry"].append(entry | more)


def _concern(rows: Rows, i: int) -> None:
    """Reported, delivered, acknowledged, (a third) escalated, resolved; one in a hundred still new."""
    at, cid, reporter, is_open = NOW - timedelta(days=700, minutes=-10 * i), i + 1, f"UREP{i % 300}", i % 100 == 99
    row = _row(id=cid, reference=f"SMP-B-{i:06d}", submission_key=f"view-{i}", reporter_id=reporter, area="contact")
    row |= _row(kind="aggressive", platform="tiktok", roles="pupil,parent", names="A Pupil", description=TYPED)
    row |= _row(links="https://example.org/post/1", kept_copy=True, safeguarding=i % 7 == 0, route_kind="channel")
    row |= _row(status="new", version=1, created_at=at, updated_at=at, nudges_sent=0)
    row |= _row(acknowledged_at=None, acknowledged_by=None, resolved_at=None, outcome=None, last_actor_id=None)
    _event(rows, "concern", cid, reporter, "reported", at, to_state="new")
    _event(rows, "concern", cid, "policybot", "delivered", at + timedelta(seconds=2))
    if not is_open:
        acked, resolved, last = at + timedelta(hours=3), at + timedelta(days=2), "acknowledged"
        row |= _row(status="resolved", version=4, acknowledged_at=acked, acknowledged_by="ULEAD1")
        row |= _row(resolved_at=resolved, outcome="advice_given", last_actor_id="ULEAD2", updated_at=resolved)
        _event(rows, "concern", cid, "ULEAD1", "acknowledged", acked, from_state="new", to_state=last, note="On it")
        if i % 3 == 0:
            _event(rows, "concern", cid, "ULEAD1", "escalated", acked, from_state=last, to_state="escalated")
            last = "escalated"
        _event(rows, "concern", cid, "ULEAD2", "resolved", resolved, from_state=last, to_state="resolved",
               detail="advice_given", note="Spoke to them; the post is down")  # fmt: skip
    rows["concern"].append(row)


def _others(rows: Rows, checks: int, declarations: int) -> None:
    """Contact questions (a third referred and approved, with a permission), declarations, three reviews."""
    for i in range(checks):
        asked, cid, staff, referred = NOW - timedelta(days=300, minutes=i), i + 1, f"UREP{i % 300}", i % 3 == 0
        row = _row(id=cid, submission_key=f"check-{i}", asked_by=staff, asked_at=asked, person="PUPIL_FAMILY")
        row |= _row(channel="SOCIAL_NETWORK", under_18=False, person_described="my neighbour's son", rule_ids="R3")
        row |= _row(verdict="REFER" if referred else "PERMITTED", request_status="approved" if referred else "none")
        rows["contact_check"].append(row | _row(version=1, nudges_sent=0))
        _event(rows, "check", cid, staff, "asked", asked)
        if referred:
            _event(rows, "check", cid, staff, "asked_leadership", asked)
            _event(rows, "check", cid, "ULEAD1", "approved", asked, note="Fine until the review")
            permission = _row(staff_id=staff, person="PUPIL_FAMILY", channel="SOCIAL_NETWORK", granted_by="ULEAD1")
            permission |= _row(person_key="my neighbours son", person_described="my neighbour's son", check_id=cid)
            rows["contact_permission"].append(permission | _row(granted_at=asked, review_on=asked.date()))
    for i in range(declarations):
        at, did, staff = NOW - timedelta(days=200, minutes=i), i + 1, f"UREP{i % 300}"
        row = _row(id=did, submission_key=f"declare-{i}", staff_id=staff, person="PUPIL", relationship="family")
        row |= _row(person_described="my nephew", declared_at=at, confirm_by=(at + timedelta(days=365)).date())
        rows["declaration"].append(row | _row(status="acknowledged", version=2, acknowledged_by="ULEAD1"))
        _event(rows, "declaration", did, staff, "declared", at)
        _event(rows, "declaration", did, "ULEAD1", "acknowledged", at)
    for year in (2024, 2025, 2026):
        due = date(year, 9, 1)
        row = _row(review_on=due, reviewed_by="UGOV", reviewed_at=NOW, next_review_on=date(year + 1, 9, 1))
        rows["policy_review"].append(row)
        _event(rows, "review", year * 10000 + 901, "UGOV", "reviewed", NOW)


def fill(url: str, concerns: int) -> tuple[int, int]:
    """Seed with Core bulk inserts; the number of the concerns' audit events, and of all events."""
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401 - the tables
    from storage.db import make_engine, upgrade
    from storage.schools import settings_school
    from storage.tenancy import school_of

    upgrade(url)
    engine = settings_school(make_engine(url))
    school = {"school_id": school_of(engine)}
    names = ["concern", "contact_check", "contact_permission", "declaration", "policy_review", "audit_entry"]
    rows: Rows = {name: [] for name in names}
    events = {"concern": 0, "all": 0}

    def insert() -> None:
        events["concern"] += sum(entry["subject_kind"] == "concern" for entry in rows["audit_entry"])
        events["all"] += len(rows["audit_entry"])
        with engine.begin() as conn:
            for name, batch in rows.items():
                if batch:
                    conn.execute(SQLModel.metadata.tables[name].insert(), [row | school for row in batch])
                batch.clear()

    for i in range(concerns):
        _concern(rows, i)
        if len(rows["concern"]) == 5000:
            insert()
    _others(rows, concerns // 10, concerns // 20)
    insert()
    if not url.startswith("sqlite"):
        with engine.begin() as conn:  # as PostgreSQL's autovacuum keeps a live database: statistics up to date
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return events["concern"], events["all"]


def joined() -> str:
    """The reference's query: the rows and columns the default CSV export reads (the reporter's id too, for the
    actor's role), each concern joined to its trail."""
    from storage.export import AUDIT_COLUMNS, CONCERN_COLUMNS, columns

    concern = [f"concern.{n}" for n in [*columns("concern", CONCERN_COLUMNS, False), "reporter_id"]]
    audit = [f"audit_entry.{n}" for n in columns("audit_entry", AUDIT_COLUMNS, False) if n != "actor_role"]
    return (
        f"SELECT {', '.join(concern + audit)}, audit_entry.actor_id FROM concern LEFT JOIN audit_entry"
        " ON audit_entry.subject_kind = 'concern' AND audit_entry.subject_id = concern.id"
        " ORDER BY concern.id, audit_entry.id"
    )


def core_csv(url: str, sql: str) -> None:
    """The reference in Python: the rows as they come (a streamed Core SELECT), written with the csv module."""
    engine = create_engine(url)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(text(sql))  # a server-side cursor on PostgreSQL
        writer = csv.writer(sys.stdout)
        writer.writerow(result.keys())
        while rows := result.fetchmany(2000):  # not partitions(): with yield_per it kept every row, on psycopg
            writer.writerows(rows)
    engine.dispose()


# Runs one command and reports its wall time and max RSS. A small Python of its own forks it: a child forked from this
# process (vfork, then exec) would report this process's peak as its own.
LAUNCHER = """import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measure(command: list[str], stdout: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """One child process: wall seconds, CPU seconds (user and system) and its own max RSS (MB)."""
    with stdout.open("wb") as sink, tempfile.TemporaryFile() as errors:
        launched = [sys.executable, "-I", "-S", "-c", LAUNCHER, *command]
        done = subprocess.run(launched, cwd=ROOT, env=env, stdout=sink, stderr=errors)
        errors.seek(0)
        said = errors.read().decode().strip().splitlines()
    if done.returncode:
        raise SystemExit(f"{command[:4]} failed: {said[-20:]}")
    seconds, cpu, kilobytes = said[-1].split()
    return float(seconds), float(cpu), int(kilobytes) / 1024


def check(path: Path, fmt: str, concerns: int, concern_events: int, events: int) -> None:
    """The output holds every record and event: JSON every concern and every trail, CSV a row per concern event."""
    if fmt == "json":
        logs = json.loads(path.read_text())
        held = sum(len(record.get("audit", ())) for log in logs.values() for record in log)
        assert (len(logs["concerns"]), held) == (concerns, events), (len(logs["concerns"]), held)
    elif fmt == "csv":
        with path.open(newline="") as handle:
            assert sum(1 for _ in csv.reader(handle)) - 1 == concern_events, path


def commands(url: str, out: Path) -> list[tuple[str, list[str], str]]:
    """What is run: (label, command, format of what it writes to `out`, "" for nothing)."""
    python, sqlite, sql = sys.executable, make_url(url).database if url.startswith("sqlite") else None, joined()
    found = [("Python and the export's imports, reading nothing", [python, "-c", "import bot.cli, storage.export"], "")]
    for fmt in ("json", "csv"):
        for details in ([], ["--include-details"]):
            label = f"`policybot export --format {fmt}{' --include-details' * bool(details)}`"
            found.append((label, [python, "-m", "bot", "export", "--format", fmt, *details, "-o", str(out)], fmt))
    if sqlite and shutil.which("sqlite3"):
        found.append(("reference: the same rows by `sqlite3 -csv`", ["sqlite3", "-csv", "-header", sqlite, sql], "csv"))
    core = [python, "-m", "bench.export", "--core-csv", url, sql]
    return [*found, (CORE, core, "csv")]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export")
    parser.add_argument("--concerns", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--core-csv", nargs=2, metavar=("URL", "SQL"), help=argparse.SUPPRESS)  # the reference
    args = parser.parse_args()
    if args.core_csv:
        return core_csv(*args.core_csv)
    lines, server, load = [], os.environ.get("POLICYBOT_BENCH_DATABASE_URL"), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        folder, started = Path(name), time.perf_counter()
        url, out = fresh_database(folder), folder / "out"
        concern_events, events = fill(url, args.concerns)
        filled = time.perf_counter() - started
        env = {**os.environ, "DATABASE_URL": url, "POLICYBOT_ENV_FILE": os.devnull}
        env["POLICYBOT_TIMEZONE"] = "Europe/London"
        # Round by round, every run once per round: a machine whose speed drifts over minutes slows all alike.
        runs = commands(url, out)
        measured: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _, _ in runs}
        sizes: dict[str, float] = {}
        for _ in range(args.repeat):
            for label, command, fmt in runs:
                stdout = folder / "stdout" if "-o" in command else out
                measured[label].append(measure(command, stdout, env))
                check(out, fmt, args.concerns, concern_events, events)
                sizes[label] = out.stat().st_size / 2**20 if fmt else 0
        reference = statistics.median(m[0] for m in measured[CORE])
        for label, _, _ in runs:
            seconds = statistics.median(m[0] for m in measured[label])
            cpu, peak = statistics.median(m[1] for m in measured[label]), max(m[2] for m in measured[label])
            ratio = seconds / reference
            met = ratio <= 1.5 and peak < 100
            target = (f"{ratio:.2f}x: " + ("met" if met else "**missed**")) if label.startswith("`") else ""
            lines.append(f"| {label} | {seconds:.2f} | {cpu:.2f} | {peak:.0f} | {sizes[label]:.0f} | {target} |")
            print(lines[-1], file=sys.stderr)
        if server:
            with create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)'))
    table = "\n".join(
        [
            f"# `policybot export`, {'PostgreSQL' if server else 'SQLite'}: {args.concerns:,} concerns with"
            f" {concern_events:,} audit events ({events:,} events in all); filling took {filled:.1f} s",
            "",
            f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__};"
            f" wall and CPU (user + system) time are the median of {args.repeat} rounds (every run once a round),"
            " max RSS the largest;"
            f" load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.",
            "",
            "| run | wall (s) | CPU (s) | max RSS (MB) | output (MB) | target: <= 1.5x the Core SELECT, < 100 MB |",
            "|---|--:|--:|--:|--:|---|",
            *lines,
        ]
    )
    print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(table + "\n")


if __name__ == "__main__":
    main()
