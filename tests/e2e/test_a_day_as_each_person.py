"""A school day, then what each person can read of it: for every record, which notes, which words staff typed, which
buttons, in their direct messages, the leadership channel (if they are in it), its threads, their private replies,
their App Home and whatever View details opens for them. Driven as Slack would, against the shared running bot.

The day: a teacher reports an ordinary concern (a deputy escalates it to the head with a note; the head resolves it
with a note), a concern naming an assistant head (it goes to the head alone, who resolves it with a note), and a
colleague reports a safeguarding concern (the safeguarding lead escalates it to the police with a note); the teacher
asks whether they may follow a parent on LinkedIn (a leader declines with a note); a governor records the review.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from sandbox.slack import LocalSlack
from sandbox.workspace import dm_of
from storage.concerns import ConcernStore
from tests.conftest import CHAIR, CHANNEL, GOVERNOR, HEADTEACHER, LEADERS, PA, SAFEGUARDING_LEAD, RunningBot, wait_until
from tests.slack_driver import SlackDriver, radio, report_values, select, text

TEACHER, COLLEAGUE = "USTAFF80", "USTAFF81"
DEPUTY, ASSISTANT = LEADERS
TAG = uuid.uuid4().hex[:6].upper()
REVIEW_ON = "2026-09-01"  # before any other review the shared bot records: it never becomes the current one
NEXT_REVIEW = (date.today() + timedelta(days=400)).isoformat()


def marker(name: str) -> str:
    return f"{name}-{TAG}"


@dataclass
class Day:
    ordinary: tuple[str, int]  # (reference, id)
    naming_a_leader: tuple[str, int]
    safeguarding: tuple[str, int]
    question: str  # CQ-0007
    question_id: int

    @property
    def concerns(self) -> list[tuple[str, int]]:
        return [self.ordinary, self.naming_a_leader, self.safeguarding]


def report(slack: SlackDriver, store: ConcernStore, user: str, **values: Any) -> tuple[str, int]:
    view_id = f"VDAY{user}{time.time_ns()}"
    reply = slack.submit("report_concern", report_values(**values), user, view_id=view_id)
    assert reply.status == 200 and reply.json()["response_action"] == "update", reply.body
    concern = store.by_submission_key(view_id)
    assert concern is not None and concern.id is not None
    return concern.reference, concern.id


def act(
    slack: SlackDriver, fake: LocalSlack, action: str, concern_id: int, version: int, user: str, **form: str
) -> None:
    """A leader's Escalate or Resolve: the button, then the form it opened, as Slack sends them."""
    mark = fake.mark()
    slack.click(f"concern_{action}", f"{concern_id}:{version}", user)
    opened = fake.wait_for(
        "views.open", lambda p: p["view"].get("private_metadata") == f"{concern_id}:{version}", after=mark
    )
    choice = "target" if action == "escalate" else "outcome"
    values = {**radio(choice, form["choice"]), **text("note", form["note"])}
    reply = slack.submit(
        f"{action}_concern", values, user, private_metadata=opened[-1].params["view"]["private_metadata"]
    )
    assert reply.status == 200 and reply.body == "", reply.body


