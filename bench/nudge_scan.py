"""What a nudge pass costs: 50 open concerns alone, against the same 50 among 100,000 stored (the rest resolved),
with 10,000 decided contact questions and 10,000 long-lapsed declarations beside them.

    .venv/bin/python -m bench.nudge_scan [--stored 100000] [--open 50] [--passes 200]
    POLICYBOT_BENCH_DATABASE_URL=postgresql+psycopg://... to run it on PostgreSQL (a fresh database each run)

A pass is what the scheduler does every SCHEDULER_SCAN_SECONDS when nothing is due: find open items without a due
time, find what is due now, find the soonest due time (for the wake-up), and look at the governors' review. The
passes run against the real stores and Nudger, with Slack calls stubbed out (nothing is due, so none would be
made). The table goes to stdout and bench/results/nudge_scan.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.directory import Directory
from bot.nudges import Nudger
from storage.db import make_engine, upgrade
from storage.declarations import DeclarationStore
from storage.models import Concern, ContactCheck, Declaration
from storage.nudges import NudgeStore
from storage.reviews import ReviewStore
from storage.schools import settings_school
from storage.tenancy import school_of

RESULTS = Path(__file__).resolve().parent / "results" / "nudge_scan.md"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def fresh_database(folder: Path, name: str) -> str:
    server = os.environ.get("POLICYBOT_BENCH_DATABASE_URL")
    if not server:
        return f"sqlite:///{folder / (name + '.db')}"
    database = f"policybot_bench_{name}_{uuid.uuid4().hex[:6]}"
    with create_engine(server, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def fill(url: str, stored: int, open_items: int) -> None:
    """`stored` concerns, of which `open_items` are new and due in an hour; the rest resolved long ago."""
    upgrade(url)
    engine = settings_school(make_engine(url))
    rows: list[dict[str, Any]] = []
    for i in range(stored):
        is_open = i >= stored - open_items
        created = NOW - timedelta(days=400) + timedelta(seconds=i)
        rows.append(
            {
                "reference": f"SMP-B-{i:06d}",
                "submission_key": f"bench-{i}",
                "reporter_id": "UBENCH",
                "area": "contact",
                "kind": "aggressive",
                "platform": "tiktok",
                "roles": "pupil",
                "names": "",
                "description": "benchmark",
                "links": "",
                "kept_copy": False,
                "safeguarding": False,
                "route_kind": "channel",
                "status": "new" if is_open else "resolved",
                "version": 1,
                "created_at": NOW if is_open else created,
                "updated_at": created,
                "nudges_sent": 0,
                "school_id": school_of(engine),
                "next_nudge_at": NOW + timedelta(hours=1) if is_open else None,
                "outcome": None if is_open else "no_action",
            }
        )
        if len(rows) == 5000:
            with engine.begin() as conn:
                conn.execute(insert(Concern), rows)
            rows = []
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(Concern), rows)
    history = max(0, stored - open_items) // 10  # and history of the other kinds: decided questions, old declarations
    if history:
        checks = [
            {
                "submission_key": f"bench-check-{i}",
                "asked_by": "UBENCH",
                "asked_at": NOW - timedelta(days=300),
                "person": "PUPIL_FAMILY",
                "channel": "SOCIAL_NETWORK",
                "person_described": "",
                "verdict": "REFER",
                "rule_ids": "",
                "request_status": "approved",
                "version": 3,
                "nudges_sent": 0,
                "school_id": school_of(engine),
            }
            for i in range(history)
        ]
        declarations = [
            {
                "submission_key": f"bench-declaration-{i}",
                "staff_id": "UBENCH",
                "person": "PUPIL",
                "relationship": "family",
                "person_described": "x",
                "declared_at": NOW - timedelta(days=800),
                "confirm_by": (NOW - timedelta(days=400)).date(),
                "status": "acknowledged",
                "version": 2,
                "next_notice_on": None,  # lapsed long ago, leadership told
                "school_id": school_of(engine),
            }
            for i in range(history)
        ]
        with engine.begin() as conn:
            conn.execute(insert(ContactCheck), checks)
            conn.execute(insert(Declaration), declarations)
    if not url.startswith("sqlite"):
        with engine.begin() as conn:  # as PostgreSQL's autovacuum keeps a live database: statistics up to date
            conn.execute(text("ANALYZE"))
    engine.dispose()


def measure(url: str, passes: int) -> tuple[float, float]:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": url,
            "LEADERSHIP_CHANNEL_ID": "CBENCH",
            "LEADERSHIP_USER_IDS": "UBENCH",
            "SAFEGUARDING_LEAD_IDS": "UBENCH",
            "HEADTEACHER_ID": "UBENCH",
            "CHAIR_OF_GOVERNORS_ID": "UBENCH",
            "POLICY_REVIEW_DATE": "2027-03-01",
        }
    )
    engine = settings_school(make_engine(url))
    nudger = Nudger(
        settings,
        NudgeStore(engine),
        ReviewStore(engine),
        DeclarationStore(engine),
        Directory(settings, client=None),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )
    nudger.run()  # warm up
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        nudger.run()
        times.append(time.perf_counter() - start)
    engine.dispose()
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.nudge_scan")
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=50)
    parser.add_argument("--passes", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        small, large = fresh_database(Path(folder), "small"), fresh_database(Path(folder), "large")
        fill(small, args.open, args.open)
        started = time.perf_counter()
        fill(large, args.stored, args.open)
        filled = time.perf_counter() - started
        small_ms = measure(small, args.passes)
        large_ms = measure(large, args.passes)
    kind = "PostgreSQL" if os.environ.get("POLICYBOT_BENCH_DATABASE_URL") else "SQLite"
    table = "\n".join(
        [
            f"# One nudge pass, {kind} ({args.passes} passes each; filling {args.stored:,} rows took {filled:.1f} s)",
            "",
            "| stored concerns | open | pass p50 (ms) | pass p95 (ms) |",
            "|--:|--:|--:|--:|",
            f"| {args.open:,} | {args.open} | {small_ms[0]:.2f} | {small_ms[1]:.2f} |",
            f"| {args.stored:,} | {args.open} | {large_ms[0]:.2f} | {large_ms[1]:.2f} |",
            "",
            f"ratio (p50): {large_ms[0] / small_ms[0]:.2f}x",
        ]
    )
    print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(table + "\n")


if __name__ == "__main__":
    main()
