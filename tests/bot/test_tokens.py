"""Under Slack's OAuth flow, the work no request starts (the sender, nudges, the directory) finds the school's
workspace's token in the installation store, renews a rotating token before it expires, and says plainly when the
workspace has not installed policybot."""

from __future__ import annotations

import time

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.installs import installation_store
from bot.tokens import InstalledToken, NotInstalled
from sandbox.slack import OAUTH_CLIENT, LocalSlack
from storage.db import make_engine


def install(database: str, team: str, token: str, refresh: str | None = None, expires_in: int | None = None) -> None:
    store = installation_store(make_engine(database), OAUTH_CLIENT[0])
    store.save(
        Installation(
            app_id="A1",
            enterprise_id=None,
            team_id=team,
            user_id="UINSTALLER",
            bot_token=token,
            bot_id="B1",
            bot_user_id="UPOLICYBOT",
            bot_refresh_token=refresh,
            bot_token_expires_in=expires_in,
        )
    )


def test_the_schools_workspaces_token_is_read_and_a_workspace_not_installed_is_said(
    fake: LocalSlack, database: str
) -> None:
    token = InstalledToken(make_engine(database), *OAUTH_CLIENT, "T0NORTH", fake.api_url)
    with pytest.raises(NotInstalled):
        token()
    install(database, "T0SOUTH", "xoxb-south")
    with pytest.raises(NotInstalled):
        token()  # another workspace's install is not this school's
    install(database, "T0NORTH", "xoxb-north")
    token.forget()
    assert token() == "xoxb-north"


def test_a_rotating_token_is_renewed_before_it_expires_and_the_renewal_kept(fake: LocalSlack, database: str) -> None:
    fake.refresh_token, fake.token_lifetime = "xoxe-1-first", 43200
    install(database, "T0NORTH", "xoxe.xoxb-first", refresh="xoxe-1-first", expires_in=600)  # due within 2 h
    token = InstalledToken(make_engine(database), *OAUTH_CLIENT, "T0NORTH", fake.api_url)
    assert token() == fake.token == "xoxe.xoxb-rotated-1"  # renewed through oauth.v2.access, before use
    stored = installation_store(make_engine(database), OAUTH_CLIENT[0]).find_installation(
        enterprise_id=None, team_id="T0NORTH"
    )
    assert stored is not None and stored.bot_token == "xoxe.xoxb-rotated-1"
    assert stored.bot_token_expires_at is not None and stored.bot_token_expires_at > time.time() + 40000
    assert token() == "xoxe.xoxb-rotated-1" and fake.rotations == 1  # kept, not renewed at every call


def test_a_school_named_by_its_organisation_uses_the_org_wide_install(fake: LocalSlack, database: str) -> None:
    store = installation_store(make_engine(database), OAUTH_CLIENT[0])
    store.save(
        Installation(
            app_id="A1",
            enterprise_id="E0TRUST",
            team_id=None,
            user_id="UINSTALLER",
            bot_token="xoxb-org-wide",
            bot_id="B1",
            bot_user_id="UPOLICYBOT",
            is_enterprise_install=True,
        )
    )
    assert InstalledToken(make_engine(database), *OAUTH_CLIENT, "E0TRUST", fake.api_url)() == "xoxb-org-wide"


def test_a_token_slack_refuses_is_read_again_at_the_next_call(fake: LocalSlack) -> None:
    from slack_sdk.errors import SlackApiError

    from bot.stamps import SchoolClient

    class Token:
        def __init__(self) -> None:
            self.value, self.forgotten = "xoxb-from-before-the-uninstall", 0

        def __call__(self) -> str:
            return self.value

        def forget(self) -> None:
            self.forgotten += 1
            self.value = fake.token  # what the store holds now: the new install's

    token = Token()
    client = SchoolClient("north", token, base_url=fake.api_url)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="UN1", text="hello")
    assert token.forgotten == 1
    assert client.chat_postMessage(channel="UN1", text="hello")["ok"]
