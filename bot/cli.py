"""The `policybot` command: its options, serve, check, and the sandbox; the commands that read the stored records
are in bot.record_commands. The only place that loads .env."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime

from dotenv import load_dotenv
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import retention_command, schools_command
from bot.arguments import command_parser, package_version
from bot.config import ConfigError, ConfigErrors, Settings
from bot.setup_check import database_problem
from flows.errors import DomainError
from flows.schools import SchoolsError
from storage.db import SchemaProblem

log = logging.getLogger("policybot")

RECORD_COMMANDS = (
    "db",
    "export",
    "report",
    "subject-access",
    "status",
    "schools",
)  # bot.record_commands: no Slack needed
SETTINGS_HELP = "policybot: see .env.example and the Configuration table in README.md for every setting."
# The start-up check answers within this many seconds when Slack cannot be reached, and does not retry.
CHECK_TIMEOUT_SECONDS = 5


AT_LEAST_INFO = ("slack_sdk", "urllib3")
# Bolt logs a rejected request's whole body at INFO; APScheduler two lines per job run, every minute; slack_sdk's Web
# API client and its retry handlers a line or more per retry (the bot's own line says what failed).
AT_LEAST_WARNING = (
    "slack_bolt",
    "sqlalchemy",
    "alembic",
    "apscheduler.executors",
    "apscheduler.scheduler",
    "slack_sdk.web",
    "slack_sdk.http_retry",
)


def _configure_logging(level: str) -> None:
    # Times with their UTC offset (a log read in another zone, or across the clocks changing, is not ambiguous).
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%S%z"
    )
    # slack_sdk and Bolt write whole request bodies at DEBUG, and SQLAlchemy writes every statement with its
    # parameters at INFO: either would put what staff reported into the logs, whatever POLICYBOT_LOG_LEVEL says.
    for name in AT_LEAST_INFO:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    for name in AT_LEAST_WARNING:
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    load_dotenv(os.environ.get("POLICYBOT_ENV_FILE", ".env"))
    try:
        args = command_parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed its own one-line usage error
        return int(stop.code or 0)
    try:
        return _run(args)
    except (ConfigError, ConfigErrors) as error:
        for problem in error.problems if isinstance(error, ConfigErrors) else [error]:
            print(f"policybot: configuration problem: {problem}", file=sys.stderr)
        print(SETTINGS_HELP, file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"policybot: database problem: {database_problem(error)}", file=sys.stderr)
        return 3
    except SchoolsError as error:  # SCHOOLS_FILE, read at start-up
        for line in error.problems:
            print(f"policybot: schools file: {line}", file=sys.stderr)
        return 2
    except DomainError as error:  # a school asked for that is not there, or several to choose from
        print(f"policybot: {error}", file=sys.stderr)
        return 2
    except SchemaProblem as error:  # 4: a restart cannot mend it (the service unit stays stopped)
        print(f"policybot: database schema: {error}", file=sys.stderr)
        return 4


def _credentials_given() -> bool:
    """Any Slack credential in the environment or .env: then `run` is the real bot (and a half-filled configuration
    is reported as an error, never answered with the sandbox)."""
    return any(
        os.environ.get(name, "").strip()
        for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID")
    )


def _trust_held() -> bool:
    """The database DATABASE_URL names holds a trust's schools (a malformed URL: Settings.from_env says so)."""
    from bot.reader import Reader
    from storage.schools import trust_held

    try:
        return trust_held(Reader(os.environ).database_url("DATABASE_URL"))
    except ConfigError:
        return False


