"""A concern's whole journey through signed Slack requests, as staff and leadership would live it."""

from __future__ import annotations

import json
from typing import Any

from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from storage.export import export
from tests.conftest import CHANNEL, LEADERS, LONDON, RunningBot
from tests.e2e.helpers import posted_card, texts
from tests.slack_driver import SlackDriver, boxes, radio, report_values, text


def report(slack: SlackDriver, fake: LocalSlack, user: str, **values: Any) -> tuple[int, dict[str, Any]]:
    """Submit a report as `user`; returns the concern id and the ack body."""
    view_id = values.pop("view_id", None)
    reply = slack.submit("report_concern", report_values(**values), user, view_id=view_id)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["response_action"] == "update", body
    return body, reply


def test_report_command_opens_the_form_at_once(slack: SlackDriver, fake_slack: LocalSlack) -> None:
    reply = slack.command("/report-concern", "USTAFF10")
    assert reply.status == 200
    opened = fake_slack.wait_for("views.open", lambda p: p["view"]["callback_id"] == "report_concern")[-1]
    labels = texts(opened.params["view"]["blocks"])
    for expected in (
        "Contact",
        "Conduct",
        "Content",
        "Commercial",
        "Aggressive",
        "Sexual",
        "Values",
        "X (Twitter)",
        "LinkedIn",
        "Discord",
        "If Other: which?",
        "Ex-pupil",
        "Parent/carer",
        "I have kept a copy",
        "illegal material",
    ):
        assert expected in labels
    assert "Vine" not in labels  # closed in 2017: no longer offered


def test_a_concern_travels_from_report_to_resolution(
    slack: SlackDriver, fake_slack: LocalSlack, store: ConcernStore
) -> None:
    reporter = "USTAFF11"
    secret = "Jo Bloggs in 8C <!channel> <@ULEAD1> <https://evil.example|click me>"
    body, _ = report(
        slack, fake_slack, reporter, description=secret, names="Jo Bloggs", links="https://www.instagram.com/p/abc123"
    )
    done = json.dumps(body["view"])
    reference = done.split("*")[1]
    assert reference.startswith("SMP-")

    concern = store.by_reference(reference)
    assert concern is not None and concern.description == secret and concern.status == "new"

    # Leadership sees the card: reference, area/kind, platform, roles, status; no description, names or links.
    card = posted_card(fake_slack, reference)
    shown = texts(card.params["blocks"]) + card.params["text"]
    assert "Contact" in shown and "Aggressive" in shown and "Instagram" in shown and "Pupil" in shown
    assert "Jo Bloggs" not in shown and "instagram.com/p/abc123" not in shown and "evil.example" not in shown
    buttons = [e["text"]["text"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Acknowledge", "Escalate", "Resolve", "View details"]

    # The reporter's receipt: the reference and Appendix A's advice, never what they wrote.
    receipt = fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == reporter and reference in p["text"])
    receipt_text = texts(receipt[-1].params["blocks"])
    assert "Keep a copy" in receipt_text and "Jo Bloggs" not in receipt_text

    value = f"{concern.id}:{concern.version}"
    assert slack.click("concern_acknowledge", value, LEADERS[0]).status == 200
    fake_slack.wait_for(
        "chat.update", lambda p: p["ts"] == card_ts(fake_slack, reference) and "Acknowledged" in texts(p["blocks"])
    )
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == reporter and "acknowledged" in p["text"])

    # Escalate through the modal.
    assert slack.click("concern_escalate", f"{concern.id}:2", LEADERS[1]).status == 200
    form = fake_slack.wait_for(
        "views.open", lambda p: p["view"]["callback_id"] == "escalate_concern" and reference in str(p["view"])
    )[-1]
    metadata = form.params["view"]["private_metadata"]
    values = {**radio("target", "safeguarding_lead"), **text("note", "Spoke to DSL, private note")}
    reply = slack.submit("escalate_concern", values, LEADERS[1], private_metadata=metadata)
    assert reply.status == 200 and reply.body == ""
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == reporter and "escalated" in p["text"])

    # Resolve.
    assert slack.click("concern_resolve", f"{concern.id}:3", LEADERS[0]).status == 200
    form = fake_slack.wait_for(
        "views.open", lambda p: p["view"]["callback_id"] == "resolve_concern" and reference in str(p["view"])
    )[-1]
    values = {**radio("outcome", "content_removed"), **text("note", "")}
    reply = slack.submit(
        "resolve_concern", values, LEADERS[0], private_metadata=form.params["view"]["private_metadata"]
    )
    assert reply.status == 200
    fake_slack.wait_for("chat.postMessage", lambda p: p["channel"] == reporter and "resolved" in p["text"])
    told = [c.params["text"] for c in fake_slack.of("chat.postMessage", channel=reporter)]
    assert len(told) == 4  # the receipt, then acknowledged, escalated, resolved: one message each
    assert all("private note" not in text for text in told)  # never leadership's notes

    final = store.by_reference(reference)
    assert final is not None and final.status == "resolved" and final.outcome == "content_removed"
    trail = [(e.actor_id, e.action, e.from_state, e.to_state) for e in store.events(final.id)]
    assert ("USTAFF11", "reported", None, "new") in trail
    assert (LEADERS[0], "acknowledged", "new", "acknowledged") in trail
    assert (LEADERS[1], "escalated", "acknowledged", "escalated") in trail
    assert (LEADERS[0], "resolved", "escalated", "resolved") in trail

    def buttons(blocks: list[Any]) -> list[str]:
        return [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]

    ts = card_ts(fake_slack, reference)
    fake_slack.wait_for("chat.update", lambda p: p["ts"] == ts and buttons(p["blocks"]) == ["View details"])
    [card] = [m for m in fake_slack.visible(CHANNEL) if m.ts == ts]  # one post, showing the newest state
    assert buttons(card.blocks) == ["View details"] and "Resolved" in json.dumps(card.blocks)

    # The governors' export carries the trail and names nobody: no ids, no details, no notes unless asked.
    as_json = export(store.engine, "json", tz=LONDON)
    row = next(c for c in json.loads(as_json)["concerns"] if c["reference"] == reference)
    assert [(e["action"], e["actor_role"]) for e in row["audit"]][:1] == [("reported", "reporter")]
    assert "description" not in row and "USTAFF11" not in as_json and "Spoke to DSL" not in as_json
    detailed = export(store.engine, "csv", include_details=True, tz=LONDON)
    assert "Jo Bloggs" in detailed and "Spoke to DSL, private note" in detailed and "USTAFF11" in detailed


