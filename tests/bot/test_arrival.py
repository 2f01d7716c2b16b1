"""Where a request came from, read from each kind of payload as Slack sends it: a command, a click on a message and
in the App Home, a form's submission, an event; in a workspace, and under an org-wide install."""

from __future__ import annotations

from bot.payload import arrival
from flows.which_school import Arrival


def test_a_slash_command_goes_by_its_person_not_the_channel_it_was_typed_in() -> None:
    # typed in another school's leadership channel, by someone of this school: the channel says nothing of it
    body = {"command": "/report-concern", "team_id": "T1", "channel_id": "GNORTH", "user_id": "US1", "trigger_id": "x"}
    assert arrival(body) == Arrival("T1", None, None, "US1")


def test_a_click_on_a_post_in_a_leadership_channel_under_an_org_wide_install() -> None:
    body = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "enterprise": {"id": "E9"},
        "user": {"id": "ULEADS", "team_id": "T2"},  # the person's own workspace
        "channel": {"id": "GSOUTH"},
        "container": {"type": "message", "channel_id": "GSOUTH"},
    }
    assert arrival(body) == Arrival("T2", "E9", "GSOUTH", "ULEADS")


def test_a_click_in_the_app_home_and_a_forms_submission_have_no_channel() -> None:
    home = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "UN1"}, "container": {"type": "view"}}
    assert arrival(home) == Arrival("T1", None, None, "UN1")
    submitted = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "UN1"}, "enterprise": None}
    assert arrival(submitted) == Arrival("T1", None, None, "UN1")


def test_an_event_and_one_under_an_org_wide_install() -> None:
    opened = {"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened", "user": "UN1"}}
    assert arrival(opened) == Arrival("T1", None, None, "UN1")
    grid = {**opened, "enterprise_id": "E9", "context_team_id": "T3", "event": {"user": "UG1", "channel": "D1"}}
    assert arrival(grid) == Arrival("T3", "E9", None, "UG1")


def test_what_slack_leaves_out_or_sends_oddly_is_none() -> None:
    assert arrival({}) == Arrival(None)
    assert arrival({"team": "T1", "user": ["UN1"], "channel": None, "team_id": ""}) == Arrival(None)