def _run(args: argparse.Namespace) -> int:
    from storage.db import make_engine, upgrade
    from storage.policy import adopt_setting
    from storage.schools import by_key

    if args.command == "sandbox" or args.command == "run" and not _credentials_given():
        # The sandbox is Slack's stand-in and reaches the bot only over HTTP: started as a program of its own.
        because = [] if args.command == "sandbox" else ["--because", "no Slack credentials are configured"]
        flags = [f"--{name}" for name in ("reset", "trust") if getattr(args, name)]
        options = ["--port", str(args.port), "--host", args.host, *flags]
        os.execv(sys.executable, [sys.executable, "-m", "sandbox", *options, *because])
    # Every setting is read here, once (the record commands need none of the Slack side; a trust's schools, none of
    # the one school's).
    slack = args.command not in RECORD_COMMANDS
    settings = Settings.from_env(os.environ, slack=slack, trust=slack and _trust_held())
    _configure_logging(settings.log_level)
    if args.command == "run":
        args.http, args.host, args.port, args.workers, args.threads = False, "127.0.0.1", settings.port, 1, 8
        args.command = "serve"
    if args.command == "serve" and args.port is None:
        args.port = settings.port
    if args.command in RECORD_COMMANDS:
        from bot.record_commands import run_record_command

        return run_record_command(args, settings)

    from bot.setup_check import everything, problems
    from bot.slack_api import make_client

    if args.command == "retention":
        return retention_command.run(settings, args)
    client = make_client(settings, retries=False, timeout=CHECK_TIMEOUT_SECONDS)
    schools = schools_command.to_serve(settings)
    if args.command == "check":
        found = everything(settings, client, schools)
        for line in found:
            print(f"problem: {line}")
        if not found:
            print(
                "all good: the database answers, policybot can reach Slack with every scope it needs, post to the "
                "private leadership channel, and everyone the settings name is in the workspace"
            )
        return 1 if found else 0
    found = problems(settings, client, schools)
    if found:
        for line in found:
            print(f"policybot: will not start: {line}", file=sys.stderr)
        # Slack out of reach may pass (1: the service unit starts it again); a refused token or a public channel
        # is the set-up's, like a setting (2: it stays stopped until someone puts it right).
        return 1 if all(line.startswith("Slack could not be reached") for line in found) else 2
    log.info("database: %s", make_url(settings.database_url).render_as_string(hide_password=True))
    upgrade(settings.database_url, settings.database_owner_url)
    if settings.schools_file:
        for line in schools_command.import_file(settings.database_url, settings.schools_file):
            log.info("schools file: %s", line)
    engine = make_engine(settings.database_url)
    try:
        for key, school in by_key(engine):
            if adopt_setting(school, settings.policy_version, datetime.now(UTC)):
                log.info("policy version %s recorded as in force (%s)", settings.policy_version, key)
    finally:
        engine.dispose()  # no connection is left open when HTTP mode forks its processes
    log.info("policybot %s starting", package_version())
    try:
        if settings.slack_app_token and not args.http:
            if settings.oauth:
                raise ConfigError(
                    "SLACK_APP_TOKEN",
                    "Socket Mode serves one workspace's bot token; installed through Slack's OAuth flow "
                    "(SLACK_CLIENT_ID), serve over HTTP (serve --http, or leave SLACK_APP_TOKEN out)",
                )
            _serve_socket_mode(settings)
        else:
            from bot.server import serve_http

            return serve_http(settings, args.host, args.port, args.workers, args.threads)
    finally:
        log.info("policybot stopped")
    return 0


def _serve_socket_mode(settings: Settings) -> None:
    from threading import Event

    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.app import create_app
    from bot.campus import build_campus
    from bot.jobs import start_scheduler

    campus = build_campus(settings)
    handler = SocketModeHandler(create_app(campus), settings.slack_app_token)
    try:
        handler.connect()  # fails here, with Slack's answer, if the app token is wrong
    except SlackApiError as error:
        raise ConfigError(
            "SLACK_APP_TOKEN",
            f"Slack refused it ({error.response.get('error')}); expected an "
            "app-level token with the connections:write scope",
        ) from None
    start_scheduler(campus)
    log.info("policybot connected to Slack over Socket Mode")
    Event().wait()  # the handler's own threads carry on; this one waits until the process is stopped


def entry_point() -> None:
    sys.exit(main())
