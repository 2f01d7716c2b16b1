"""A trust's schools, from the one file its IT lead keeps (`policybot schools import FILE`, or SCHOOLS_FILE): each
school's key, name, Slack workspace and leadership channel, its people by role (a user group may stand for a
list), and its time zone; and the trust's own safeguarding leads. Read and checked here, before anything is
stored: every problem is one line naming the school and the field."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.errors import DomainError
from flows.scheduling import Closures, ScheduleError, WorkingHours
from flows.slack_ids import CHANNEL_ID, TEAM_ID, USER_ID, USERGROUP_ID

KEY = re.compile(r"^[a-z][a-z0-9-]{1,30}$")  # short and stable: --school north, exports, logs, references
LISTS = ("staff", "leaders", "safeguarding_leads", "governors")  # people by role, each a list of user ids...
GROUPS = ("staff_usergroup", "leaders_usergroup", "governors_usergroup")  # ...or a user group standing for one
ONE = ("headteacher", "chair")
CALENDAR = ("working_hours", "closures", "policy_review_date")  # optional: else the settings' own
RULES_FILE = "contact_rules_file"  # optional: the school's own section 6 rules (else CONTACT_RULES_FILE's)
SCHOOL_FIELDS = frozenset(
    {"key", "name", "team_id", "leadership_channel", "timezone", *LISTS, *GROUPS, *ONE, *CALENDAR, RULES_FILE}
)
TRUST_FIELDS = frozenset({"name", "safeguarding_leads"})


class SchoolRole(StrEnum):
    """A person's place at a school, as the file gives it (a user group may stand for the staff, leaders, governors)."""

    STAFF = "staff"
    LEADER = "leader"
    SAFEGUARDING_LEAD = "safeguarding_lead"
    HEADTEACHER = "headteacher"
    CHAIR = "chair"
    GOVERNOR = "governor"
    TRUST_SAFEGUARDING_LEAD = "trust_safeguarding_lead"  # the trust's: told of every school's safeguarding concerns


class SchoolsError(DomainError):
    """Everything wrong with the file, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class School:
    key: str
    name: str
    team_id: str  # its Slack workspace (several schools may share one)
    leadership_channel: str
    headteacher: str
    chair: str
    safeguarding_leads: frozenset[str]
    staff: frozenset[str] = frozenset()
    leaders: frozenset[str] = frozenset()
    governors: frozenset[str] = frozenset()
    staff_usergroup: str | None = None
    leaders_usergroup: str | None = None
    governors_usergroup: str | None = None
    timezone: str = "Europe/London"
    working_hours: str | None = None  # as WORKING_HOURS; None: the settings'
    closures: tuple[str, ...] = ()  # as the closures file's lines (SCHOOL_CLOSURES_FILE); none: the settings'
    policy_review_date: date | None = None  # as POLICY_REVIEW_DATE; None: the settings'
    contact_rules_file: str | None = None  # as the file names it (bot.schools_command reads it into contact_rules)
    contact_rules: str | None = None  # the rules' own text, as CONTACT_RULES_FILE holds it; None: the settings'

    def members(self) -> frozenset[tuple[SchoolRole, str]]:
        """Everyone the file names at this school, by role: user ids, and user groups standing for a list."""
        named = {
            SchoolRole.STAFF: {*self.staff, *_given(self.staff_usergroup)},
            SchoolRole.LEADER: {*self.leaders, *_given(self.leaders_usergroup)},
            SchoolRole.SAFEGUARDING_LEAD: self.safeguarding_leads,
            SchoolRole.HEADTEACHER: {self.headteacher},
            SchoolRole.CHAIR: {self.chair},
            SchoolRole.GOVERNOR: {*self.governors, *_given(self.governors_usergroup)},
        }
        return frozenset((role, slack_id) for role, ids in named.items() for slack_id in ids)


def _given(value: str | None) -> set[str]:
    return {value} if value else set()


@dataclass(frozen=True)
class Trust:
    name: str | None
    safeguarding_leads: frozenset[str]  # told of each school's safeguarding concerns; see every school's queue
    schools: tuple[School, ...]


def parse_trust(text: str) -> Trust:
    """The file's trust and schools; SchoolsError listing every problem when any field is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SchoolsError([f"not a TOML file the trust's schools can be read from ({error})"]) from None
    problems: list[str] = []
    unknown = set(data) - {"trust", "school"}
    problems += [f"{name}: not a section this file has (expected [trust] and [[school]])" for name in sorted(unknown)]
    trust = data.get("trust", {})
    if not isinstance(trust, dict):
        trust = {}
        problems.append("trust: expected a [trust] section")
    problems += [f"trust.{name}: not a field of [trust]" for name in sorted(set(trust) - TRUST_FIELDS)]
    trust_leads = _ids(trust.get("safeguarding_leads", []), "trust.safeguarding_leads", USER_ID, problems)
    entries = data.get("school", [])
    if not isinstance(entries, list) or not entries:
        problems.append("school: no [[school]] in the file: there must be at least one")
        entries = []
    schools = [_school(entry, number, problems) for number, entry in enumerate(entries, start=1)]
    for field in ("key", "leadership_channel"):
        seen: dict[str, int] = {}
        for number, school in enumerate(schools, start=1):
            value = getattr(school, field) if school else None
            if value and value in seen:
                problems.append(f"school {number}: {field} {value!r} is school {seen[value]}'s already")
            elif value:
                seen[value] = number
    if problems:
        raise SchoolsError(problems)
    name = trust.get("name")
    return Trust(str(name) if name else None, trust_leads, tuple(s for s in schools if s is not None))


