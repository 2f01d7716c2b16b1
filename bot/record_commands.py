"""The commands that read or prepare the stored records, with no Slack needed: `db upgrade`, `export`, `report`
(the governors' pack), `subject-access` and `status`. Each says in one line what it wrote, or what is wrong."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext
from datetime import UTC, date, datetime, time
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.views.concern_words import plural
from flows.slack_ids import USER_ID


def run_record_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db" and args.action == "downgrade":
        return _downgrade(settings.database_owner_url or settings.database_url, args.revision)
    if args.command == "db" and args.action == "restored":
        return _restored(settings.database_url)
    if args.command == "db":
        print(upgrade_database(settings.database_url, settings.database_owner_url))
        return 0
    if args.command == "export":
        return _export(args, settings)
    if args.command == "report":
        if args.all_schools:
            return _trust_report(args.start, args.end, args.output, settings)
        return _report(args.start, args.end, args.output, settings, args.school)
    if args.command == "status":
        return _status(settings)
    if args.command == "schools":
        from bot import schools_command

        return schools_command.run(settings.database_url, args, settings.database_owner_url)
    return _subject_access(args.user_id, args.output, settings, args.school)


def existing(
    url: str, schema: bool = True, school: str | None = None, scoped: bool = True, every: bool = False
) -> Engine | None:
    """The database's engine, for the school named (--school KEY), or the one there is; None (said in one line)
    when there is no database yet: opening it would leave an empty file. `schema=False`: the engine of a database
    that may not answer, or have no schema yet (for `status` to say which). `scoped=False`: for no school (the
    schools themselves). `every`: the command also takes --all-schools (a choice to be made says so)."""
    from storage.db import make_engine
    from storage.export import missing_database
    from storage.schools import chosen

    missing = missing_database(url)
    if missing is not None:
        print(f"policybot: no database yet at {missing}: run `policybot db upgrade` first", file=sys.stderr)
        return None
    engine = make_engine(url)
    if not scoped:
        return engine
    try:
        return chosen(engine, school, every)
    except SQLAlchemyError:
        if schema:
            raise
        return engine


def private_file(path: str, newline: str | None = None) -> TextIO:
    """A file only its owner may read (0600), however the umask is set: what these commands write is about people."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that was there before keeps its mode otherwise
    return open(descriptor, "w", encoding="utf-8", newline=newline)


def upgrade_database(url: str, owner_url: str | None = None) -> str:
    """Upgrade (as the tables' owner, when given), and say what was done, by the revisions before and after."""
    from storage.db import current_revision, upgrade

    before = current_revision(url)
    upgrade(url, owner_url)
    after = current_revision(url)
    if before is None:
        return f"created the database schema (revision {after})"
    if before != after:
        return f"upgraded the database schema from revision {before} to {after}"
    return f"the database schema is already current (revision {after})"


def _downgrade(url: str, revision: str | None) -> int:
    """A rollback's first step, run with the newer policybot before the older is put back (docs/operations.md)."""
    from storage.db import current_revision, downgrade

    if not revision:
        print("policybot: say which revision to go back to, such as `policybot db downgrade 0010`", file=sys.stderr)
        return 2
    if existing(url, scoped=False) is None:
        return 3
    before = current_revision(url)
    downgrade(url, revision)
    print(f"took the database schema back from revision {before} to {current_revision(url)}")
    return 0


def _restored(url: str) -> int:
    """After a backup is restored, before the bot starts: what waited then may have been sent since."""
    from storage.outbox import OutboxStore
    from storage.schools import every_school

    engine = existing(url, scoped=False)
    if engine is None:
        return 3
    marked = sum(OutboxStore(school).restored() for school in every_school(engine))
    print(
        f"{plural(marked, 'message')} waiting at the backup will be looked for in Slack before being sent again. "
        "Records redacted since the backup are back: run `policybot retention --apply` now."
    )
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from storage.export import write
    from storage.schools import by_key, zone_of

    if args.all_schools and args.school:
        print("policybot: export: --school or --all-schools, not both", file=sys.stderr)
        return 2
    engine = existing(settings.database_url, school=args.school, scoped=not args.all_schools, every=True)
    if engine is None:
        return 3
    schools: list[tuple[str | None, Engine]] = list(by_key(engine)) if args.all_schools else [(None, engine)]
    out = private_file(args.output, newline="") if args.output else nullcontext(sys.stdout)
    try:
        with out as handle:  # written as it is read, a batch of records at a time
            if args.all_schools and args.format == "json":
                handle.write('{\n"schools": [\n')
            for n, (key, opened) in enumerate(schools):
                zone = ZoneInfo(zone_of(opened, settings.timezone))
                since = None if args.since is None else datetime.combine(args.since, time(), zone)  # midnight there
                if n and args.format == "json":
                    handle.write(",\n")
                write(
                    handle,
                    opened,
                    args.format,
                    since,
                    args.include_details,
                    args.log,
                    tz=zone,
                    school=key,
                    header=n == 0,
                )
            if args.all_schools and args.format == "json":
                handle.write("]\n}\n")
    except BaseException:
        if args.output and os.path.isfile(args.output):  # a failed export leaves no half-written file behind
            os.remove(args.output)
        raise
    return 0


