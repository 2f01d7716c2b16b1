"""One bot serving two of a trust's schools in one workspace, through signed Slack requests: each request finds its
school (the person's, the channel's, the school that drew the button or form), a person in both chooses, a person
in neither is told whom to ask, and nothing of one school reaches the other's people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.config import ONE_SCHOOL
from flows.which_school import NOT_NAMED, NOT_OURS
from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from storage.db import make_engine
from storage.schools import for_key
from tests.conftest import SIGNING_SECRET, RunningBot, bot_environment, free_port, new_database_url, policybot
from tests.e2e.helpers import SCHOOLS, ephemeral_to, posted_card
from tests.slack_driver import SlackDriver, radio, report_values, select, text

FAST = {"ACK_NUDGE_AFTER": "2s", "NUDGE_REPEAT_EVERY": "1d", "WORKING_HOURS": "Mon-Sun 00:00-24:00"}
FAST |= {"ESCALATE_AFTER_NUDGES": "1"}  # the first nudge tells the headteacher too: which one is the test


class Trust:
    def __init__(self, fake: LocalSlack, bot: RunningBot, engine: Engine) -> None:
        self.fake, self.bot, self.url = fake, bot, engine.url.render_as_string(hide_password=False)
        self.slack = SlackDriver(
            bot.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url", team="T0TRUST"
        )
        self.north, self.south = (ConcernStore(for_key(engine, key)) for key in ("north", "south"))


@pytest.fixture(scope="module")
def trust(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trust]:
    folder = tmp_path_factory.mktemp("trust")
    fake = LocalSlack(
        channels={
            "GNORTH": {"is_private": True, "is_member": True, "name": "north-leadership"},
            "GSOUTH": {"is_private": True, "is_member": True, "name": "south-leadership"},
        },
        members={"GNORTH": ["ULEADN", "UDSLN", "UHEADN", "UPOLICYBOT"], "GSOUTH": ["ULEADS", "UHEADS", "UPOLICYBOT"]},
        usergroups={"S0SOUTH": ["US1", "UPERI"]},
    )
    (folder / "schools.toml").write_text(SCHOOLS)
    for url in new_database_url(folder, "trust"):
        # SCHOOLS_FILE imports the schools as the bot starts; the one school's settings are not needed.
        env = {k: v for k, v in bot_environment(fake, url, **FAST).items() if k not in ONE_SCHOOL}
        bot = RunningBot({**env, "SCHOOLS_FILE": str(folder / "schools.toml")}, free_port(), folder / "policybot.log")
        assert "schools file: north: added (North Academy" in bot.output()
        try:
            yield Trust(fake, bot, make_engine(url))
        finally:
            output = bot.stop()
            fake.close_now()
            assert "Traceback" not in output, output
            assert not fake.invalid, f"Slack would have refused: {fake.invalid}"


def buttons(call: Any) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in call.params["blocks"] if b["type"] == "actions" for e in b["elements"]}


def test_a_report_goes_to_the_reporters_school_only_and_carries_its_key(trust: Trust) -> None:
    reply = trust.slack.submit("report_concern", report_values(), "UN1", view_id="VNORTH1")
    assert reply.status == 200 and reply.json()["response_action"] == "update", reply.body
    concern = trust.north.by_submission_key("VNORTH1")
    assert concern is not None and concern.reference.startswith("SMP-NORTH-")
    assert trust.south.by_submission_key("VNORTH1") is None  # the other school's records do not hold it
    card = posted_card(trust.fake, concern.reference, channel="GNORTH")
    assert buttons(card)["concern_acknowledge"] == f"north|{concern.id}:{concern.version}"
    seen = [c.params for c in trust.fake.of("chat.postMessage") if concern.reference in json.dumps(c.params)]
    assert {p["channel"] for p in seen} <= {"GNORTH", "UN1", "UDSLN", "ULEADN", "UHEADN"}


def test_a_leader_of_the_other_school_cannot_act_on_it_and_its_own_leader_can(trust: Trust) -> None:
    trust.slack.submit("report_concern", report_values(), "UN1", view_id="VNORTH2")
    concern = trust.north.by_submission_key("VNORTH2")
    assert concern is not None and concern.id is not None
    posted_card(trust.fake, concern.reference, channel="GNORTH")
    value = f"north|{concern.id}:{concern.version}"
    mark = trust.fake.mark()
    trust.slack.click("concern_acknowledge", value, "ULEADS", channel="GNORTH")
    # not in North's channel, so Slack will not show them a private reply there: it comes to their DM
    told = trust.fake.wait_for("chat.postMessage", lambda p: p["channel"] == "ULEADS", after=mark)
    assert told[-1].params["text"].startswith("Only those handling this concern can act on it")
    assert (trust.north.get(concern.id) or concern).status == "new"
    trust.slack.click("concern_acknowledge", value, "ULEADN", channel="GNORTH")
    trust.fake.wait_for("chat.update", lambda p: p["channel"] == "GNORTH" and "Acknowledged" in json.dumps(p))
    assert getattr(trust.north.get(concern.id), "status", None) == "acknowledged"


def test_someone_at_neither_school_is_told_whom_to_ask_and_nothing_is_stored(trust: Trust) -> None:
    mark = trust.fake.mark()
    assert trust.slack.command("/report-concern", "UNOBODY").status == 200
    ephemeral_to(trust.fake, "UNOBODY", NOT_NAMED, after=mark)
    reply = trust.slack.submit("report_concern", report_values(), "UNOBODY", view_id="VNOBODY")
    assert reply.status == 200 and NOT_NAMED in reply.body  # as the form's field error
    assert trust.north.by_submission_key("VNOBODY") is None and trust.south.by_submission_key("VNOBODY") is None
    assert not trust.fake.of("views.open", mark)


def test_another_workspace_is_told_it_is_not_served(trust: Trust) -> None:
    elsewhere = SlackDriver(trust.slack.events_url, SIGNING_SECRET, trust.slack.response_url, team="T0ELSEWHERE")
    mark = trust.fake.mark()
    assert elsewhere.command("/report-concern", "UN1").status == 200
    ephemeral_to(trust.fake, "UN1", NOT_OURS, after=mark)
    assert not trust.fake.of("views.open", mark)


def test_a_teacher_at_both_schools_chooses_and_the_report_goes_to_the_chosen_one(trust: Trust) -> None:
    mark = trust.fake.mark()
    trust.slack.command("/report-concern", "UPERI")
    picker = trust.fake.wait_for("views.open", after=mark)[-1].params["view"]
    assert picker["callback_id"] == "pick_school"
    options = picker["blocks"][1]["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in options] == [
        ("north", "North Academy"),
        ("south", "South Primary"),
    ]
    chosen = trust.slack.submit(
        "pick_school", select("school", "south"), "UPERI", private_metadata=picker["private_metadata"]
    )
    form = chosen.json()
    assert form["response_action"] == "update" and form["view"]["callback_id"] == "report_concern"
    assert form["view"]["private_metadata"] == "south|"  # the form now belongs to South
    reply = trust.slack.submit(
        "report_concern", report_values(), "UPERI", view_id="VPERI", private_metadata=form["view"]["private_metadata"]
    )
    assert reply.json()["response_action"] == "update", reply.body
    concern = trust.south.by_submission_key("VPERI")
    assert concern is not None and concern.reference.startswith("SMP-SOUTH-")
    assert trust.north.by_submission_key("VPERI") is None
    posted_card(trust.fake, concern.reference, channel="GSOUTH")


def test_a_choice_of_a_school_the_person_is_not_at_is_not_taken(trust: Trust) -> None:
    reply = trust.slack.submit("pick_school", select("school", "north"), "US1", private_metadata="/report-concern")
    form = reply.json()
    # US1 is South's (its staff user group): the form opens for South, whatever the menu said
    assert form["view"]["private_metadata"] == "south|"


def test_a_leadership_button_from_before_the_stamps_finds_its_school_by_channel(trust: Trust, tmp_path: Path) -> None:
    trust.slack.submit("report_concern", report_values(), "US1", view_id="VSOUTH1")
    concern = trust.south.by_submission_key("VSOUTH1")
    assert concern is not None and concern.id is not None
    posted_card(trust.fake, concern.reference, channel="GSOUTH")
    trust.slack.click("concern_acknowledge", f"{concern.id}:{concern.version}", "ULEADS", channel="GSOUTH")
    trust.fake.wait_for("chat.update", lambda p: p["channel"] == "GSOUTH" and concern.reference in json.dumps(p))
    assert getattr(trust.south.get(concern.id), "status", None) == "acknowledged"


def home_of(trust: Trust, user: str) -> str:
    mark = trust.fake.mark()
    assert trust.slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"}).status == 200
    published = trust.fake.wait_for("views.publish", lambda p: p["user_id"] == user, after=mark)[-1]
    return json.dumps(published.params["view"])


def test_a_teacher_at_both_schools_has_one_home_with_each_schools_part(trust: Trust) -> None:
    shown = home_of(trust, "UPERI")
    assert "North Academy" in shown and "South Primary" in shown
    assert '"private_metadata": "*|"' in shown  # several schools': its own buttons ask which school
    mark = trust.fake.mark()
    home = {"id": "VHOME", "type": "home", "private_metadata": "*|", "state": {"values": {}}, "hash": "h"}
    action = {"action_id": "home_check_contact", "block_id": "b", "type": "button"}
    assert trust.slack.block_action("UPERI", action, "trigger.home", view=home).status == 200
    opened = trust.fake.wait_for("views.open", after=mark)[-1].params["view"]
    assert opened["callback_id"] == "pick_school" and opened["private_metadata"] == "/check-contact"


def test_the_trusts_safeguarding_lead_sees_every_schools_safeguarding_queue_and_a_school_sees_only_its_own(
    trust: Trust,
) -> None:
    mark = trust.fake.mark()
    trust.slack.submit("report_concern", report_values(safeguarding=True), "UN1", view_id="VNORTHSG")
    trust.slack.submit("report_concern", report_values(safeguarding=True), "US1", view_id="VSOUTHSG")
    trust.slack.submit("report_concern", report_values(), "UN1", view_id="VNORTHORDINARY")
    about_her = report_values(safeguarding=True, involved="UTRUSTDSL")  # she works at North too, say
    trust.slack.submit("report_concern", about_her, "UN1", view_id="VNORTHABOUTHER")
    north, south = trust.north.by_submission_key("VNORTHSG"), trust.south.by_submission_key("VSOUTHSG")
    ordinary, on_her = trust.north.by_submission_key("VNORTHORDINARY"), trust.north.by_submission_key("VNORTHABOUTHER")
    assert north is not None and south is not None and ordinary is not None and on_her is not None
    # Told by DM of each school's safeguarding concern as it comes: where, and who has it; never what it says.
    to_her = trust.fake.wait_for("chat.postMessage", lambda p: p["channel"] == "UTRUSTDSL", count=2, after=mark)
    for concern, school in ((north, "North Academy"), (south, "South Primary")):
        [told] = [c for c in to_her if concern.reference in c.params["text"]]
        said = json.dumps(told.params["blocks"])
        assert f"was reported at *{school}*. {school}'s safeguarding team has it" in said
        assert "A pupil is being harassed" not in said and '"actions"' not in said  # no words, no buttons
    assert trust.fake.wait_for("chat.postMessage", lambda p: p["channel"] == "UDSLN", after=mark)  # North's own lead
    trust.bot.one_delivery_pass()
    told = [c.params["text"] for c in trust.fake.of("chat.postMessage", mark) if c.params["channel"] == "UTRUSTDSL"]
    assert len(told) == 2 and not any(c.reference in t for t in told for c in (ordinary, on_her))  # once each; never
    shown = home_of(trust, "UTRUSTDSL")
    assert on_her.reference not in shown  # nor is one that names her in her Home
    assert "North Academy: safeguarding" in shown and "South Primary: safeguarding" in shown
    assert north.reference in shown and south.reference in shown
    assert shown.index(north.reference) < shown.index("South Primary: safeguarding") < shown.index(south.reference)
    assert "A pupil is being harassed" not in shown  # what was reported is never on a Home
    assert "home_check_contact" not in shown  # the forms are a school's staff's: she is at none
    mark = trust.fake.mark()
    trust.slack.command("/report-concern", "UTRUSTDSL")
    ephemeral_to(trust.fake, "UTRUSTDSL", "You are the trust's safeguarding lead, named at no school", after=mark)
    for lead, own, other in (("UDSLN", north, south), ("UDSLS", south, north)):
        mine = home_of(trust, lead)
        assert own.reference in mine and other.reference not in mine


def test_someone_at_neither_school_gets_a_home_that_says_whom_to_ask(trust: Trust) -> None:
    shown = home_of(trust, "UNOBODY")
    assert NOT_NAMED in shown and "North Academy" not in shown and "SMP-" not in shown
    assert "home_check_contact" not in shown


def test_each_schools_nudges_go_to_its_own_channel_once(trust: Trust) -> None:
    trust.slack.submit("report_concern", report_values(), "UN1", view_id="VNUDGEN")
    trust.slack.submit("report_concern", report_values(), "US1", view_id="VNUDGES")
    north, south = trust.north.by_submission_key("VNUDGEN"), trust.south.by_submission_key("VNUDGES")
    assert north is not None and south is not None
    for concern, channel in ((north, "GNORTH"), (south, "GSOUTH")):
        trust.fake.wait_for(
            "chat.postMessage",
            lambda p, c=concern, ch=channel: p["channel"] == ch and f"{c.reference} has waited" in p["text"],
            timeout=20,
        )
    trust.bot.one_delivery_pass()
    for concern, channel in ((north, "GNORTH"), (south, "GSOUTH")):
        nudges = [
            c.params for c in trust.fake.of("chat.postMessage") if f"{concern.reference} has waited" in c.params["text"]
        ]
        assert [p["channel"] for p in nudges] == [channel]  # once, and in its own school's channel only
    for concern, head, other in ((north, "UHEADN", "UHEADS"), (south, "UHEADS", "UHEADN")):
        told = [c.params["channel"] for c in trust.fake.of("chat.postMessage") if concern.reference in c.params["text"]]
        assert head in told and other not in told  # its own school's headteacher, never the other's


def test_view_details_of_one_school_is_refused_to_the_other_schools_leader(trust: Trust) -> None:
    trust.slack.submit("report_concern", report_values(description="Only North may read this."), "UN1", view_id="VDET")
    concern = trust.north.by_submission_key("VDET")
    assert concern is not None
    card = posted_card(trust.fake, concern.reference, channel="GNORTH")
    value = buttons(card)["concern_view_details"]
    mark = trust.fake.mark()
    trust.slack.click("concern_view_details", value, "ULEADS", channel="GNORTH")
    trust.fake.wait_for("chat.postMessage", lambda p: p["channel"] == "ULEADS", after=mark)
    assert not [c for c in trust.fake.of("views.open", mark) if "Only North" in json.dumps(c.params)]
    trust.slack.click("concern_view_details", value, "ULEADN", channel="GNORTH")
    trust.fake.wait_for("views.open", lambda p: "Only North may read this." in json.dumps(p["view"]), after=mark)


def test_a_contact_question_goes_to_its_schools_leadership_who_alone_decide(trust: Trust) -> None:
    values = {
        **radio("person", "PUPIL_FAMILY"),
        **radio("channel", "SOCIAL_NETWORK"),
        **radio("under_18", "no"),
        **radio("family_or_close_family_friend", "no"),
        **radio("existing_personal_friend", "no"),
        **text("described", "A parent from the book club"),
    }
    answer = trust.slack.submit("check_contact", values, "UN1", view_id="VCHECKN").json()
    ask = [e for b in answer["view"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    [value] = [e["value"] for e in ask if e["action_id"] == "contact_ask_leadership"]
    assert value.startswith("north|")
    trust.slack.click_in_view("contact_ask_leadership", value, "UN1", "VCHECKN")
    post = trust.fake.wait_for("chat.postMessage", lambda p: p["channel"] == "GNORTH" and "CQ-" in p["text"])[-1]
    approve = buttons(post)["contact_approve"]
    assert approve.startswith("north|")
    mark = trust.fake.mark()
    trust.slack.click("contact_approve", approve, "ULEADS", channel="GNORTH")
    refused = trust.fake.wait_for("chat.postMessage", lambda p: p["channel"] == "ULEADS", after=mark)[-1]
    assert "leadership" in refused.params["text"]
    trust.slack.click("contact_approve", approve, "ULEADN", channel="GNORTH")
    trust.fake.wait_for("chat.postMessage", lambda p: p["channel"] == "UN1" and "approved" in p["text"], after=mark)
    assert not [
        c for c in trust.fake.of("chat.postMessage") if c.params["channel"] == "GSOUTH" and "CQ-" in c.params["text"]
    ]


def test_each_schools_export_holds_its_own_records_only(trust: Trust) -> None:
    trust.slack.submit("report_concern", report_values(), "US1", view_id="VEXPORT")
    south = trust.south.by_submission_key("VEXPORT")
    assert south is not None
    env = {**bot_environment(trust.fake, trust.url)}
    north = policybot("export", "--school", "north", "--format", "csv", env=env)
    assert north.returncode == 0, north.stderr
    assert "SMP-NORTH-" in north.stdout and "SMP-SOUTH-" not in north.stdout
    both = policybot("export", env=env)
    assert both.returncode == 2 and "choose one with --school KEY" in both.stderr


def test_the_governors_of_a_school_whose_review_is_overdue_are_reminded_and_no_other_schools(trust: Trust) -> None:
    reminded = trust.fake.wait_for("chat.postMessage", lambda p: "annual review" in p["text"], count=2, timeout=20)
    assert {c.params["channel"] for c in reminded} == {"UGOVN", "UCHAIRN"}  # North's governors, the chair one of them
    assert all("at North Academy" in c.params["text"] for c in reminded)
    trust.bot.one_delivery_pass()
    everyone = {c.params["channel"] for c in trust.fake.of("chat.postMessage") if "annual review" in c.params["text"]}
    assert everyone == {"UGOVN", "UCHAIRN"}  # South's chair is told nothing of North's review


def test_a_command_typed_in_another_schools_leadership_channel_goes_by_the_persons_own_school(trust: Trust) -> None:
    mark = trust.fake.mark()
    body = trust.slack.command_body("/report-concern", "US1", channel="GNORTH")  # US1 is South's, in North's channel
    assert trust.slack.post(body).status == 200
    opened = trust.fake.wait_for("views.open", after=mark)[-1].params["view"]
    assert opened["callback_id"] == "report_concern" and opened["private_metadata"] == "south|"
