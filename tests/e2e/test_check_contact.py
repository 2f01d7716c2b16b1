"""/check-contact through signed Slack requests: the policy's answer at once, and leadership's decision where the
policy says they decide."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlmodel import select

from flows.permissions import RecordKind
from sandbox.slack import LocalSlack
from storage import audit
from storage.contact_checks import ContactCheckStore
from storage.db import reading
from storage.declarations import DeclarationStore
from storage.models import ContactCheck
from tests.conftest import CHANNEL, HEADTEACHER, LEADERS, LONDON, RunningBot, csv_rows, posted, school_engine
from tests.slack_driver import SlackDriver, radio, text


def form(
    person: str,
    channel: str,
    under_18: str = "no",
    family: str = "no",
    friend: str = "no",
    described: str | None = None,
) -> dict[str, Any]:
    return {
        **radio("person", person),
        **radio("channel", channel),
        **radio("under_18", under_18),
        **radio("family_or_close_family_friend", family),
        **radio("existing_personal_friend", friend),
        **text("described", described),
    }


def ask(slack: SlackDriver, user: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    view_id = f"VCHECK{time.time_ns()}"
    reply = slack.submit("check_contact", values, user, view_id=view_id)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["response_action"] == "update", body
    return view_id, body["view"]


def shown(view: dict[str, Any]) -> str:
    return json.dumps(view)


def stored_check(e2e_database: str, view_id: str) -> ContactCheck:
    with reading(school_engine(e2e_database)) as session:
        return session.exec(select(ContactCheck).where(ContactCheck.submission_key == view_id)).one()


def test_the_command_opens_the_questions(slack: SlackDriver, fake_slack: LocalSlack) -> None:
    assert slack.command("/check-contact", "USTAFF50").status == 200
    opened = fake_slack.wait_for("views.open", lambda p: p["view"]["callback_id"] == "check_contact")[-1]
    words = shown(opened.params["view"])
    assert "A former pupil" in words and "Friend or follow them on social media" in words and "I don't know" in words


def test_a_clear_yes_with_the_policy_sentence(slack: SlackDriver, bot: RunningBot, e2e_database: str) -> None:
    view_id, view = ask(slack, "USTAFF51", form("PUPIL", "ACADEMY_SYSTEMS", under_18="yes"))
    words = shown(view)
    assert "Yes: the policy permits this" in words
    assert "must only use the Academy's systems for communications" in words and "section 6" in words
    assert "Ask leadership" not in words
    check = stored_check(e2e_database, view_id)
    assert check.verdict == "PERMITTED" and check.asked_by == "USTAFF51" and check.request_status == "none"


def test_a_clear_no_with_the_policy_sentence(slack: SlackDriver, bot: RunningBot, e2e_database: str) -> None:
    view_id, view = ask(slack, "USTAFF52", form("FORMER_PUPIL", "SOCIAL_NETWORK", under_18="yes"))
    words = shown(view)
    assert "No: the policy does not permit this" in words
    assert "ex-pupils under the age of 18 as friends on their social networking sites" in words
    assert stored_check(e2e_database, view_id).verdict == "NOT_PERMITTED"


def test_bad_input_is_shown_on_the_fields(slack: SlackDriver) -> None:
    values = form("PUPIL", "ACADEMY_SYSTEMS", described="x" * 400)
    values.update(radio("under_18", "maybe"))
    values["under_18"]["under_18_input"]["selected_option"] = None
    body = slack.submit("check_contact", values, "USTAFF53").json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {"under_18", "described"}


def test_a_doubtful_contact_goes_to_leadership_who_approve_it(
    slack: SlackDriver, fake_slack: LocalSlack, bot: RunningBot, e2e_database: str
) -> None:
    staff = "USTAFF54"
    described = "Ms Parent (mum of a Year 4 pupil), from my book club"
    values = form("PUPIL_FAMILY", "SOCIAL_NETWORK", described=described)
    view_id, view = ask(slack, staff, values)
    assert "Leadership must decide" in shown(view) and "carefully consider contact with a pupil's family" in shown(view)
    check = stored_check(e2e_database, view_id)
    assert check.verdict == "REFER"

    # "Ask leadership" inside the modal: the modal says so, and the request reaches the leadership channel.
    assert slack.click_in_view("contact_ask_leadership", str(check.id), staff, view_id).status == 200
    fake_slack.wait_for("views.update", lambda p: p["view_id"] == view_id and "Sent to leadership" in shown(p["view"]))
    post = fake_slack.wait_for(
        "chat.postMessage", lambda p: p["channel"] == CHANNEL and f"CQ-{check.id:04d}" in p["text"]
    )[-1]
    words = shown(post.params["blocks"])
    assert staff in words and "be friends with or follow on social media" in words and "Approve" in words
    assert "Ms Parent" in words  # as described, shown as plain text
    value = f"{check.id}:2"

    # A member of staff who is not a leader cannot decide; the attempt is recorded.
    slack.click("contact_approve", value, "USTAFF55")
    fake_slack.wait_for("chat.postEphemeral", lambda p: p["user"] == "USTAFF55" and "Only the leadership" in p["text"])
    # A leader can.
    slack.click("contact_approve", value, LEADERS[0])
    told = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == staff and "approved" in p["text"])[-1]
    assert "standing permission until" in told.params["text"]
    fake_slack.wait_for("chat.update", lambda p: p["ts"] == post.response["ts"] and "Approved" in shown(p["blocks"]))

    trail = [(e.actor_id, e.action) for e in audit.trail(school_engine(e2e_database), "check", check.id or 0)]
    assert trail == [
        (staff, "asked"),
        (staff, "asked_leadership"),
        ("USTAFF55", "refused_decide"),
        (LEADERS[0], "approved"),
    ]
    [permission] = ContactCheckStore(school_engine(e2e_database)).permissions_for(staff)
    assert permission.granted_by == LEADERS[0] and permission.review_on.year == check.asked_at.year + 1

    # Asking the same again, about the same person, is answered with the permission.
    _, again = ask(
        slack,
        staff,
        form("PUPIL_FAMILY", "SOCIAL_NETWORK", described="  ms parent (mum of a year 4 pupil), from my book club"),
    )
    assert "standing permission" in shown(again) and "Ask leadership" not in shown(again)
    # Different facts about the same person are a different question: a "no" stays a "no".
    _, under_18 = ask(slack, staff, form("PUPIL_FAMILY", "SOCIAL_NETWORK", under_18="yes", described=described))
    assert "standing permission" not in shown(under_18) and "does not permit" in shown(under_18)

    # And the App Home lists it.
    opened = fake_slack.mark()
    slack.event(
        {"type": "app_home_opened", "user": staff, "channel": "D1", "tab": "home", "event_ts": f"{time.time():.6f}"}
    )
    home = fake_slack.wait_for(
        "views.publish", lambda p: p["user_id"] == staff and "Ms Parent" in shown(p["view"]), after=opened
    )[-1]
    assert "Your standing permissions" in shown(home.params["view"])


def test_two_leaders_at_once_and_a_retry_give_one_decision(
    slack: SlackDriver, fake_slack: LocalSlack, bot: RunningBot, e2e_database: str
) -> None:
    staff = "USTAFF56"
    view_id, _ = ask(slack, staff, form("FORMER_PUPIL", "SOCIAL_NETWORK", under_18="unknown", described="AB"))
    check = stored_check(e2e_database, view_id)
    slack.click_in_view("contact_ask_leadership", str(check.id), staff, view_id)
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and f"CQ-{check.id:04d}" in p["text"])
    approve = slack.action_body("contact_approve", f"{check.id}:2", LEADERS[0])
    decline = slack.action_body("contact_decline", f"{check.id}:2", HEADTEACHER)
    import threading

    mark = fake_slack.mark()
    threads = [threading.Thread(target=slack.post, args=(b,)) for b in (approve, decline)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slack.post(approve, retry_num=1)
    fake_slack.wait_for("chat.postEphemeral", lambda p: "got there first" in p["text"], after=mark)
    bot.one_delivery_pass()
    trail = audit.trail(school_engine(e2e_database), "check", check.id or 0)
    decisions = [e.action for e in trail if e.action in ("approved", "declined")]
    assert len(decisions) == 1
    told = [c for c in fake_slack.of("chat.postMessage", channel=staff) if "CQ-" in c.params["text"]]
    assert len(told) == 1


def test_decline_with_a_note_and_a_declaration_acknowledged(
    slack: SlackDriver, fake_slack: LocalSlack, bot: RunningBot, e2e_database: str
) -> None:
    staff = "USTAFF57"
    view_id, _ = ask(slack, staff, form("PUPIL", "PERSONAL_PHONE", under_18="yes", friend="yes", described="CD"))
    check = stored_check(e2e_database, view_id)
    assert check.verdict == "REFER"
    slack.click_in_view("contact_ask_leadership", str(check.id), staff, view_id)
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and f"CQ-{check.id:04d}" in p["text"])
    slack.click("contact_decide_with_note", f"{check.id}:2", LEADERS[1])
    modal = fake_slack.wait_for(
        "views.open",
        lambda p: p["view"]["callback_id"] == "decide_contact" and p["view"]["private_metadata"] == f"{check.id}:2",
    )[-1]
    decision = {
        **radio("decision", "decline"),
        **text("note", "Use Class Dojo instead, please"),
        "review_on": {"review_on_input": {"type": "datepicker", "selected_date": "2099-01-01"}},
    }
    reply = slack.submit(
        "decide_contact", decision, LEADERS[1], private_metadata=modal.params["view"]["private_metadata"]
    )
    assert reply.status == 200 and reply.body == ""
    told = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == staff and "declined" in p["text"])[-1]
    assert "Use Class Dojo instead" in told.params["text"]

    # The declaration register: declared from the same modal, acknowledged by leadership.
    slack.click_in_view("contact_open_declare", "", staff, "VDECLARE1")
    fake_slack.wait_for(
        "views.update", lambda p: p["view_id"] == "VDECLARE1" and p["view"]["callback_id"] == "declare_connection"
    )
    values = {**radio("person", "PUPIL"), **radio("relationship", "family"), **text("described", "My niece, Y9")}
    done = slack.submit("declare_connection", values, staff, view_id="VDECLARE1").json()
    assert done["response_action"] == "update" and "re-confirm" in shown(done["view"])
    post = fake_slack.wait_for(
        "chat.postMessage",
        lambda p: p["channel"] == CHANNEL and "Declared connection" in p["text"] and staff in shown(p["blocks"]),
    )[-1]
    value = next(e["value"] for b in post.params["blocks"] if b["type"] == "actions" for e in b["elements"])
    slack.click("declaration_acknowledge", value, staff)  # nobody acknowledges their own
    fake_slack.wait_for("chat.postEphemeral", lambda p: p["user"] == staff and "Only the leadership" in p["text"])
    slack.click("declaration_acknowledge", value, LEADERS[0])
    fake_slack.wait_for(
        "chat.postMessage", lambda p: p["channel"] == staff and "acknowledged your declared" in p["text"]
    )
    [row] = DeclarationStore(school_engine(e2e_database)).declarations_for(staff)
    assert row.status == "acknowledged" and row.acknowledged_by == LEADERS[0]

    # Only the member of staff re-confirms their own declaration; anyone else is told so, and it is audited.
    slack.click_in_view("declaration_reconfirm", str(row.id), "USTAFF58", "VHOME58")
    fake_slack.wait_for("chat.postEphemeral", lambda p: p["user"] == "USTAFF58" and "re-confirm it" in p["text"])
    trail = audit.trail(school_engine(e2e_database), "declaration", row.id or 0)
    assert ("USTAFF58", "refused_reconfirm") in [(e.actor_id, e.action) for e in trail]
    assert DeclarationStore(school_engine(e2e_database)).declarations_for(staff)[0].confirm_by == row.confirm_by
    # ...and nobody sends someone else's question to leadership.
    slack.click_in_view("contact_ask_leadership", str(check.id), "USTAFF58", "VOTHER58")
    fake_slack.wait_for(
        "chat.postEphemeral", lambda p: p["user"] == "USTAFF58" and "Only the person who asked" in p["text"]
    )
    trail = audit.trail(school_engine(e2e_database), "check", check.id or 0)
    assert ("USTAFF58", "refused_ask_leadership") in [(e.actor_id, e.action) for e in trail]

    # Governors' export: every question with its verdict and decision trail; people as described only on request.
    from storage.export import export

    engine = school_engine(e2e_database)
    log = json.loads(export(engine, "json", tz=LONDON))
    mine = next(c for c in log["contact_checks"] if c["id"] == check.id)
    assert mine["verdict"] == "REFER" and mine["request_status"] == "declined" and "person_described" not in mine
    assert [e["action"] for e in mine["audit"]] == ["asked", "asked_leadership", "declined", "refused_ask_leadership"]
    assert [e["actor_role"] for e in mine["audit"]] == ["asker", "asker", "someone else", "someone else"]
    assert "note" not in mine["audit"][-1] and "Class Dojo" not in json.dumps(log)  # typed by a leader: withheld
    declared = next(d for d in log["declarations"] if d["id"] == row.id)
    assert [e["action"] for e in declared["audit"]] == [
        "declared",
        "refused_acknowledge",
        "acknowledged",
        "refused_reconfirm",
    ]
    as_csv = export(engine, "csv", include_details=True, log="contact_checks", tz=LONDON)
    rows = [r for r in csv_rows(as_csv) if r["id"] == str(check.id)]
    assert [r["event_action"] for r in rows] == ["asked", "asked_leadership", "declined", "refused_ask_leadership"]
    assert {r["person_described"] for r in rows} == {"CD"}
    assert rows[2]["event_note"] == "Use Class Dojo instead, please"


def test_a_request_slack_refused_is_posted_later(
    slack: SlackDriver, fake_slack: LocalSlack, bot: RunningBot, e2e_database: str
) -> None:
    staff = "USTAFF58"
    view_id, _ = ask(slack, staff, form("COLLEAGUE", "PERSONAL_PHONE", under_18="yes", described="EF"))
    check = stored_check(e2e_database, view_id)
    reference = f"CQ-{check.id:04d}"
    fake_slack.fail("chat.postMessage", 500, times=3, when=lambda p: reference in str(p.get("text")))
    slack.click_in_view("contact_ask_leadership", str(check.id), staff, view_id)
    calls = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and reference in p["text"])
    assert len(calls) == 1  # failed three times (slack_sdk's retries), then posted once by the delivery job
    assert len([c for c in fake_slack.of("chat.postMessage", channel=CHANNEL) if reference in c.params["text"]]) == 4
    engine = school_engine(e2e_database)
    deadline = time.monotonic() + 5
    while (post := posted(engine, RecordKind.CONTACT_REQUEST, check.id or 0)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    engine.dispose()
    assert post == (CHANNEL, calls[0].response["ts"])


def test_nobody_decides_their_own_request_and_nobody_unnamed_goes_to_leadership(
    slack: SlackDriver, fake_slack: LocalSlack, bot: RunningBot, e2e_database: str
) -> None:
    leader = LEADERS[1]
    _, unnamed = ask(slack, leader, form("PUPIL_FAMILY", "SOCIAL_NETWORK"))
    assert "Leadership must decide" in shown(unnamed) and "Ask leadership" not in shown(unnamed)
    assert "say who it is" in shown(unnamed)

    view_id, _ = ask(slack, leader, form("PUPIL_FAMILY", "SOCIAL_NETWORK", described="GH, my son's friend's dad"))
    check = stored_check(e2e_database, view_id)
    slack.click_in_view("contact_ask_leadership", str(check.id), leader, view_id)
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and f"CQ-{check.id:04d}" in p["text"])
    slack.click("contact_approve", f"{check.id}:2", leader)
    fake_slack.wait_for("chat.postEphemeral", lambda p: p["user"] == leader and "nobody decides their own" in p["text"])
    assert stored_check(e2e_database, view_id).request_status == "pending"


def test_a_decision_slack_refused_to_deliver_is_told_later(
    slack: SlackDriver, fake_slack: LocalSlack, bot: RunningBot, e2e_database: str
) -> None:
    staff = "USTAFF59"
    view_id, _ = ask(slack, staff, form("PUPIL_FAMILY", "SOCIAL_NETWORK", described="KL"))
    check = stored_check(e2e_database, view_id)
    slack.click_in_view("contact_ask_leadership", str(check.id), staff, view_id)
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and f"CQ-{check.id:04d}" in p["text"])
    fake_slack.fail("chat.postMessage", 500, times=2, when=lambda p: p.get("channel") == staff)
    slack.click("contact_decline", f"{check.id}:2", LEADERS[0])
    told = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == staff and "declined" in p["text"])
    assert len(told) == 1  # refused twice, then told once by the outbox
    bot.one_delivery_pass()
    assert len([m for m in fake_slack.visible(staff) if "declined" in m.text]) == 1


def test_the_platform_asked_about_reaches_leadership_and_a_permission_covers_that_platform_only(
    slack: SlackDriver, fake_slack: LocalSlack, bot: RunningBot, e2e_database: str
) -> None:
    from tests.slack_driver import select

    staff, described = "USTAFF58", "Mr Parent (dad of a Year 6 pupil), a former colleague"
    on_linkedin = {**form("PUPIL_FAMILY", "SOCIAL_NETWORK", described=described), **select("platform", "linkedin")}
    view_id, _ = ask(slack, staff, on_linkedin)
    check = stored_check(e2e_database, view_id)
    assert check.platform == "linkedin"
    slack.click_in_view("contact_ask_leadership", str(check.id), staff, view_id)
    post = fake_slack.wait_for(
        "chat.postMessage", lambda p: p["channel"] == CHANNEL and f"CQ-{check.id:04d}" in p["text"]
    )[-1]
    assert "be friends with or follow on LinkedIn" in shown(post.params["blocks"])
    slack.click("contact_approve", f"{check.id}:2", LEADERS[1])
    told = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == staff and "approved" in p["text"])[-1]
    assert "follow on LinkedIn" in told.params["text"]

    _, again = ask(slack, staff, on_linkedin)
    assert "standing permission" in shown(again)
    on_facebook = {**form("PUPIL_FAMILY", "SOCIAL_NETWORK", described=described), **select("platform", "facebook")}
    _, elsewhere = ask(slack, staff, on_facebook)
    assert "standing permission" not in shown(elsewhere) and "Leadership must decide" in shown(elsewhere)
    # "Other" says which; a platform the school does not offer is refused on its field.
    other = slack.submit("check_contact", {**on_facebook, **select("platform", "other")}, staff)
    assert other.json()["errors"] == {"platform_other": "Say which platform or app (a word or two)."}