@pytest.fixture(scope="module")
def day(bot: RunningBot, slack: SlackDriver, fake_slack: LocalSlack, store: ConcernStore) -> Day:
    fake = fake_slack
    ordinary = report(
        slack, store, TEACHER, description=marker("DESC-ORDINARY"), names=marker("NAMES-ORDINARY"), roles=("pupil",)
    )
    naming = report(
        slack, store, TEACHER, description=marker("DESC-NAMING"), involved=ASSISTANT, roles=("staff",), kind="values"
    )
    safeguarding = report(slack, store, COLLEAGUE, description=marker("DESC-SAFEGUARDING"), safeguarding=True)
    for reference, channel in ((ordinary[0], CHANNEL), (naming[0], HEADTEACHER), (safeguarding[0], CHANNEL)):
        fake.wait_for("chat.postMessage", lambda p, r=reference, c=channel: p["channel"] == c and r in p["text"])

    act(slack, fake, "escalate", ordinary[1], 1, DEPUTY, choice="headteacher", note=marker("NOTE-ESCALATE"))
    act(slack, fake, "resolve", ordinary[1], 2, HEADTEACHER, choice="advice_given", note=marker("NOTE-RESOLVE"))
    act(slack, fake, "resolve", naming[1], 1, HEADTEACHER, choice="no_action", note=marker("NOTE-NAMING"))
    act(slack, fake, "escalate", safeguarding[1], 1, SAFEGUARDING_LEAD, choice="police", note=marker("NOTE-POLICE"))

    asked = {
        **radio("person", "PUPIL_FAMILY"),
        **radio("channel", "SOCIAL_NETWORK"),
        **radio("under_18", "no"),
        **radio("family_or_close_family_friend", "no"),
        **radio("existing_personal_friend", "no"),
        **text("described", marker("PARENT")),
        **select("platform", "linkedin"),
    }
    view_id = f"VDAYCHECK{time.time_ns()}"
    answer = slack.submit("check_contact", asked, TEACHER, view_id=view_id).json()
    question = json.loads(json.dumps(answer))["view"]["blocks"]
    check_id = next(
        int(e["value"])
        for b in question
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("value", "").isdigit()
    )
    slack.click_in_view("contact_ask_leadership", str(check_id), TEACHER, view_id)
    fake.wait_for("chat.postMessage", lambda p: p["channel"] == CHANNEL and f"CQ-{check_id:04d}" in p["text"])
    slack.click("contact_decide_with_note", f"{check_id}:2", ASSISTANT)
    fake.wait_for("views.open", lambda p: p["view"].get("private_metadata") == f"{check_id}:2")
    decided = {**radio("decision", "decline"), **text("note", marker("NOTE-DECLINE"))}
    assert slack.submit("decide_contact", decided, ASSISTANT, private_metadata=f"{check_id}:2").status == 200

    slack.click("policy_review_done", REVIEW_ON, GOVERNOR, channel=dm_of(GOVERNOR))
    fake.wait_for("views.open", lambda p: p["view"].get("private_metadata") == REVIEW_ON)
    picked = {"next_review_on": {"next_review_on_input": {"type": "datepicker", "selected_date": NEXT_REVIEW}}}
    reply = slack.submit("policy_review", picked, GOVERNOR, private_metadata=REVIEW_ON)
    assert reply.status == 200 and reply.body == "", reply.body

    fake.wait_for("chat.postMessage", lambda p: p["channel"] == TEACHER and f"CQ-{check_id:04d}" in p["text"])
    fake.wait_for("chat.postMessage", lambda p: p["channel"] == CHAIR and "recorded the governors' review" in p["text"])
    fake.wait_for("chat.postMessage", lambda p: p["channel"] == COLLEAGUE and "escalated" in p["text"])
    bot.one_delivery_pass()
    return Day(ordinary, naming, safeguarding, f"CQ-{check_id:04d}", check_id)


@dataclass
class Seen:
    """Everything one person can read, and whether View details opened for them, record by record."""

    words: str  # messages, threads, private replies and their App Home, as one text
    details: dict[str, str | None]  # reference -> what View details showed them (None: refused)


