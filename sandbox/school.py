"""The sandbox's seeded school: who works there, the private leadership channel, and the settings the bot is started
with, chosen so that the whole story shows in minutes (short nudge waits, the governors' review a week ahead). A
Seed says what a sandbox starts with: this school, or a trust's two (sandbox/trust.py)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from sandbox.workspace import BOT, Workspace

CHANNEL = "CLEADERSHIP"
ZONE = ZoneInfo("Europe/London")  # the school's time zone (the bot's default POLICYBOT_TIMEZONE)
TOKEN = "xoxb-sandbox-not-a-real-token"
# The one school's settings, never taken from the environment the sandbox is started in (the bot's ONE_SCHOOL).
ONE_SCHOOL = (
    "LEADERSHIP_CHANNEL_ID",
    "LEADERSHIP_USER_IDS",
    "LEADERSHIP_USERGROUP_ID",
    "SAFEGUARDING_LEAD_IDS",
    "HEADTEACHER_ID",
    "CHAIR_OF_GOVERNORS_ID",
    "GOVERNOR_USER_IDS",
    "GOVERNORS_USERGROUP_ID",
)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    title: str


STAFF = Person("USTAFF1", "Sam Taylor", "Teacher")
STAFF_2 = Person("USTAFF2", "Alex Morgan", "School business manager (in the leadership channel, not a leader)")
LEADER = Person("ULEAD1", "Priya Shah", "Deputy headteacher")
LEADER_2 = Person("ULEAD2", "Tom Evans", "Assistant headteacher")
DSL = Person("UDSL1", "Jo Clarke", "Designated safeguarding lead")
HEAD = Person("UHEAD1", "Helen Price", "Headteacher")
CHAIR = Person("UCHAIR1", "Martin Hughes", "Chair of governors")
GOVERNOR = Person("UGOV1", "Aisha Khan", "Governor")
PEOPLE = (STAFF, STAFF_2, LEADER, LEADER_2, DSL, HEAD, CHAIR, GOVERNOR)


@dataclass(frozen=True)
class Group:
    """People the page lists together: a school's (its key and name), or a trust's own."""

    key: str
    name: str
    people: tuple[Person, ...]
    school: bool = True  # a school (its office's records are its own), not the trust's own people


@dataclass(frozen=True)
class Seed:
    """What a sandbox starts with."""

    stem: str  # its files in the folder it is started from: STEM.db, STEM.json, STEM.clock, STEM.log...
    groups: tuple[Group, ...]  # its people, as the page lists them: one school's, or by school
    workspace: Callable[[], Workspace]
    settings: Callable[[Path], dict[str, str]]  # the bot's settings for its schools, given the folder


def workspace() -> Workspace:
    """The school's Slack: everyone, and the leadership channel with the leaders, the DSL, the head, the business
    manager (who takes the minutes but is not one of the leaders who act) and the bot."""
    people = {p.id: {"name": p.name, "title": p.title} for p in PEOPLE}
    people[BOT] = {"name": "policybot", "title": "App"}
    return Workspace(
        channels={CHANNEL: {"is_private": True, "is_member": True, "name": "leadership"}},
        members={CHANNEL: [LEADER.id, LEADER_2.id, DSL.id, HEAD.id, STAFF_2.id, BOT]},
        people=people,
        strict_triggers=True,
    )


def one_school(folder: Path | None = None) -> dict[str, str]:
    """The one school's settings: its channel and its people by role."""
    return {
        "LEADERSHIP_CHANNEL_ID": CHANNEL,
        "LEADERSHIP_USER_IDS": f"{LEADER.id},{LEADER_2.id}",
        "SAFEGUARDING_LEAD_IDS": DSL.id,
        "HEADTEACHER_ID": HEAD.id,
        "CHAIR_OF_GOVERNORS_ID": CHAIR.id,
        "GOVERNOR_USER_IDS": f"{CHAIR.id},{GOVERNOR.id}",
    }


SEED = Seed("sandbox", (Group("school", "The school", PEOPLE),), workspace, one_school)


def bot_environment(
    api_url: str, database_url: str, signing_secret: str, review_on: date, schools: dict[str, str] | None = None
) -> dict[str, str]:
    """The bot's settings in the sandbox, with `schools` (a Seed's settings; the one school's when None): nothing
    from the school's own .env or environment is read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADERSHIP_", "POLICYBOT_"))}
    for name in ("DATABASE_URL", "CONTACT_RULES_FILE", "SCHOOL_CLOSURES_FILE", "SCHOOLS_FILE", *ONE_SCHOOL):
        env.pop(name, None)
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=api_url,
        DATABASE_URL=database_url,
        **(one_school() if schools is None else schools),
        ACK_NUDGE_AFTER="10m",
        NUDGE_REPEAT_EVERY="30m",
        SAFEGUARDING_NUDGE_AFTER="5m",
        WORKING_HOURS="Mon-Sun 00:00-24:00",
        POLICY_REVIEW_DATE=review_on.isoformat(),
        SCHEDULER_SCAN_SECONDS="2",
        DELIVERY_RETRY_SECONDS="2",
        SLACK_TIMEOUT_SECONDS="5",
        POLICYBOT_ENV_FILE=os.devnull,
    )
    return env


def new_signing_secret() -> str:
    return secrets.token_hex(16)
