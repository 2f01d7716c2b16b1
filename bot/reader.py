"""Reading settings one at a time from the environment, each checked, every problem collected (bot.config's
Settings.from_env, and the command line's few early reads)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.contact import RulesError, RuleSet, default_rules, load_rules
from flows.errors import DomainError
from flows.platforms import Platforms, PlatformsError, default_platforms, load_platforms
from flows.policy import DEFAULT_VERSION, check_version
from flows.scheduling import Closures, ScheduleError, WorkingHours, parse_duration
from flows.slack_ids import USER_ID

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


class Reader:
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
        path = value.removeprefix("sqlite:///")
        if value.startswith("sqlite:///") and path and not path.startswith(("/", ":memory:")):
            # A relative file is this folder's: made absolute here, once, so that a service started elsewhere (or
            # a process that changes folder) never quietly opens a new, empty database; serve logs which it is.
            value = "sqlite:///" + str(Path(path).resolve())
        return value

    def owner_database_url(self, name: str, app_url: str) -> str | None:
        """The tables' owner's PostgreSQL URL, for migrations (policybot's own role, in `app_url`, owns none)."""
        value = self._raw(name)
        if not value:
            return None
        if not value.startswith("postgresql") or not app_url.startswith("postgresql"):
            return self._problem(name, "a postgresql+psycopg:// URL, beside a PostgreSQL DATABASE_URL", None)
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

    def policy_version(self, name: str) -> str:
        try:
            return check_version(self._raw(name)) or DEFAULT_VERSION
        except DomainError as error:
            return self._problem(name, f"{self._raw(name)!r} is not usable: {error.message}", DEFAULT_VERSION)

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

    def platforms(self, name: str) -> Platforms:
        path = self._raw(name)
        if not path:
            return default_platforms()
        try:
            return load_platforms(path)
        except OSError as error:
            expected = f"cannot read {path!r} ({error.strerror}); expected a platforms file"
            return self._problem(name, expected, default_platforms())
        except PlatformsError as error:
            return self._problem(name, f"{path!r} is not usable: {error}", default_platforms())

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = (self._raw(name) or default).upper()
        if value not in choices:
            return self._problem(name, f"{value!r} is not valid; expected one of {', '.join(choices)}", default)
        return value
