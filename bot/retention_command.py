"""`policybot retention`: what retention will do and when (a dry run), or `--apply` to do what is due today, which
the running bot also does by itself once a month. What it puts in the outbox (deletions of Slack messages, the
safeguarding lead's questions) is sent by the running bot."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from flows.retention import DEFAULTS, Disposal

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.retention import Planned


def add_parser(commands: Any) -> None:
    retention = commands.add_parser(
        "retention",
        help="what retention redacts and when (a dry run); --apply does what is due today",
        description="Lists every record whose retention period ends within a year (RETAIN_*_YEARS settings), and "
        "what happens to it: redacted by policybot, or a safeguarding lead asked to confirm (concerns on the "
        "safeguarding route and those that name a member of staff). --apply does what is due today.",
    )
    retention.add_argument("--apply", action="store_true", help="redact what is due, and ask for confirmations")
    retention.add_argument(
        "--school",
        metavar="KEY",
        help="a trust's school, by its key (`policybot schools list`): needed when the database holds several",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.campus import build_campus
    from bot.record_commands import existing
    from storage.schools import chosen
    from storage.tenancy import school_of

    found = existing(settings.database_url, scoped=False)
    if found is None:
        return 3
    try:
        wanted = school_of(chosen(found, args.school))  # with several schools and none named: one line, choose
    finally:
        found.dispose()
    # The bot's own parts, for the school (its roles: nothing is asked of Slack here; a rehearsal's clock, as the
    # bot's): redactions go through the one command path, and the running bot sends what they leave to tell.
    deps = next(d for d in build_campus(settings).every() if school_of(d.engine) == wanted)
    retention = deps.nudger.retention
    assert retention is not None
    if args.apply:
        done = retention.apply()
        print(
            f"retention: {done.redacted} redacted; {done.asked} sent to a safeguarding lead to confirm; "
            f"{done.waiting} waiting for their decision. The running bot deletes its Slack messages about what was "
            "redacted, and sends the questions."
        )
        return 0
    for line in _listing(retention.plan(), retention.today().isoformat(), settings):
        print(line)
    return 0


def _listing(plan: list[Planned], today: str, settings: Settings) -> list[str]:
    lines = ["Retention periods (years from when a record closed):"]
    for held, default in DEFAULTS.items():
        lines.append(f"  {settings.retention_years[held]:>3}  {held.label} ({default.setting})")
    now = [p for p in plan if p.due.due_on.isoformat() <= today]
    later = [p for p in plan if p.due.due_on.isoformat() > today]
    for title, part in (("Due now", now), ("Due within a year", later)):
        lines.append(f"{title}: {len(part) or 'nothing'}")
        lines += [_line(p) for p in part]
    if now:
        lines.append("`policybot retention --apply` does what is due now (the running bot does it monthly).")
    return lines


def _line(planned: Planned) -> str:
    due = planned.due
    if due.disposal is Disposal.REDACT:
        what = "policybot redacts it"
    elif planned.asked_at is not None:
        what = f"a safeguarding lead was asked on {planned.asked_at:%Y-%m-%d}; waiting for their decision"
    else:
        what = "a safeguarding lead will be asked to confirm"
    record = due.record
    return f"  {due.due_on}  {record.label}: {record.held.label}, closed {record.closed_on}; {what}"