def card_ts(fake: LocalSlack, reference: str) -> str:
    return str(posted_card(fake, reference).response["ts"])


def test_bad_input_is_shown_on_the_fields_and_nothing_is_stored(
    slack: SlackDriver, fake_slack: LocalSlack, store: ConcernStore
) -> None:
    values = report_values(description="   ", links="not a link\nhttps://ok.example.com")
    values.update(boxes("roles"))
    reply = slack.submit("report_concern", values, "USTAFF12", view_id="VBADINPUT1")
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"description", "links", "roles"}
    assert store.by_submission_key("VBADINPUT1") is None

    too_long = report_values(description="x" * 5000)
    body = slack.submit("report_concern", too_long, "USTAFF12", view_id="VBADINPUT2").json()
    assert "description" in body["errors"] and "5000" in body["errors"]["description"]


def test_signed_requests_only(slack: SlackDriver, bot: RunningBot) -> None:
    body = slack.command_body("/report-concern", "USTAFF13")
    assert slack.post(body, secret="not-the-secret").status == 401
    assert slack.post(body, timestamp=__import__("time").time() - 600).status == 401


def test_what_staff_report_never_reaches_the_log(
    slack: SlackDriver, fake_slack: LocalSlack, store: ConcernStore, bot: RunningBot
) -> None:
    marker = "Zebedee-Quorn-4471"
    body, _ = report(
        slack,
        fake_slack,
        "USTAFF14",
        description=f"{marker} said something",
        names=f"{marker} name",
        links=f"https://{marker.lower()}.example.com/x",
        safeguarding=True,
    )
    reference = json.dumps(body["view"]).split("*")[1]
    posted_card(fake_slack, reference)
    concern = store.by_reference(reference)
    assert concern is not None
    slack.click("concern_view_details", str(concern.id), "UDSL1", channel="DDSL1")
    fake_slack.wait_for("views.open", lambda p: p["view"]["title"]["text"] == reference)
    log = bot.output()
    assert f"concern {concern.id}" in log  # the log speaks of record ids...
    assert marker not in log and marker.lower() not in log  # ...never of what was reported
