"""Leadership from configured ids and a Slack user group, read through the Web API and briefly cached."""

from __future__ import annotations

from bot.config import Settings
from bot.directory import Directory
from bot.slack_api import make_client
from tests.fake_slack import FakeSlack


def settings(fake: FakeSlack) -> Settings:
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": fake.token,
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake.api_url,
            "LEADERSHIP_CHANNEL_ID": "G0LEAD",
            "LEADERSHIP_USER_IDS": "U0CONFIGURED",
            "LEADERSHIP_USERGROUP_ID": "S0LEADERS",
            "SAFEGUARDING_LEAD_IDS": "U0DSL",
            "HEADTEACHER_ID": "U0HEAD",
            "CHAIR_OF_GOVERNORS_ID": "U0CHAIR",
        }
    )


def test_leadership_is_the_configured_ids_and_the_user_group(fake_slack: FakeSlack) -> None:
    fake_slack.usergroups["S0LEADERS"] = ["U0DEPUTY", "U0BURSAR"]
    config = settings(fake_slack)
    directory = Directory(config, make_client(config), ttl_seconds=60)
    assert directory.people().leadership == {"U0CONFIGURED", "U0DEPUTY", "U0BURSAR"}

    fake_slack.usergroups["S0LEADERS"] = ["U0DEPUTY"]
    before = len(fake_slack.of("usergroups.users.list"))
    assert "U0BURSAR" in directory.people().leadership  # cached for the ttl: one call, not one per click
    assert len(fake_slack.of("usergroups.users.list")) == before

    fresh = Directory(config, make_client(config), ttl_seconds=0)
    assert fresh.people().leadership == {"U0CONFIGURED", "U0DEPUTY"}


def test_a_failing_user_group_lookup_keeps_the_configured_leaders(fake_slack: FakeSlack) -> None:
    config = settings(fake_slack)
    fake_slack.fail("usergroups.users.list", 500, times=3)
    directory = Directory(config, make_client(config))
    assert directory.people().leadership == {"U0CONFIGURED"}
