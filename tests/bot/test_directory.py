"""Who leads and who is in the leadership channel: read from Slack by refresh(), never while a request waits."""

from __future__ import annotations

from bot.config import Settings
from bot.directory import Directory
from bot.slack_api import make_client
from flows.permissions import Placement, place
from sandbox.slack import LocalSlack

BACKOFF = 0.01  # the retries still happen, without slack_sdk's real half-second back-off


def settings(fake: LocalSlack) -> Settings:
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


def test_leadership_is_the_configured_ids_and_the_user_group(fake_slack: LocalSlack) -> None:
    fake_slack.usergroups["S0LEADERS"] = ["U0DEPUTY", "U0BURSAR"]
    fake_slack.members["G0LEAD"] = ["U0CONFIGURED", "U0DEPUTY", "U0CLERK"]
    config = settings(fake_slack)
    directory = Directory(config, make_client(config, backoff=BACKOFF))
    assert directory.people().channel_members is None  # not read yet: unknown
    directory.refresh()
    people = directory.people()
    assert people.leadership == {"U0CONFIGURED", "U0DEPUTY", "U0BURSAR"}
    assert people.channel_members == {"U0CONFIGURED", "U0DEPUTY", "U0CLERK"}

    before = len(fake_slack.calls)
    fake_slack.usergroups["S0LEADERS"] = ["U0DEPUTY"]
    assert "U0BURSAR" in directory.people().leadership  # reading makes no Slack call
    assert len(fake_slack.calls) == before
    directory.refresh()
    assert directory.people().leadership == {"U0CONFIGURED", "U0DEPUTY"}


def test_a_failed_refresh_keeps_what_was_known_and_unknown_members_route_safely(fake_slack: LocalSlack) -> None:
    fake_slack.usergroups["S0LEADERS"] = ["U0DEPUTY"]
    fake_slack.members["G0LEAD"] = ["U0CONFIGURED", "U0DEPUTY"]
    config = settings(fake_slack)
    never_read = Directory(config, make_client(config, backoff=BACKOFF))
    fake_slack.fail("conversations.members", 500, times=3)
    fake_slack.fail("usergroups.users.list", 500, times=3)
    never_read.refresh()
    people = never_read.people()
    assert people.leadership == {"U0CONFIGURED"} and people.channel_members is None
    # A report naming a colleague cannot be checked against the channel, so it goes to the headteacher.
    assert place(people, safeguarding=False, involved="U0DEPUTY")[0] is Placement.DIRECT

    known = Directory(config, make_client(config, backoff=BACKOFF))
    known.refresh()
    fake_slack.fail("conversations.members", 500, times=3)
    known.refresh()
    assert known.people().channel_members == {"U0CONFIGURED", "U0DEPUTY"}