def everything_seen_by(person: str, day: Day, slack: SlackDriver, fake: LocalSlack) -> Seen:
    places = [person] + ([CHANNEL] if person in fake.members.get(CHANNEL, []) else [])
    parts: list[str] = []
    for place in places:
        for message in fake.visible(place):
            parts.append(message.text + json.dumps(message.blocks))
            parts += [reply.text + json.dumps(reply.blocks) for reply in fake.visible(place, message.ts)]
    parts += [str(c.params.get("text")) for c in fake.of("chat.postEphemeral") if c.params.get("user") == person]
    mark = fake.mark()
    slack.event({"type": "app_home_opened", "user": person, "tab": "home", "event_ts": f"{time.time():.6f}"})
    home = fake.wait_for("views.publish", lambda p: p["user_id"] == person, after=mark)[-1]
    parts.append(json.dumps(home.params["view"]))
    details: dict[str, str | None] = {}
    records = [("concern", reference, concern_id) for reference, concern_id in day.concerns]
    for kind, reference, record_id in [*records, ("contact", day.question, day.question_id)]:
        mark = fake.mark()
        slack.click(f"{kind}_view_details", str(record_id), person)

        def answered(since: int = mark, ref: str = reference) -> bool:
            opened = [c for c in fake.of("views.open", since) if c.params["view"]["title"]["text"] == ref]
            refused = [c for c in fake.of("chat.postEphemeral", since) if c.params.get("user") == person]
            return bool(opened or refused)

        wait_until(f"View details of {reference} answered", answered)
        opened = [c for c in fake.of("views.open", mark) if c.params["view"]["title"]["text"] == reference]
        details[reference] = json.dumps(opened[-1].params["view"]) if opened else None
    return Seen("\n".join(parts), details)


ALL_TYPED = ("DESC-ORDINARY", "NAMES-ORDINARY", "DESC-NAMING", "DESC-SAFEGUARDING")
ALL_NOTES = ("NOTE-ESCALATE", "NOTE-RESOLVE", "NOTE-NAMING", "NOTE-POLICE", "NOTE-DECLINE")


def shown(text: str, *names: str) -> set[str]:
    return {name for name in names if marker(name) in text}


def test_a_day_as_the_headteacher(day: Day, slack: SlackDriver, fake_slack: LocalSlack) -> None:
    seen = everything_seen_by(HEADTEACHER, day, slack, fake_slack)
    ordinary, naming, safeguarding = (day.ordinary[0], day.naming_a_leader[0], day.safeguarding[0])
    # Why things came to her: the deputy's note in her DM; the concern naming a leader, with why it is hers.
    assert shown(seen.words, *ALL_NOTES) == {"NOTE-ESCALATE"}  # in the escalation DM; the rest only in details
    assert "because it names a member of staff" in seen.words
    assert all(seen.details[r] is not None for r in (ordinary, naming, safeguarding))
    assert shown(seen.details[ordinary] or "", *ALL_NOTES) == {"NOTE-ESCALATE", "NOTE-RESOLVE"}
    assert shown(seen.details[naming] or "", *ALL_NOTES, *ALL_TYPED) == {"NOTE-NAMING", "DESC-NAMING"}
    assert shown(seen.details[safeguarding] or "", *ALL_NOTES) == {"NOTE-POLICE"}
    assert f"<@{ASSISTANT}>" in seen.words  # her patterns: concerns naming staff, by person
    assert not shown(seen.words, *ALL_TYPED)  # what staff typed only ever in View details


def test_a_day_as_the_deputy_head(day: Day, slack: SlackDriver, fake_slack: LocalSlack) -> None:
    seen = everything_seen_by(DEPUTY, day, slack, fake_slack)
    ordinary, naming, safeguarding = (day.ordinary[0], day.naming_a_leader[0], day.safeguarding[0])
    assert ordinary in seen.words and safeguarding in seen.words  # the channel's posts
    assert shown(seen.details[ordinary] or "", *ALL_NOTES, *ALL_TYPED) == {
        "NOTE-ESCALATE", "NOTE-RESOLVE", "DESC-ORDINARY", "NAMES-ORDINARY"
    }  # fmt: skip
    assert seen.details[naming] is None and naming not in seen.words  # placed with the head alone
    assert seen.details[safeguarding] is None  # the safeguarding team's only
    # The contact question another leader declined: its note, under who wrote it, in View details.
    assert shown(seen.details[day.question] or "", "NOTE-DECLINE") == {"NOTE-DECLINE"}
    assert f"<@{ASSISTANT}> declined it" in (seen.details[day.question] or "")
    assert not shown(seen.words, *ALL_TYPED, *ALL_NOTES)  # the channel never shows a note or what was typed


