"""The sandbox's seeded school: who works there, the private leadership channel, and the settings the bot is started
with, chosen so that the whole story shows in minutes (short nudge waits, the governors' review a week ahead)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sandbox.workspace import BOT, Workspace

CHANNEL = "CLEADERSHIP"
ZONE = ZoneInfo("Europe/London")  # the school's time zone (the bot's default POLICYBOT_TIMEZONE)
TOKEN = "xoxb-sandbox-not-a-real-token"


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


def bot_environment(api_url: str, database_url: str, signing_secret: str, review_on: date) -> dict[str, str]:
    """The bot's settings in the sandbox: nothing from the school's own .env or environment is read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADERSHIP_", "POLICYBOT_"))}
    for name in ("DATABASE_URL", "CONTACT_RULES_FILE", "SCHOOL_CLOSURES_FILE", "GOVERNOR_USER_IDS"):
        env.pop(name, None)
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=signing_secret,
        SLACK_API_URL=api_url,
        DATABASE_URL=database_url,
        LEADERSHIP_CHANNEL_ID=CHANNEL,
        LEADERSHIP_USER_IDS=f"{LEADER.id},{LEADER_2.id}",
        SAFEGUARDING_LEAD_IDS=DSL.id,
        HEADTEACHER_ID=HEAD.id,
        CHAIR_OF_GOVERNORS_ID=CHAIR.id,
        GOVERNOR_USER_IDS=f"{CHAIR.id},{GOVERNOR.id}",
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