def _report(start: date | None, end: date | None, output: str, settings: Settings, key: str | None) -> int:
    from bot.governors_pack import pack
    from storage.schools import zone_of

    engine = existing(settings.database_url, school=key, every=True)
    if engine is None:
        return 3
    school = ZoneInfo(zone_of(engine, settings.timezone))
    period = _period(start, end, school)
    if period is None:
        return 2
    start, end = period
    page = pack(engine, start, end, school, settings.ack_nudge_after, settings.pack_suppress_below, settings.platforms)
    with private_file(output) as out:
        out.write(page)
    print(f"wrote {output}: the governors' pack for {start:%d %B %Y} to {end:%d %B %Y}")
    return 0


def _trust_report(start: date | None, end: date | None, output: str, settings: Settings) -> int:
    from bot.trust_pack import trust_pack

    engine = existing(settings.database_url, scoped=False)
    if engine is None:
        return 3
    period = _period(start, end, ZoneInfo(settings.timezone))
    if period is None:
        return 2
    start, end = period
    page = trust_pack(engine, start, end, settings.timezone, settings.ack_nudge_after, settings.pack_suppress_below)
    with private_file(output) as out:
        out.write(page)
    print(f"wrote {output}: the trust's figures for {start:%d %B %Y} to {end:%d %B %Y}")
    return 0


def _period(start: date | None, end: date | None, zone: ZoneInfo) -> tuple[date, date] | None:
    """--from and --to, by default the twelve months to today; None (said in one line) when they are backwards."""
    from flows.pack import default_period

    first, last = default_period(datetime.now(zone).date())
    start, end = start or first, end or last
    if end < start:
        print("policybot: --to is before --from", file=sys.stderr)
        return None
    return start, end


def _status(settings: Settings) -> int:
    """What /healthz says, for a terminal or a monitoring script: one line, exit 0 when healthy, 1 when not."""
    from bot.clock import FileClock, utc_now
    from bot.health import health, together
    from storage.outbox import OutboxStore
    from storage.schools import every_school

    engine = existing(settings.database_url, scoped=False)
    if engine is None:
        return 3
    try:
        schools = every_school(engine)  # messages waiting anywhere: each school's outbox in turn
    except SQLAlchemyError:
        schools = [engine]  # it does not answer, or has no schema yet: health says which
    now = FileClock(settings.clock_file)() if settings.clock_file else utc_now()  # a rehearsal's clock, as the bot's
    limit = settings.healthz_max_pending_seconds
    found = together([health(OutboxStore(school), now, limit, None) for school in schools])
    oldest = "" if found.oldest_waiting_seconds is None else f", the oldest for {found.oldest_waiting_seconds} s"
    waiting = f"{plural(found.waiting, 'message')} waiting to be sent{oldest}"
    if found.reason is None:
        print(f"ok: the database answers; {waiting}")
        return 0
    print(f"unhealthy: {found.reason}; {waiting}")
    return 1


def display_name(person: str, settings: Settings) -> str | None:
    """The person's name as the workspace shows it (users.info, with the bot's token), for the subject access page;
    None without a token, or when Slack cannot say (the page then shows the id alone)."""
    if not settings.slack_bot_token:
        return None
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackClientError

    base = settings.slack_api_url or WebClient.BASE_URL
    try:
        client = WebClient(token=settings.slack_bot_token, base_url=base, timeout=5)
        user = client.users_info(user=person).get("user") or {}
    except (SlackClientError, OSError):
        return None
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("real_name")
    return str(name) if name else None


def _subject_access(person: str, output: str | None, settings: Settings, key: str | None) -> int:
    from bot.subject_access_page import render
    from storage.schools import zone_of
    from storage.subject_access import gather

    if not USER_ID.match(person):
        print(f"policybot: {person!r} is not a Slack user id (such as U0123ABCD)", file=sys.stderr)
        return 2
    engine = existing(settings.database_url, school=key)
    if engine is None:
        return 3
    document = gather(engine, person, datetime.now(UTC))
    school, platforms = ZoneInfo(zone_of(engine, settings.timezone)), settings.platforms
    base = output or f"subject-access-{person}"
    with private_file(f"{base}.json") as out:
        json.dump(document, out, indent=2)
    with private_file(f"{base}.html") as out:
        out.write(render(document, school, display_name(person, settings), platforms))
    print(
        f"wrote {base}.json and {base}.html: {plural(document['records'], 'record')} about {person}, "
        f"{plural(document['withheld_fields'], 'field')} withheld for the data protection officer to review"
    )
    return 0