def test_a_day_as_the_assistant_head_the_concern_names(day: Day, slack: SlackDriver, fake_slack: LocalSlack) -> None:
    seen = everything_seen_by(ASSISTANT, day, slack, fake_slack)
    naming = day.naming_a_leader[0]
    assert naming not in seen.words and seen.details[naming] is None  # nobody is shown a concern about themselves
    assert not shown(seen.words, "DESC-NAMING", "NOTE-NAMING")
    assert seen.details[day.ordinary[0]] is not None  # a leader: the ordinary concern is theirs to read


def test_a_day_as_the_safeguarding_lead(day: Day, slack: SlackDriver, fake_slack: LocalSlack) -> None:
    seen = everything_seen_by(SAFEGUARDING_LEAD, day, slack, fake_slack)
    ordinary, naming, safeguarding = (day.ordinary[0], day.naming_a_leader[0], day.safeguarding[0])
    assert "speak to the reporter now" in seen.words and safeguarding in seen.words  # the alert
    assert shown(seen.details[safeguarding] or "", *ALL_NOTES, "DESC-SAFEGUARDING") == {
        "NOTE-POLICE", "DESC-SAFEGUARDING"
    }  # fmt: skip
    assert seen.details[ordinary] is not None  # a lead may read any concern in the channel
    assert seen.details[naming] is None and naming not in seen.words
    assert not shown(seen.words, *ALL_TYPED, *ALL_NOTES)


def test_a_day_as_the_teacher_who_reported(day: Day, slack: SlackDriver, fake_slack: LocalSlack) -> None:
    seen = everything_seen_by(TEACHER, day, slack, fake_slack)
    ordinary, naming = day.ordinary[0], day.naming_a_leader[0]
    assert "has gone to the leadership team" in seen.words and "has gone to the headteacher" in seen.words
    assert f"{ordinary} has been resolved by the leadership team" in seen.words
    assert f"{naming} has been resolved by the headteacher" in seen.words
    assert f"<@{ASSISTANT}>" not in seen.words  # the receipt says who has it by role, never whom it names
    assert all(details is None for details in seen.details.values())  # View details is leadership's (and own asks)
    assert shown(seen.words, *ALL_NOTES) == {"NOTE-DECLINE"}  # a contact decision's note is written to the asker
    assert "follow on LinkedIn" in seen.words and day.question in seen.words


def test_a_day_as_the_colleague_who_reported_safeguarding(day: Day, slack: SlackDriver, fake_slack: LocalSlack) -> None:
    seen = everything_seen_by(COLLEAGUE, day, slack, fake_slack)
    assert "has gone at once to the designated safeguarding lead" in seen.words
    assert "has been escalated by those who handle safeguarding" in seen.words
    assert "do not view them again" in seen.words and "CEOP" not in seen.words  # the rule for illegal images
    assert not shown(seen.words, *ALL_NOTES) and all(d is None for d in seen.details.values())


def test_a_day_as_the_business_manager_in_the_channel(day: Day, slack: SlackDriver, fake_slack: LocalSlack) -> None:
    seen = everything_seen_by(PA, day, slack, fake_slack)
    assert day.question in seen.words  # the question's post, with no note
    assert day.ordinary[0] in seen.words and day.safeguarding[0] in seen.words  # the channel's posts, nothing more
    assert all(d is None for d in seen.details.values())
    assert not shown(seen.words, *ALL_TYPED, *ALL_NOTES)


@pytest.mark.parametrize("person", [CHAIR, GOVERNOR])
def test_a_day_as_a_governor(person: str, day: Day, slack: SlackDriver, fake_slack: LocalSlack) -> None:
    seen = everything_seen_by(person, day, slack, fake_slack)
    assert all(d is None for d in seen.details.values())
    assert not shown(seen.words, *ALL_TYPED, *ALL_NOTES) and day.ordinary[0] not in seen.words
    assert "Send me the governors' pack" in seen.words  # their Home
    if person == CHAIR:  # told who recorded the review, and the next date
        next_on = f"{date.fromisoformat(NEXT_REVIEW):%d %B %Y}"
        assert f"<@{GOVERNOR}> recorded the governors' review" in seen.words and next_on in seen.words