def _school(entry: object, number: int, problems: list[str]) -> School | None:
    if not isinstance(entry, dict):
        problems.append(f"school {number}: expected a [[school]] table")
        return None
    key = entry.get("key")
    where = f"school {number} ({key})" if isinstance(key, str) and key else f"school {number}"
    before = len(problems)
    problems += [f"{where}: {name} is not a field of a school" for name in sorted(set(entry) - SCHOOL_FIELDS)]
    if not isinstance(key, str) or not KEY.match(key):
        problems.append(f"{where}: key {key!r}: expected a short name in lower case, such as 'north'")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: name: the school's name is missing")
    team = _id(entry.get("team_id"), f"{where}: team_id", TEAM_ID, "a workspace id such as T0123ABCD", problems)
    channel = _id(
        entry.get("leadership_channel"),
        f"{where}: leadership_channel",
        CHANNEL_ID,
        "a channel id such as G0123ABCD (the school's private leadership channel)",
        problems,
    )
    one = {
        role: _id(entry.get(role), f"{where}: {role}", USER_ID, "a user id such as U0123ABCD", problems) for role in ONE
    }
    lists = {role: _ids(entry.get(role, []), f"{where}: {role}", USER_ID, problems) for role in LISTS}
    groups = {
        group: _id(entry[group], f"{where}: {group}", USERGROUP_ID, "a user group id such as S0123ABCD", problems)
        if group in entry
        else None
        for group in GROUPS
    }
    if not lists["safeguarding_leads"]:
        problems.append(f"{where}: safeguarding_leads: at least one designated safeguarding lead")
    for role in ("staff", "leaders"):
        if not lists[role] and not groups[f"{role}_usergroup"]:
            problems.append(f"{where}: {role}: a list of user ids, or {role}_usergroup")
    zone = entry.get("timezone", "Europe/London")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{where}: timezone {zone!r}: expected a name such as Europe/London")
    calendar = _calendar(entry, where, problems)
    if len(problems) > before:
        return None
    return School(
        **calendar,
        key=str(key),
        name=str(name).strip(),
        team_id=team or "",
        leadership_channel=channel or "",
        headteacher=one["headteacher"] or "",
        chair=one["chair"] or "",
        timezone=str(zone),
        safeguarding_leads=lists["safeguarding_leads"],
        staff=lists["staff"],
        leaders=lists["leaders"],
        governors=lists["governors"],
        staff_usergroup=groups["staff_usergroup"],
        leaders_usergroup=groups["leaders_usergroup"],
        governors_usergroup=groups["governors_usergroup"],
    )


def _calendar(entry: dict[str, Any], where: str, problems: list[str]) -> dict[str, Any]:
    """The school's own working hours, closures and review date, each checked as its setting is."""
    found: dict[str, Any] = {}
    hours = entry.get("working_hours")
    if hours is not None:
        try:
            WorkingHours.parse(str(hours))
            found["working_hours"] = str(hours)
        except ScheduleError as error:
            problems.append(f"{where}: working_hours {hours!r}: {error}")
    closures = entry.get("closures")
    if closures is not None:
        if not isinstance(closures, list) or not all(isinstance(line, str) for line in closures):
            problems.append(f'{where}: closures: expected a list such as ["2026-12-19 to 2027-01-04", "2027-01-05"]')
        else:
            try:
                Closures.parse("\n".join(closures))
                found["closures"] = tuple(line.strip() for line in closures if line.strip())
            except ScheduleError as error:
                problems.append(f"{where}: closures: {error}")
    rules = entry.get(RULES_FILE)
    if rules is not None:
        if isinstance(rules, str) and rules.strip():
            found["contact_rules_file"] = rules.strip()
        else:
            problems.append(f"{where}: {RULES_FILE}: expected the name of a contact rules file")
    review = entry.get("policy_review_date")
    if review is not None:
        try:
            found["policy_review_date"] = review if isinstance(review, date) else date.fromisoformat(str(review))
        except ValueError:
            problems.append(f"{where}: policy_review_date {review!r}: expected a date such as 2027-03-01")
    return found


def _id(value: object, where: str, pattern: re.Pattern[str], expected: str, problems: list[str]) -> str | None:
    if isinstance(value, str) and pattern.match(value):
        return value
    problems.append(f"{where} {value!r}: expected {expected}" if value is not None else f"{where}: missing")
    return None


def _ids(value: object, where: str, pattern: re.Pattern[str], problems: list[str]) -> frozenset[str]:
    if not isinstance(value, list):
        problems.append(f'{where}: expected a list of user ids, such as ["U0123ABCD"]')
        return frozenset()
    bad = [v for v in value if not isinstance(v, str) or not pattern.match(v)]
    if bad:
        problems.append(f"{where}: {', '.join(repr(v) for v in bad)}: expected user ids such as U0123ABCD")
    return frozenset(v for v in value if isinstance(v, str) and pattern.match(v))
