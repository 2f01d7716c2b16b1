"""Settings.from_env: every setting checked at start-up, one clear line for each problem, all found in one go."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.config import EXAMPLE_VALUES, ConfigErrors, Settings
from flows.scheduling import WorkingHours
from tests.conftest import ROOT

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "LEADERSHIP_CHANNEL_ID": "G0LEAD",
    "LEADERSHIP_USER_IDS": "U01, U02",
    "SAFEGUARDING_LEAD_IDS": "U03",
    "HEADTEACHER_ID": "U01",
    "CHAIR_OF_GOVERNORS_ID": "U09",
}


def test_a_good_environment_gives_settings_with_defaults() -> None:
    settings = Settings.from_env(GOOD)
    assert settings.leadership_user_ids == {"U01", "U02"}
    assert settings.database_url == "sqlite:///" + str(Path("policybot.db").resolve())  # the folder it starts in
    assert settings.timezone == "Europe/London"
    assert settings.slack_api_url is None and settings.slack_app_token is None
    assert settings.policy_version == "2015-03"  # the model policy's


def test_the_api_url_gets_its_trailing_slash() -> None:
    assert Settings.from_env({**GOOD, "SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == (
        "http://127.0.0.1:9/api/"
    )


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("SLACK_BOT_TOKEN", "", "missing"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "xoxb-"),
        ("SLACK_SIGNING_SECRET", "", "missing"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "xapp-"),
        ("SLACK_API_URL", "slack.com/api", "base URL"),
        ("DATABASE_URL", "mysql://x", "postgresql"),
        ("LEADERSHIP_CHANNEL_ID", "#leadership", "channel id"),
        ("SAFEGUARDING_LEAD_IDS", "", "missing"),
        ("SAFEGUARDING_LEAD_IDS", "U03,@mrs.smith", "not a Slack user id"),
        ("HEADTEACHER_ID", "", "missing"),
        ("CHAIR_OF_GOVERNORS_ID", "chair", "not valid"),
        ("POLICYBOT_TIMEZONE", "Europe/Londres", "time zone"),
        ("DELIVERY_RETRY_SECONDS", "0", "at least 0.1"),
        ("DELIVERY_RETRY_SECONDS", "soon", "a number of seconds"),
        ("POLICYBOT_LOG_LEVEL", "LOUD", "one of"),
        ("POLICY_VERSION", "March 2015", "letters, digits"),
        ("RETAIN_SAFEGUARDING_YEARS", "0", "whole number of years"),
        ("RETAIN_CONCERNS_YEARS", "6y", "whole number of years"),
    ],
)
def test_each_bad_setting_is_named_with_what_it_expects(name: str, value: str, words: str) -> None:
    with pytest.raises(ConfigErrors) as found:
        Settings.from_env({**GOOD, name: value})
    [problem] = found.value.problems
    assert problem.name == name
    assert str(problem).startswith(name + ":") and words in str(problem)
    assert "\n" not in str(problem)


def test_every_problem_is_reported_in_one_go() -> None:
    env = {
        **GOOD,
        "SLACK_BOT_TOKEN": "",
        "LEADERSHIP_CHANNEL_ID": "#leadership",
        "POLICYBOT_TIMEZONE": "Mars/Olympus",
        "ACK_NUDGE_AFTER": "soon",
        "POLICY_REVIEW_DATE": "March",
    }
    with pytest.raises(ConfigErrors) as found:
        Settings.from_env(env)
    names = [problem.name for problem in found.value.problems]
    assert names == [
        "SLACK_BOT_TOKEN",
        "LEADERSHIP_CHANNEL_ID",
        "POLICYBOT_TIMEZONE",
        "ACK_NUDGE_AFTER",
        "POLICY_REVIEW_DATE",
    ]
    assert str(found.value.problems[0]) == "SLACK_BOT_TOKEN: missing; expected a bot token starting xoxb-"


def test_someone_must_be_able_to_act() -> None:
    env = {k: v for k, v in GOOD.items() if k != "LEADERSHIP_USER_IDS"}
    with pytest.raises(ConfigErrors) as found:
        Settings.from_env(env)
    [problem] = found.value.problems
    assert problem.name == "LEADERSHIP_USER_IDS" and "LEADERSHIP_USERGROUP_ID" in str(problem)
    assert Settings.from_env({**env, "LEADERSHIP_USERGROUP_ID": "S0LEADERS"}).leadership_usergroup_id == "S0LEADERS"
    with pytest.raises(ConfigErrors) as found:  # one line about the ids, not a second one saying nobody can act
        Settings.from_env({**env, "LEADERSHIP_USER_IDS": "Mr Smith"})
    assert [problem.name for problem in found.value.problems] == ["LEADERSHIP_USER_IDS"]


def example_file() -> dict[str, str]:
    return {name: value or "" for name, value in dotenv_values(ROOT / ".env.example").items()}


def test_the_placeholders_are_the_ones_in_env_example() -> None:
    example = example_file()
    assert {name: example.get(name) for name in EXAMPLE_VALUES} == dict(EXAMPLE_VALUES)


def test_a_copy_of_env_example_not_filled_in_names_each_placeholder() -> None:
    with pytest.raises(ConfigErrors) as found:
        Settings.from_env(example_file())
    assert [problem.name for problem in found.value.problems] == list(EXAMPLE_VALUES)
    for problem in found.value.problems:
        assert str(problem).startswith(f"{problem.name}: still the example value from .env.example; expected ")
    one_left = {**example_file(), **{name: value for name, value in GOOD.items() if name != "HEADTEACHER_ID"}}
    with pytest.raises(ConfigErrors) as found:
        Settings.from_env(one_left)
    assert [problem.name for problem in found.value.problems] == ["HEADTEACHER_ID"]


def test_a_school_rules_file_is_checked_at_start_up(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    good = folder / "rules.toml"
    good.write_text('[fallback]\nid="f"\nsection="6"\nverdict="REFER"\nquote="q"\nreason="r"\n')
    rules = Settings.from_env({**GOOD, "CONTACT_RULES_FILE": str(good)}).contact_rules
    assert rules.fallback.id == "f" and rules.rules == ()
    bad = folder / "bad.toml"
    bad.write_text('[fallback]\nid="f"\nsection="6"\nverdict="PROBABLY"\nquote="q"\nreason="r"\n')
    for path, words in ((bad, "PROBABLY"), (folder / "missing.toml", "cannot read")):
        with pytest.raises(ConfigErrors) as found:
            Settings.from_env({**GOOD, "CONTACT_RULES_FILE": str(path)})
        [problem] = found.value.problems
        assert problem.name == "CONTACT_RULES_FILE" and words in str(problem)


def test_every_retention_period_is_a_setting_described_where_a_school_looks() -> None:
    from flows.retention import DEFAULTS, Held

    settings = Settings.from_env({**GOOD, "RETAIN_CONCERNS_YEARS": "7"})
    assert settings.retention_years[Held.CONCERN] == 7 and settings.retention_years[Held.SAFEGUARDING] == 25
    readme, example = (ROOT / "README.md").read_text(), dotenv_values(ROOT / ".env.example")
    for default in DEFAULTS.values():
        assert example[default.setting] == str(default.years)
        assert f"| {default.years} year" in readme and f"`{default.setting}`" in readme and default.source in readme


def test_a_relative_sqlite_file_is_made_absolute_once_so_no_process_opens_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({**GOOD, "DATABASE_URL": "sqlite:///data/policybot.db"}).database_url == (
        f"sqlite:///{tmp_path}/data/policybot.db"
    )
    assert Settings.from_env({k: v for k, v in GOOD.items() if k != "DATABASE_URL"}).database_url == (
        f"sqlite:///{tmp_path}/policybot.db"
    )
    absolute = f"sqlite:///{tmp_path}/elsewhere.db"
    assert Settings.from_env({**GOOD, "DATABASE_URL": absolute}).database_url == absolute


def test_a_trusts_school_takes_the_place_of_the_environments_and_nothing_else_changes() -> None:
    from flows.schools import parse_trust

    settings = Settings.from_env({**GOOD, "ACK_NUDGE_AFTER": "2h"})
    north, south = parse_trust((ROOT / "examples" / "schools.toml").read_text()).schools
    at_south = settings.for_school(south)
    assert (at_south.leadership_channel_id, at_south.leadership_user_ids) == ("GSOUTH", {"ULEADS"})
    assert (at_south.headteacher_id, at_south.chair_of_governors_id) == ("UHEADS", "UCHAIRS")
    assert at_south.safeguarding_lead_ids == {"UDSLS"} and at_south.governor_user_ids == frozenset()
    assert at_south.ack_nudge_after == settings.ack_nudge_after  # the trust's own settings stay
    assert settings.for_school(north).governor_user_ids == {"UGOVN"}


def test_a_schools_own_calendar_takes_the_place_of_the_settings_and_one_without_keeps_them(tmp_path: Path) -> None:
    from flows.schools import parse_trust

    closures = tmp_path / "closures.txt"
    closures.write_text("2026-10-26 to 2026-10-30\n")
    settings = Settings.from_env({**GOOD, "SCHOOL_CLOSURES_FILE": str(closures), "POLICY_REVIEW_DATE": "2027-06-01"})
    north, south = parse_trust((ROOT / "examples" / "schools.toml").read_text()).schools
    at_north, at_south = settings.for_school(north), settings.for_school(south)
    assert at_north.working_hours == settings.working_hours and at_north.closures == settings.closures
    assert at_north.policy_review_date == date(2027, 6, 1)
    assert at_south.working_hours == WorkingHours.parse("Mon-Fri 07:30-17:00")
    assert at_south.closures.closed(date(2027, 1, 5)) and not at_south.closures.closed(date(2026, 10, 27))
    assert at_south.policy_review_date == date(2027, 3, 1)
    assert at_south.nudge_policy().hours == WorkingHours.parse("Mon-Fri 07:30-17:00")


def test_an_owner_url_is_postgresqls_only() -> None:
    with pytest.raises(ConfigErrors) as found:
        Settings.from_env({**GOOD, "DATABASE_OWNER_URL": "postgresql+psycopg://owner@db/x"})
    assert [str(p) for p in found.value.problems] == [
        "DATABASE_OWNER_URL: a postgresql+psycopg:// URL, beside a PostgreSQL DATABASE_URL"
    ]
    both = {
        **GOOD,
        "DATABASE_URL": "postgresql+psycopg://app@db/x",
        "DATABASE_OWNER_URL": "postgresql+psycopg://o@db/x",
    }
    assert Settings.from_env(both).database_owner_url == "postgresql+psycopg://o@db/x"


def test_an_oauth_install_needs_the_client_id_and_secret_together_a_schools_file_and_then_no_bot_token() -> None:
    without_token = {k: v for k, v in GOOD.items() if k != "SLACK_BOT_TOKEN"}
    oauth = {**without_token, "SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "c"}
    settings = Settings.from_env(oauth, trust=True)
    assert settings.oauth and settings.slack_bot_token == ""
    with pytest.raises(ConfigErrors) as found:
        Settings.from_env({**GOOD, "SLACK_CLIENT_ID": "111.222"}, trust=True)
    assert [str(p) for p in found.value.problems] == [
        "SLACK_CLIENT_SECRET: set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or neither"
    ]
    with pytest.raises(ConfigErrors) as alone:  # any workspace could install it: each school names its own
        Settings.from_env(oauth)
    assert [p.name for p in alone.value.problems] == ["SLACK_CLIENT_ID"]
    assert "SCHOOLS_FILE" in str(alone.value.problems[0])
    assert not Settings.from_env(GOOD).oauth


def test_the_sandbox_leaves_out_the_same_one_school_settings_the_bot_names() -> None:
    """The sandbox may not import the bot (it reaches it only over HTTP): its copy of the list is checked here."""
    from bot.config import ONE_SCHOOL
    from sandbox import school

    assert school.ONE_SCHOOL == ONE_SCHOOL
