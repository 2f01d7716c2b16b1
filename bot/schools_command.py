"""`policybot schools import FILE` and `policybot schools list`: the trust's schools, from the one file its IT lead
keeps (flows.schools reads and checks it; storage.schools stores it). Also what SCHOOLS_FILE does at start-up."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.views.concern_words import plural
from flows.contact import RulesError, parse_rules
from flows.errors import DomainError
from flows.schools import School, SchoolsError, Trust, parse_trust


def add_parser(commands: Any) -> None:
    schools = commands.add_parser(
        "schools",
        help="a trust's schools: import them from a schools file, or list them",
        description="import FILE: store the trust's schools and their people from the file (examples/schools.toml "
        "shows one); run it again after every change to the file. list: the schools served.",
    )
    schools.add_argument("action", choices=["import", "list"], help="import FILE, or list")
    schools.add_argument("file", nargs="?", help="import: the schools file (TOML)")
    schools.add_argument(
        "--adopt",
        metavar="KEY",
        help="import, once, when this database already holds the records of the one school run from the settings: "
        "the key of that school in the file (its records become that school's)",
    )


def read(path: str) -> Trust:
    """The file's trust, each school's own contact rules read from the file it names (beside the schools file);
    SchoolsError (every problem, a line each) when it cannot be read or is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SchoolsError([f"{path}: cannot be read ({type(error).__name__})"]) from None
    trust = parse_trust(text)
    problems: list[str] = []
    schools = [
        _with_rules(school, Path(path).parent, number, problems) for number, school in enumerate(trust.schools, 1)
    ]
    if problems:
        raise SchoolsError(problems)
    return replace(trust, schools=tuple(schools))


def _with_rules(school: School, folder: Path, number: int, problems: list[str]) -> School:
    if school.contact_rules_file is None:
        return school
    named = folder / school.contact_rules_file
    where = f"school {number} ({school.key}): contact_rules_file {school.contact_rules_file!r}"
    try:
        rules = named.read_text(encoding="utf-8")
        parse_rules(rules)
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"{where}: cannot be read ({type(error).__name__})")
        return school
    except RulesError as error:
        problems.append(f"{where}: not usable: {error}")
        return school
    return replace(school, contact_rules=rules)


def run(url: str, args: argparse.Namespace, owner_url: str | None = None) -> int:
    from bot.record_commands import existing

    if args.action == "list":
        engine = existing(url, scoped=False)
        if engine is None:
            return 3
        for line in listing(engine):
            print(line)
        return 0
    if not args.file:
        print("policybot: schools import FILE: name the schools file", file=sys.stderr)
        return 2
    try:
        for line in import_file(url, args.file, args.adopt, owner_url):
            print(line)
    except DomainError as error:
        for problem in error.problems if isinstance(error, SchoolsError) else [str(error)]:
            print(f"policybot: schools file: {problem}", file=sys.stderr)
        return 2
    return 0


def import_file(url: str, path: str, adopt: str | None = None, owner_url: str | None = None) -> list[str]:
    """Read, check and store the file (the schema first brought up to date); what was done, a line per school."""
    from storage.db import make_engine, upgrade
    from storage.school_import import import_trust

    trust = read(path)
    upgrade(url, owner_url)
    engine = make_engine(url)
    try:
        done = import_trust(engine, trust, datetime.now(UTC), adopt)
    finally:
        engine.dispose()
    named = {school.key: school for school in trust.schools}
    lines = []
    if done.adopted:
        lines.append(f"{done.adopted}: the school run from the settings until now; its records are {done.adopted}'s")
    lines += [f"{key}: added ({named[key].name}; {_named(len(named[key].members()))})" for key in done.added]
    lines += [f"{key}: updated ({added} added, {removed} removed)" for key, (added, removed) in done.updated.items()]
    lines += [f"{key}: unchanged" for key in done.unchanged]
    lines += [f"{key}: not in the file: kept as it was, with its records" for key in done.missing]
    return lines


def _named(count: int) -> str:
    return f"{plural(count, 'person or group', 'people or groups')} named by role"


def listing(engine: Any) -> list[str]:
    from storage.schools import listed

    lines = []
    for school in listed(engine):
        if school.from_settings:
            lines.append(f"{school.key}: the one school run from the settings (LEADERSHIP_CHANNEL_ID and the rest)")
            continue
        where = f"workspace {school.team_id}, leadership channel {school.leadership_channel}, {school.timezone}"
        lines.append(f"{school.key}: {school.name} ({where}; {_named(school.people)})")
    return lines or ["no schools yet: `policybot db upgrade` makes the one run from the settings"]


def to_serve(settings: Any) -> list[School]:
    """The schools `serve` and `check` are for: SCHOOLS_FILE's, else those imported before; none for the one school
    the settings describe. SchoolsError when SCHOOLS_FILE is wrong."""
    from storage.db import make_engine
    from storage.schools import described, trust_held

    if settings.schools_file:
        return list(read(settings.schools_file).schools)
    if not trust_held(settings.database_url):
        return []
    engine = make_engine(settings.database_url)
    try:
        return [school for _, school in described(engine)]
    finally:
        engine.dispose()
