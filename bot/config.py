"""Settings from the environment (and .env, loaded by the command line), checked once at start-up.

Every missing or malformed setting, and every one still holding .env.example's placeholder, is collected into one
ConfigErrors: a ConfigError each, naming the setting and what it expects. The command line prints them, one line
each, and stops.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.contact import RulesError, RuleSet, default_rules, load_rules
from flows.scheduling import Closures, NudgePolicy, ScheduleError, WorkingHours, parse_duration

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")

# The placeholders in .env.example: a value still equal to one of these was copied and never filled in.
EXAMPLE_VALUES: Mapping[str, str] = {
    "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
    "SLACK_SIGNING_SECRET": "your-signing-secret",
    "LEADERSHIP_CHANNEL_ID": "C0123ABCD",
    "LEADERSHIP_USER_IDS": "U0123ABCD,U0456EFGH",
    "SAFEGUARDING_LEAD_IDS": "U0789IJKL",
    "HEADTEACHER_ID": "U0123ABCD",
    "CHAIR_OF_GOVERNORS_ID": "U0999ZZZZ",
}

T = TypeVar("T")


class ConfigError(Exception):
    """One setting that is missing or malformed: its name and what it expects, in one line."""

    def __init__(self, name: str, expected: str) -> None:
        super().__init__(f"{name}: {expected}")
        self.name = name


class ConfigErrors(Exception):
    """Every problem Settings.from_env found, in the order the settings are read."""

    def __init__(self, problems: list[ConfigError]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str
    leadership_channel_id: str
    safeguarding_lead_ids: frozenset[str]
    headteacher_id: str
    chair_of_governors_id: str
    leadership_user_ids: frozenset[str] = frozenset()
    leadership_usergroup_id: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    database_url: str = "sqlite:///policybot.db"
    timezone: str = "Europe/London"
    delivery_retry_seconds: float = 60
    slack_timeout_seconds: int = 10
    log_level: str = "INFO"
    contact_rules: RuleSet = field(default_factory=default_rules)  # read and checked once, at start-up
    ack_nudge_after: timedelta = timedelta(hours=4)
    nudge_repeat_every: timedelta = timedelta(days=1)
    escalate_after_nudges: int = 2
    safeguarding_nudge_after: timedelta = timedelta(minutes=30)
    working_hours: WorkingHours = WorkingHours.parse("Mon-Fri 08:00-18:00")
    closures: Closures = Closures()
    policy_review_date: date | None = None
    governor_user_ids: frozenset[str] = frozenset()
    governors_usergroup_id: str | None = None
    scan_seconds: int = 60

    def nudge_policy(self) -> NudgePolicy:
        return NudgePolicy(
            after=self.ack_nudge_after,
            repeat=self.nudge_repeat_every,
            escalate_after=self.escalate_after_nudges,
            safeguarding_after=self.safeguarding_nudge_after,
            hours=self.working_hours,
            closures=self.closures,
            zone=ZoneInfo(self.timezone),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        reader = _Reader(env, collect=True)
        settings = cls(
            slack_bot_token=reader.text("SLACK_BOT_TOKEN", prefix="xoxb-", what="a bot token starting xoxb-"),
            slack_signing_secret=reader.text("SLACK_SIGNING_SECRET", what="the app's signing secret"),
            slack_app_token=reader.optional_text("SLACK_APP_TOKEN", prefix="xapp-", what="an app token starting xapp-"),
            slack_api_url=reader.url("SLACK_API_URL"),
            database_url=reader.database_url("DATABASE_URL"),
            leadership_channel_id=reader.match(
                "LEADERSHIP_CHANNEL_ID", CHANNEL_ID, "a channel id such as C0123ABCD (the private leadership channel)"
            ),
            leadership_user_ids=reader.ids("LEADERSHIP_USER_IDS", required=False),
            leadership_usergroup_id=reader.optional_match(
                "LEADERSHIP_USERGROUP_ID", USERGROUP_ID, "a user group id such as S0123ABCD"
            ),
            safeguarding_lead_ids=reader.ids("SAFEGUARDING_LEAD_IDS", required=True),
            headteacher_id=reader.match(
                "HEADTEACHER_ID", USER_ID, "the headteacher's Slack user id, such as U0123ABCD"
            ),
            chair_of_governors_id=reader.match(
                "CHAIR_OF_GOVERNORS_ID", USER_ID, "the chair of governors' Slack user id, such as U0123ABCD"
            ),
            timezone=reader.timezone("POLICYBOT_TIMEZONE", "Europe/London"),
            delivery_retry_seconds=reader.seconds("DELIVERY_RETRY_SECONDS", 60),
            slack_timeout_seconds=reader.positive_int("SLACK_TIMEOUT_SECONDS", 10),
            log_level=reader.choice("POLICYBOT_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            contact_rules=reader.rules("CONTACT_RULES_FILE"),
            ack_nudge_after=reader.duration("ACK_NUDGE_AFTER", "4h"),
            nudge_repeat_every=reader.duration("NUDGE_REPEAT_EVERY", "1d"),
            escalate_after_nudges=reader.positive_int("ESCALATE_AFTER_NUDGES", 2, unit="nudges"),
            safeguarding_nudge_after=reader.duration("SAFEGUARDING_NUDGE_AFTER", "30m"),
            working_hours=reader.working_hours("WORKING_HOURS", "Mon-Fri 08:00-18:00"),
            closures=reader.closures("SCHOOL_CLOSURES_FILE"),
            policy_review_date=reader.iso_date("POLICY_REVIEW_DATE"),
            governor_user_ids=reader.ids("GOVERNOR_USER_IDS", required=False),
            governors_usergroup_id=reader.optional_match(
                "GOVERNORS_USERGROUP_ID", USERGROUP_ID, "a user group id such as S0123ABCD"
            ),
            scan_seconds=reader.positive_int("SCHEDULER_SCAN_SECONDS", 60),
        )
        reported = {problem.name for problem in reader.problems}
        nobody = not settings.leadership_user_ids and not settings.leadership_usergroup_id
        if nobody and not reported & {"LEADERSHIP_USER_IDS", "LEADERSHIP_USERGROUP_ID"}:
            reader.problems.append(
                ConfigError(
                    "LEADERSHIP_USER_IDS",
                    "set it (comma-separated user ids) or LEADERSHIP_USERGROUP_ID: "
                    "someone must be able to act on concerns",
                )
            )
        if reader.problems:
            raise ConfigErrors(reader.problems)
        return settings


class _Reader:
    """Reads one setting at a time. By default a problem raises ConfigError; with collect=True it is added to
    `problems` and a stand-in value is returned, so that the rest can still be read."""

    def __init__(self, env: Mapping[str, str], *, collect: bool = False) -> None:
        self.env = env
        self.collect = collect
        self.problems: list[ConfigError] = []

    def _problem(self, name: str, expected: str, stand_in: T) -> T:
        if not self.collect:
            raise ConfigError(name, expected) from None
        self.problems.append(ConfigError(name, expected))
        return stand_in

    def _raw(self, name: str) -> str:
        return self.env.get(name, "").strip()

    def _is_example(self, name: str, value: str) -> bool:
        return value != "" and value == EXAMPLE_VALUES.get(name)

    def text(self, name: str, *, what: str, prefix: str = "") -> str:
        value = self._raw(name)
        if not value:
            return self._problem(name, f"missing; expected {what}", "")
        if self._is_example(name, value):
            return self._problem(name, f"still the example value from .env.example; expected {what}", "")
        if prefix and not value.startswith(prefix):
            return self._problem(name, f"expected {what}", "")
        return value

    def optional_text(self, name: str, *, what: str, prefix: str = "") -> str | None:
        return self.text(name, what=what, prefix=prefix) if self._raw(name) else None

    def match(self, name: str, pattern: re.Pattern[str], what: str) -> str:
        value = self._raw(name)
        if self._is_example(name, value):
            return self._problem(name, f"still the example value from .env.example; expected {what}", "")
        if not pattern.match(value):
            wrong = "missing" if not value else repr(value) + " is not valid"
            return self._problem(name, f"{wrong}; expected {what}", "")
        return value

    def optional_match(self, name: str, pattern: re.Pattern[str], what: str) -> str | None:
        return self.match(name, pattern, what) if self._raw(name) else None

    def ids(self, name: str, *, required: bool) -> frozenset[str]:
        what = "comma-separated Slack user ids, such as U0123ABCD,U0456EFGH"
        value = self._raw(name)
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if self._is_example(name, value):
            return self._problem(name, f"still the example value from .env.example; expected {what}", frozenset())
        if required and not parts:
            return self._problem(name, f"missing; expected {what}", frozenset())
        bad = [part for part in parts if not USER_ID.match(part)]
        if bad:
            return self._problem(
                name, f"{bad[0]!r} is not a Slack user id; expected ids such as U0123ABCD", frozenset()
            )
        return frozenset(parts)

    def url(self, name: str) -> str | None:
        value = self._raw(name)
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return self._problem(
                name, f"{value!r} is not valid; expected a base URL such as https://slack.com/api/", None
            )
        return value if value.endswith("/") else value + "/"

    def database_url(self, name: str) -> str:
        value = self._raw(name) or "sqlite:///policybot.db"
        if not (value.startswith("sqlite:///") or value.startswith("postgresql")):
            expected = "expected sqlite:///path/to/policybot.db or postgresql+psycopg://user:password@host/db"
            return self._problem(name, expected, value)
        return value

    def timezone(self, name: str, default: str) -> str:
        value = self._raw(name) or default
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            expected = f"{value!r} is not a time zone; expected a name such as Europe/London"
            return self._problem(name, expected, default)
        return value

    def positive_int(self, name: str, default: int, unit: str = "seconds") -> int:
        value = self._raw(name)
        if not value:
            return default
        if not value.isdigit() or int(value) < 1:
            expected = f"{value!r} is not valid; expected a whole number of {unit}, at least 1"
            return self._problem(name, expected, default)
        return int(value)

    def seconds(self, name: str, default: float, least: float = 0.1) -> float:
        """A number of seconds, fractions allowed (tests and drills run the delivery's back-off faster)."""
        value = self._raw(name)
        if not value:
            return default
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not least <= seconds < 86400:
            return self._problem(
                name, f"{value!r} is not valid; expected a number of seconds, at least {least}", default
            )
        return seconds

    def duration(self, name: str, default: str) -> timedelta:
        try:
            return parse_duration(self._raw(name) or default)
        except ScheduleError as error:
            return self._problem(name, str(error), parse_duration(default))

    def working_hours(self, name: str, default: str) -> WorkingHours:
        try:
            return WorkingHours.parse(self._raw(name) or default)
        except ScheduleError as error:
            return self._problem(name, str(error), WorkingHours.parse(default))

    def closures(self, name: str) -> Closures:
        path = self._raw(name)
        if not path:
            return Closures()
        try:
            with open(path, encoding="utf-8") as handle:
                return Closures.parse(handle.read())
        except OSError as error:
            expected = f"cannot read {path!r} ({error.strerror}); expected a file of closure dates"
            return self._problem(name, expected, Closures())
        except ScheduleError as error:
            return self._problem(name, f"{path!r}: {error}", Closures())

    def iso_date(self, name: str) -> date | None:
        value = self._raw(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            return self._problem(name, f"{value!r} is not valid; expected a date such as 2027-03-01", None)

    def rules(self, name: str) -> RuleSet:
        path = self._raw(name)
        if not path:
            return default_rules()
        try:
            return load_rules(path)
        except OSError as error:
            expected = f"cannot read {path!r} ({error.strerror}); expected a contact rules file"
            return self._problem(name, expected, default_rules())
        except RulesError as error:
            return self._problem(name, f"{path!r} is not usable: {error}", default_rules())

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = (self._raw(name) or default).upper()
        if value not in choices:
            return self._problem(name, f"{value!r} is not valid; expected one of {', '.join(choices)}", default)
        return value
