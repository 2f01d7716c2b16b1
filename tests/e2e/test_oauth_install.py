"""Installed through Slack's OAuth flow (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, no bot token): a trust's bot serves
nothing until its workspace installs it; /slack/install and Slack's redirect store the install; the school then
works with the installed token; an uninstall is honoured."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator

import pytest

from bot.app import NOT_INSTALLED
from bot.config import ONE_SCHOOL
from bot.installs import installation_store
from sandbox.slack import OAUTH_CLIENT, OAUTH_CODE, LocalSlack
from storage.concerns import ConcernStore
from storage.db import make_engine
from storage.schools import for_key
from tests.conftest import SIGNING_SECRET, RunningBot, bot_environment, free_port, new_database_url
from tests.e2e.helpers import SCHOOLS, posted_card
from tests.slack_driver import SlackDriver, report_values


class Installed:
    def __init__(self, fake: LocalSlack, bot: RunningBot, url: str) -> None:
        self.fake, self.bot, self.url = fake, bot, url
        self.slack = SlackDriver(
            bot.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url", team="T0TRUST"
        )
        self.north = ConcernStore(for_key(make_engine(url), "north"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    folder = tmp_path_factory.mktemp("oauth")
    fake = LocalSlack(
        token="xoxb-installed-token",
        channels={"GNORTH": {"is_private": True, "is_member": True}, "GSOUTH": {"is_private": True, "is_member": True}},
        members={"GNORTH": ["ULEADN", "UPOLICYBOT"], "GSOUTH": ["ULEADS", "UPOLICYBOT"]},
    )
    fake.install_team = "T0TRUST"
    (folder / "schools.toml").write_text(SCHOOLS)
    for url in new_database_url(folder, "oauth"):
        env = {k: v for k, v in bot_environment(fake, url).items() if k not in (*ONE_SCHOOL, "SLACK_BOT_TOKEN")}
        env |= {"SCHOOLS_FILE": str(folder / "schools.toml")}
        env |= {"SLACK_CLIENT_ID": OAUTH_CLIENT[0], "SLACK_CLIENT_SECRET": OAUTH_CLIENT[1]}
        bot = RunningBot(env, free_port(), folder / "policybot.log")
        try:
            yield Installed(fake, bot, url)
        finally:
            output = bot.stop()
            fake.close_now()
            assert "Traceback" not in output, output
            assert "xoxb-installed-token" not in output  # a token is never logged


def get(url: str, cookie: str = "") -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers.get("Set-Cookie") or ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), ""


def test_the_install_page_then_slacks_redirect_store_the_install_and_the_school_then_works(
    installed: Installed,
) -> None:
    status, page, cookie = get(installed.bot.url + "/slack/install")
    assert status == 200 and "slack.com/oauth/v2/authorize" in page
    state = re.search(r"state=([^&\"']+)", page).group(1)  # type: ignore[union-attr]
    assert f"client_id={OAUTH_CLIENT[0]}" in page and "chat:write" in page
    wrong, _, _ = get(installed.bot.url + f"/slack/oauth_redirect?code=bad&state={state}", cookie.split(";")[0])
    assert (
        wrong != 200
        or installation_store(make_engine(installed.url), OAUTH_CLIENT[0]).find_installation(
            enterprise_id=None, team_id="T0TRUST"
        )
        is None
    )
    status, page, cookie = get(installed.bot.url + "/slack/install")
    state = re.search(r"state=([^&\"']+)", page).group(1)  # type: ignore[union-attr]
    done, thanks, _ = get(
        installed.bot.url + f"/slack/oauth_redirect?code={OAUTH_CODE}&state={state}", cookie.split(";")[0]
    )
    assert done == 200, thanks
    stored = installation_store(make_engine(installed.url), OAUTH_CLIENT[0]).find_installation(
        enterprise_id=None, team_id="T0TRUST"
    )
    assert stored is not None and stored.bot_token == "xoxb-installed-token" and stored.user_id == "UINSTALLER"

    reply = installed.slack.submit("report_concern", report_values(), "UN1", view_id="VOAUTH1")
    assert reply.status == 200 and reply.json()["response_action"] == "update", reply.body
    concern = installed.north.by_submission_key("VOAUTH1")
    assert concern is not None
    card = posted_card(installed.fake, concern.reference, channel="GNORTH")  # sent with the installed token
    assert json.dumps(card.params).count("north|") >= 1


def test_an_uninstall_deletes_the_workspaces_install_and_nothing_more_is_stored(installed: Installed) -> None:
    store = installation_store(make_engine(installed.url), OAUTH_CLIENT[0])
    if store.find_installation(enterprise_id=None, team_id="T0TRUST") is None:
        pytest.skip("needs the install of the test before")
    event = {"type": "app_uninstalled", "event_ts": "1.0"}
    assert installed.slack.event(event).status == 200
    deadline = time.monotonic() + 10
    while store.find_installation(enterprise_id=None, team_id="T0TRUST") is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.find_installation(enterprise_id=None, team_id="T0TRUST") is None
    reply = installed.slack.submit("report_concern", report_values(), "UN1", view_id="VOAUTH2")
    assert (reply.status, reply.body) == (200, NOT_INSTALLED)  # said on the form, in words of ours
    assert installed.north.by_submission_key("VOAUTH2") is None
