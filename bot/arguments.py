"""The policybot command's words: every command and option, with the help an IT lead reads (`policybot --help`);
bot.cli runs what they ask for."""

from __future__ import annotations

import argparse
from datetime import date
from importlib import metadata

from bot import retention_command, schools_command


def package_version() -> str:
    try:
        return metadata.version("policybot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policybot", description="The staff social media policy, in Slack.")
    parser.add_argument("--version", action="version", version=f"policybot {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command", help="what to do")
    serve = commands.add_parser("serve", help="run the bot (Socket Mode when SLACK_APP_TOKEN is set)")
    serve.add_argument("--http", action="store_true", help="answer Slack over HTTP even if SLACK_APP_TOKEN is set")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="HTTP mode: the address to listen on (default 127.0.0.1: behind a reverse proxy on the same machine; "
        "0.0.0.0 to listen on every interface)",
    )
    serve.add_argument(
        "--port",
        type=int,
        help="HTTP mode: the port to listen on (default $PORT, or 3000)",
    )
    serve.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (HTTP mode)")
    serve.add_argument("--threads", type=int, default=8, help="threads per worker (HTTP mode)")
    for name, what in (
        ("sandbox", "try policybot without Slack: a local Slack and a page to play the school's people on"),
        (
            "run",
            "what `make run` does: with any Slack credential configured, `serve` (its options are serve's defaults); "
            "with none, the sandbox, with these options",
        ),
    ):
        sandbox = commands.add_parser(name, help=what, description=what[0].upper() + what[1:] + ".")
        sandbox.add_argument("--port", type=int, default=8080, help="the sandbox page's port (default 8080)")
        sandbox.add_argument("--host", default="127.0.0.1", help="where the sandbox page listens (default loopback)")
        sandbox.add_argument("--reset", action="store_true", help="start the sandbox's school again from empty")
        sandbox.add_argument("--trust", action="store_true", help="the sandbox as a trust: two schools, one workspace")
    commands.add_parser("check", help="check the settings, the Slack token and the leadership channel")
    commands.add_parser(
        "status", help="is it doing its job: the database answers and no message has waited too long to be sent"
    )
    db = commands.add_parser("db", help="database commands")
    db.add_argument(
        "action",
        choices=["upgrade", "downgrade", "restored"],
        help="upgrade: create the schema, or bring it to the newest; downgrade REVISION: take it back (a rollback); "
        "restored: after restoring a backup, before starting the bot (docs/operations.md)",
    )
    db.add_argument("revision", nargs="?", help="downgrade: the revision to go back to (such as 0010)")
    export = commands.add_parser("export", help="the logs with their audit trails, for governors")
    export.add_argument("--format", choices=["csv", "json"], default="csv", help="csv (one log) or json (all of them)")
    export.add_argument("--since", type=date.fromisoformat, help="YYYY-MM-DD: records from that day on")
    export.add_argument(
        "--log",
        choices=["concerns", "contact_checks", "declarations", "policy_reviews"],
        default="concerns",
        help="with csv: which log (json holds them all)",
    )
    export.add_argument(
        "--include-details",
        action="store_true",
        help="also export every Slack user id and everything staff typed: descriptions, names, links, people as "
        "described, notes (sensitive: the default export names nobody)",
    )
    export.add_argument("--output", "-o", help="write to this file instead of standard output")
    report = commands.add_parser(
        "report",
        help="the governors' pack: one HTML file of the period's figures and charts, naming nobody",
        description="Writes one self-contained HTML file (opens offline, prints well) with the period's figures: "
        "concerns by area and kind, per month against the year before, by platform, time to acknowledge, "
        "escalations, outcomes, contact questions, declarations and reviews. Counts below PACK_SUPPRESS_BELOW "
        "(default 3) are shown as 'fewer than 3'.",
    )
    report.add_argument("--from", dest="start", type=date.fromisoformat, help="YYYY-MM-DD (default: a year ago)")
    report.add_argument("--to", dest="end", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
    report.add_argument("--output", "-o", default="pack.html", help="the file to write (default pack.html)")
    access = commands.add_parser(
        "subject-access",
        help="everything held about one person (UK GDPR article 15), as JSON and as a readable page",
        description="Writes FILE.json and FILE.html: what policybot holds about the person, with what is withheld "
        "(other people's ids and what others typed) listed for the data protection officer to review.",
    )
    access.add_argument("user_id", help="the person's Slack user id, such as U0123ABCD")
    access.add_argument("--output", "-o", help="the files' name without .json/.html (default subject-access-USER_ID)")
    for per_school in (export, report, access):
        per_school.add_argument(
            "--school",
            metavar="KEY",
            help="a trust's school, by its key (`policybot schools list`): needed when the database holds several",
        )
    export.add_argument(
        "--all-schools",
        action="store_true",
        help="every school the database holds, one after another, each record with its school's key",
    )
    report.add_argument(
        "--all-schools",
        action="store_true",
        help="the trust pack: every school's figures side by side, for the trust board, each as the school's own pack "
        "publishes it",
    )
    retention_command.add_parser(commands)
    schools_command.add_parser(commands)
    return parser
