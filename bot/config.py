"""Settings from the environment (and .env, loaded by the command line), checked once at start-up.

Every missing or malformed setting, and every one still holding .env.example's placeholder, is collected into one
ConfigErrors: a ConfigError each, naming the setting and what it expects. The command line prints them, one line
each, and stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.reader import EXAMPLE_VALUES, ConfigError, ConfigErrors, Reader
from flows.contact import RuleSet, default_rules, parse_rules
from flows.platforms import Platforms, default_platforms
from flows.retention import DEFAULTS, Held
from flows.scheduling import Closures, NudgePolicy, WorkingHours
from flows.schools import School
from flows.slack_ids import CHANNEL_ID, USER_ID, USERGROUP_ID

# The one school's settings: used only while the database holds no trust's schools.
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
class Settings:
    # The Slack side (empty for the record commands: Settings.from_env(..., slack=False)).
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    leadership_channel_id: str = ""
    safeguarding_lead_ids: frozenset[str] = frozenset()
    headteacher_id: str = ""
    chair_of_governors_id: str = ""
    leadership_user_ids: frozenset[str] = frozenset()
    leadership_usergroup_id: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    slack_client_id: str | None = None  # with the secret: installed through Slack's OAuth flow, a workspace at a time
    slack_client_secret: str | None = None
    database_url: str = "sqlite:///policybot.db"
    database_owner_url: str | None = None  # PostgreSQL: the tables' owner, for migrations (DATABASE_URL owns none)
    timezone: str = "Europe/London"
    delivery_retry_seconds: float = 60
    slack_timeout_seconds: int = 10
    log_level: str = "INFO"
    contact_rules: RuleSet = field(default_factory=default_rules)  # read and checked once, at start-up
    platforms: Platforms = field(default_factory=default_platforms)  # the school's list (PLATFORMS_FILE)
    ack_nudge_after: timedelta = timedelta(hours=4)
    nudge_repeat_every: timedelta = timedelta(days=1)
    escalate_after_nudges: int = 2
    safeguarding_nudge_after: timedelta = timedelta(minutes=30)
    working_hours: WorkingHours = WorkingHours.parse("Mon-Fri 08:00-18:00")
    closures: Closures = Closures()
    policy_review_date: date | None = None
    governor_user_ids: frozenset[str] = frozenset()
    governors_usergroup_id: str | None = None
    # A trust's school (Settings.for_school): who its staff are, for finding a person's school. The one school run
    # from the settings names no staff: everyone in its workspace is.
    staff_user_ids: frozenset[str] = frozenset()
    staff_usergroup_id: str | None = None
    school_name: str = ""  # a trust's school's name, as its schools file gives it
    team_id: str | None = None  # a trust's school's workspace (its install's token, under OAuth)
    trust_safeguarding_lead_ids: frozenset[str] = frozenset()  # the schools file's [trust] safeguarding_leads
    scan_seconds: int = 60
    policy_version: str = "2015-03"  # the policy in force (flows.policy): recorded at start-up when it changes
    retention_years: dict[Held, int] = field(default_factory=lambda: {h: d.years for h, d in DEFAULTS.items()})
    pack_suppress_below: int = 3  # the governors' pack: counts from 1 to this less one shown as "fewer than N"
    clock_file: str | None = None  # rehearsals (the sandbox): seconds the bot's clock runs ahead of the real one
    port: int = 3000  # `policybot run`'s HTTP port (serve takes --port)
    healthz_max_pending_seconds: int = 300  # /healthz answers 503 once a message has waited longer to be sent
    schools_file: str | None = None  # a trust's schools file, imported at start-up (SCHOOLS_FILE)
    unused: tuple[str, ...] = ()  # the one school's settings, set while a trust's schools make them unused

    @property
    def oauth(self) -> bool:
        """Installed through Slack's OAuth flow (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET), each workspace its token."""
        return bool(self.slack_client_id and self.slack_client_secret)

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

    def for_school(self, school: School, trust_leads: frozenset[str] = frozenset()) -> Settings:
        """These settings, with a trust's school in place of the one school the environment describes: its
        leadership channel, people by role, time zone and (where the file gives them) its working hours, closures,
        review date and contact rules; and the trust's safeguarding leads."""
        return replace(
            self,
            trust_safeguarding_lead_ids=trust_leads,
            leadership_channel_id=school.leadership_channel,
            leadership_user_ids=school.leaders,
            leadership_usergroup_id=school.leaders_usergroup,
            safeguarding_lead_ids=school.safeguarding_leads,
            headteacher_id=school.headteacher,
            chair_of_governors_id=school.chair,
            governor_user_ids=school.governors,
            governors_usergroup_id=school.governors_usergroup,
            staff_user_ids=school.staff,
            staff_usergroup_id=school.staff_usergroup,
            school_name=school.name,
            team_id=school.team_id,
            timezone=school.timezone,
            working_hours=WorkingHours.parse(school.working_hours) if school.working_hours else self.working_hours,
            closures=Closures.parse("\n".join(school.closures)) if school.closures else self.closures,
            policy_review_date=school.policy_review_date or self.policy_review_date,
            contact_rules=parse_rules(school.contact_rules) if school.contact_rules else self.contact_rules,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, slack: bool = True, trust: bool = False) -> Settings:
        """Every setting, read and checked by one Reader. `slack=False`: the commands that only read the stored
        records (`db`, `export`, `report`, `subject-access`) need no Slack app and no people: those settings are
        left empty and unchecked (a bot token, if given, is still read: it names people on a subject access page).
        `trust`: the database holds a trust's schools (or SCHOOLS_FILE names them): the one school's channel and
        people are not needed, and any of them set is only noted (`unused`), for `check` to say."""
        reader = Reader(env, collect=True)
        trust = trust or bool(env.get("SCHOOLS_FILE", "").strip())
        if slack and not trust and env.get("SLACK_CLIENT_ID", "").strip():
            # Installed through OAuth, any workspace could install it: each school must name its own.
            reader.problems.append(
                ConfigError(
                    "SLACK_CLIENT_ID",
                    "installing through Slack's OAuth flow serves a trust's schools, each named with its workspace "
                    "in SCHOOLS_FILE; one school uses SLACK_BOT_TOKEN",
                )
            )
        if not slack:
            school: dict[str, Any] = {"slack_bot_token": cls._optional_token(reader)}
        elif trust:
            school = {**cls._credentials(reader), "unused": tuple(n for n in ONE_SCHOOL if env.get(n, "").strip())}
        else:
            school = {**cls._credentials(reader), **cls._people(reader)}
        database_url = reader.database_url("DATABASE_URL")
        settings = cls(
            **school,
            slack_api_url=reader.url("SLACK_API_URL"),
            database_url=database_url,
            database_owner_url=reader.owner_database_url("DATABASE_OWNER_URL", database_url),
            timezone=reader.timezone("POLICYBOT_TIMEZONE", "Europe/London"),
            delivery_retry_seconds=reader.seconds("DELIVERY_RETRY_SECONDS", 60),
            slack_timeout_seconds=reader.positive_int("SLACK_TIMEOUT_SECONDS", 10),
            log_level=reader.choice("POLICYBOT_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            contact_rules=reader.rules("CONTACT_RULES_FILE"),
            platforms=reader.platforms("PLATFORMS_FILE"),
            ack_nudge_after=reader.duration("ACK_NUDGE_AFTER", "4h"),
            nudge_repeat_every=reader.duration("NUDGE_REPEAT_EVERY", "1d"),
            escalate_after_nudges=reader.positive_int("ESCALATE_AFTER_NUDGES", 2, unit="nudges"),
            safeguarding_nudge_after=reader.duration("SAFEGUARDING_NUDGE_AFTER", "30m"),
            working_hours=reader.working_hours("WORKING_HOURS", "Mon-Fri 08:00-18:00"),
            closures=reader.closures("SCHOOL_CLOSURES_FILE"),
            policy_review_date=reader.iso_date("POLICY_REVIEW_DATE"),
            scan_seconds=reader.positive_int("SCHEDULER_SCAN_SECONDS", 60),
            policy_version=reader.policy_version("POLICY_VERSION"),
            retention_years={
                held: reader.positive_int(d.setting, d.years, unit="years") for held, d in DEFAULTS.items()
            },
            pack_suppress_below=max(reader.positive_int("PACK_SUPPRESS_BELOW", 3, unit="people"), 2),
            clock_file=reader.optional_text("POLICYBOT_CLOCK_FILE", what="a file holding a number of seconds"),
            port=reader.positive_int("PORT", 3000, unit="(port number)"),
            healthz_max_pending_seconds=reader.positive_int("HEALTHZ_MAX_PENDING_SECONDS", 300),
            schools_file=reader.optional_text("SCHOOLS_FILE", what="the trust's schools file (TOML)"),
        )
        reported = {problem.name for problem in reader.problems}
        nobody = not settings.leadership_user_ids and not settings.leadership_usergroup_id
        if slack and not trust and nobody and not reported & {"LEADERSHIP_USER_IDS", "LEADERSHIP_USERGROUP_ID"}:
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

    @staticmethod
    def _credentials(reader: Reader) -> dict[str, Any]:
        """The Slack app's credentials: a bot token, or the app's client id and secret (each workspace installs it
        through Slack's OAuth flow, and its token is kept in the database)."""
        client_id = reader.optional_text("SLACK_CLIENT_ID", what="the app's client id (Basic Information)")
        secret = reader.optional_text("SLACK_CLIENT_SECRET", what="the app's client secret (Basic Information)")
        if bool(client_id) != bool(secret):
            missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
            reader.problems.append(ConfigError(missing, "set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or neither"))
        token = (
            Settings._optional_token(reader)
            if client_id and secret
            else reader.text("SLACK_BOT_TOKEN", prefix="xoxb-", what="a bot token starting xoxb-")
        )
        return {
            "slack_client_id": client_id,
            "slack_client_secret": secret,
            "slack_bot_token": token,
            "slack_signing_secret": reader.text("SLACK_SIGNING_SECRET", what="the app's signing secret"),
            "slack_app_token": reader.optional_text(
                "SLACK_APP_TOKEN", prefix="xapp-", what="an app token starting xapp-"
            ),
        }

    @staticmethod
    def _people(reader: Reader) -> dict[str, Any]:
        """The one school's leadership channel and people (ONE_SCHOOL), when no schools file describes schools."""
        return {
            "leadership_channel_id": reader.match(
                "LEADERSHIP_CHANNEL_ID", CHANNEL_ID, "a channel id such as C0123ABCD (the private leadership channel)"
            ),
            "leadership_user_ids": reader.ids("LEADERSHIP_USER_IDS", required=False),
            "leadership_usergroup_id": reader.optional_match(
                "LEADERSHIP_USERGROUP_ID", USERGROUP_ID, "a user group id such as S0123ABCD"
            ),
            "safeguarding_lead_ids": reader.ids("SAFEGUARDING_LEAD_IDS", required=True),
            "headteacher_id": reader.match(
                "HEADTEACHER_ID", USER_ID, "the headteacher's Slack user id, such as U0123ABCD"
            ),
            "chair_of_governors_id": reader.match(
                "CHAIR_OF_GOVERNORS_ID", USER_ID, "the chair of governors' Slack user id, such as U0123ABCD"
            ),
            "governor_user_ids": reader.ids("GOVERNOR_USER_IDS", required=False),
            "governors_usergroup_id": reader.optional_match(
                "GOVERNORS_USERGROUP_ID", USERGROUP_ID, "a user group id such as S0123ABCD"
            ),
        }

    @staticmethod
    def _optional_token(reader: Reader) -> str:
        return reader.optional_text("SLACK_BOT_TOKEN", prefix="xoxb-", what="a bot token starting xoxb-") or ""


__all__ = [
    "CHANNEL_ID",
    "EXAMPLE_VALUES",
    "USERGROUP_ID",
    "USER_ID",
    "ConfigError",
    "ConfigErrors",
    "Reader",
    "Settings",
]
