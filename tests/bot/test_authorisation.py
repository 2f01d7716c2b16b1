"""The listeners' half of authorisation, as plain functions: each handler sends the command path the command of the
person who clicked or submitted (their id, the record, the act, the version they saw, the request's key), and turns
every Result into what people see: the change told to those it concerns; a refusal, a missing record or someone
who got there first answered privately to the person alone, with nothing else done; a retry answered with silence.

The command path itself is a fake here (its results are scripted): tests/storage/test_commands.py and
test_command_path.py show that it answers as these tests assume."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, cast

import pytest
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.documents import pack_for
from bot.listeners import contacts, declarations, leadership, review
from bot.listeners import retention as retention_listener
from bot.payload import Malformed
from bot.telling import drawn
from bot.views import action_forms, contact_card, contact_form, details
from bot.views.refusals import not_found, not_yours
from bot.views.retention import ask_text, kept_blocks
from bot.views.review_form import build as build_review_form
from flows.contact_requests import Decision, a_year_on
from flows.permissions import Act, Record, RecordKind
from flows.retention import Held
from storage.commands import Changed, Command, Missing, Overtaken, Refused, Repeated, Result
from storage.models import AuditEntry, PolicyReview, Send
from storage.outbox_messages import Message
from storage.records import DueReview, facts
from tests.bot.calls import chosen, click, form_errors, key, picked, run, submission, told, typed
from tests.bot.fakes import DUE, FakeDeps, Recorder, a_check, a_concern, a_declaration
from tests.conftest import NOW, TODAY

# --- leadership: a concern's buttons and forms -----------------------------------------------------------------------


def test_acknowledging_sends_the_clickers_command_at_the_version_they_saw_and_tells_everyone_once_it_moved() -> None:
    moved = a_concern("acknowledged", 4, "UL1")
    deps = FakeDeps(Changed(moved))
    ack, client = run(leadership.acknowledge, deps, click("7:3"))
    assert deps.sent == [
        ("change", Command(RecordKind.CONCERN, 7, Act.ACKNOWLEDGE, "UL1", NOW, key(), version=3), None)
    ]
    assert form_errors(ack) is None and told(client) == []
    assert deps.drawn(moved) == [("concern_changed", (moved, ""), {})]
    assert deps.logged == ["concern 7 acknowledged"]


def test_a_button_drawn_without_a_version_acts_on_the_first() -> None:
    deps = FakeDeps(Changed(a_concern("acknowledged", 2)))
    run(leadership.acknowledge, deps, click("7"))
    assert deps.only_command.version == 1


def test_an_escalation_is_told_to_whoever_it_went_to() -> None:
    escalated = a_concern("escalated", 4, "UL2")
    deps = FakeDeps(Changed(escalated))
    values = chosen(ids.TARGET, "police") | typed(ids.NOTE, "rang 101")
    ack, _ = run(partial(leadership.submit_form, Act.ESCALATE), deps, submission("7:3", values, user="UL2"))
    assert form_errors(ack) is None
    assert deps.only_command == Command(
        RecordKind.CONCERN, 7, Act.ESCALATE, "UL2", NOW, "view:V9", version=3, detail="police", note="rang 101"
    )
    # bot.telling: the post, the reporter, and whoever it was escalated to (with the note)
    assert deps.drawn(escalated) == [("concern_changed", (escalated, "rang 101"), {})]
    assert deps.logged == ["concern 7 escalated"]  # what happened to which record: never the note


@pytest.mark.parametrize(
    ("result", "sentence", "redrawn", "line"),
    [
        (Refused(a_concern()), not_yours(RecordKind.CONCERN, Act.ACKNOWLEDGE), False, "refused"),
        (Missing(), not_found(RecordKind.CONCERN), False, "missing"),
        (
            Overtaken(a_concern("acknowledged", 4, "UHEAD")),
            "Someone got there first. SMP-2026-0007 is now *acknowledged* by <@UHEAD>.",
            True,
            "overtaken",
        ),
        (
            Overtaken(a_concern("resolved", 5)),
            "Someone got there first. SMP-2026-0007 is now *resolved*.",
            True,
            "overtaken",
        ),
        (  # a double click: the first did it
            Overtaken(a_concern("acknowledged", 4, "UDSL")),
            "You already acknowledged SMP-2026-0007: your earlier click did it, so nothing more was done.",
            True,
            "overtaken",
        ),
    ],
)
def test_a_click_that_changed_nothing_is_answered_to_the_clicker_alone(
    result: Result, sentence: str, redrawn: bool, line: str
) -> None:
    deps = FakeDeps(result)
    ack, client = run(leadership.acknowledge, deps, click("7:3", user="UDSL"))
    assert form_errors(ack) is None and told(client) == [("UDSL", sentence)]
    assert deps.logged == [f"concern 7: acknowledge {line}"]
    assert deps.telling.calls == ([("concern_redrawn", (result.record,), {})] if redrawn else [])  # type: ignore[union-attr]
    assert len(deps.told) == redrawn


def test_a_retried_click_is_answered_with_silence() -> None:
    deps = FakeDeps(Repeated(a_concern("acknowledged", 4, "UL1")))
    ack, client = run(leadership.acknowledge, deps, click("7:3"))
    assert form_errors(ack) is None and client.calls == [] and deps.delivery.calls == [] and deps.logged == []


@pytest.mark.parametrize("act", [Act.ESCALATE, Act.RESOLVE])
def test_a_form_opens_only_for_someone_the_command_path_lets_act_on_the_version_they_saw(act: Act) -> None:
    concern = a_concern("acknowledged", 3)
    deps = FakeDeps(Changed(concern))
    _, client = run(partial(leadership.open_form, act), deps, click("7:3"))
    assert deps.sent == [("look", Command(RecordKind.CONCERN, 7, act, "UL1", NOW, key(), version=3), None)]
    offered = leadership.escalation_choices(deps, concern, "UL1") if act is Act.ESCALATE else None  # type: ignore[arg-type]
    assert offered is None or ("headteacher", "Headteacher") in offered
    view = action_forms.build(act, concern, offered)
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": view})]

    refused = FakeDeps(Refused(concern))
    _, client = run(partial(leadership.open_form, act), refused, click("7:3", user="UDSL"))
    assert told(client) == [("UDSL", not_yours(RecordKind.CONCERN, act))] and not client.named("views_open")

    closed = FakeDeps(Overtaken(a_concern("resolved", 4, "UL2")))
    _, client = run(partial(leadership.open_form, act), closed, click("7:3"))
    assert told(client) == [("UL1", "Someone got there first. SMP-2026-0007 is now *resolved* by <@UL2>.")]
    assert not client.named("views_open") and closed.telling.named("concern_redrawn") and closed.told


def test_a_form_with_no_choice_is_sent_back_and_nothing_is_tried() -> None:
    deps = FakeDeps()
    ack, _ = run(partial(leadership.submit_form, Act.RESOLVE), deps, submission("7:3", typed(ids.NOTE, "x")))
    assert form_errors(ack) == {ids.OUTCOME: "Choose one: outcome."} and deps.sent == []


@pytest.mark.parametrize(
    ("result", "sentence"),
    [
        (Refused(a_concern()), not_yours(RecordKind.CONCERN, Act.ACKNOWLEDGE)),
        (Missing(), not_found(RecordKind.CONCERN)),
        (
            Overtaken(a_concern("resolved", 4, "UL2")),
            "Someone got there first. SMP-2026-0007 is now *resolved* by <@UL2>.",
        ),
    ],
)
def test_a_form_that_changed_nothing_says_why_on_the_form(result: Result, sentence: str) -> None:
    deps = FakeDeps(result)
    values = chosen(ids.OUTCOME, "no_action")
    ack, client = run(partial(leadership.submit_form, Act.RESOLVE), deps, submission("7:3", values, user="UDSL"))
    assert form_errors(ack) == {ids.OUTCOME: sentence + " Close this form."}
    assert deps.only_command == Command(
        RecordKind.CONCERN, 7, Act.RESOLVE, "UDSL", NOW, "view:V9", version=3, detail="no_action"
    )
    assert client.calls == [] and not deps.telling.named("concern_changed")


def test_a_resubmitted_form_closes_quietly() -> None:
    deps = FakeDeps(Repeated(a_concern("resolved", 4, "UL1")))
    ack, client = run(
        partial(leadership.submit_form, Act.RESOLVE), deps, submission("7:3", chosen(ids.OUTCOME, "no_action"))
    )
    assert form_errors(ack) is None and client.calls == [] and deps.delivery.calls == []


def test_the_details_open_for_whoever_may_read_them_and_every_look_is_recorded() -> None:
    concern = a_concern("acknowledged")
    deps = FakeDeps(Changed(concern))
    _, client = run(leadership.view_details, deps, click("7:3", user="UDSL"))
    looked = Command(RecordKind.CONCERN, 7, Act.VIEW_DETAILS, "UDSL", NOW, key("UDSL"))
    assert deps.sent == [("look", looked, None)]
    assert deps.store.calls == [("events", (7,), {})]
    view = details.build(concern, [], deps.settings.platforms)
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": view})]
    assert deps.looked == [(looked, "viewed_details")]  # recorded once the details are open
    assert deps.logged == ["concern 7: details viewed"]


@pytest.mark.parametrize(
    ("result", "sentence", "lines"),
    [
        (Refused(a_concern()), not_yours(RecordKind.CONCERN, Act.VIEW_DETAILS), ["concern 7: details refused"]),
        (Missing(), not_found(RecordKind.CONCERN), ["concern 7: details missing"]),
    ],
)
def test_details_refused_or_missing_are_answered_privately_and_shown_to_nobody(
    result: Result, sentence: str, lines: list[str]
) -> None:
    deps = FakeDeps(result)
    _, client = run(leadership.view_details, deps, click("7", user="USTAFF2"))
    assert told(client) == [("USTAFF2", sentence)] and deps.store.calls == [] and deps.logged == lines


# --- contact requests: asking leadership and deciding ---------------------------------------------------------------


def test_asking_leadership_sends_the_askers_command_posts_it_and_arms_the_nudge() -> None:
    check = a_check("pending")
    deps = FakeDeps(Changed(check))
    _, client = run(contacts.ask_leadership, deps, click("5", user="USTAFF"))
    assert deps.nudger.calls[0] == ("first_due", (NOW,), {"safeguarding": False})
    assert deps.only_command == Command(
        RecordKind.CONTACT_REQUEST, 5, Act.ASK_LEADERSHIP, "USTAFF", NOW, key("USTAFF"), due=DUE
    )
    assert [name for name, *_ in deps.drawn(check)] == ["request_drawing", "posted"]
    assert deps.nudger.calls[1:] == [("arm", (DUE,), {})]
    assert client.calls == [("views_update", (), {"view_id": "VMODAL", "view": contact_form.sent_view()})]
    assert deps.logged == ["contact check 5 sent to leadership"]


def test_a_question_sent_while_its_modal_was_closed_is_sent_all_the_same() -> None:
    class Closed(Recorder):
        def views_update(self, **_: Any) -> None:
            raise SlackApiError("no", cast(Any, {"ok": False, "error": "not_found"}))

    deps = FakeDeps(Changed(a_check("pending")))
    run(contacts.ask_leadership, deps, click("5", user="USTAFF"), Closed())
    assert deps.only_command.tell is not None and deps.nudger.named("arm")
    assert deps.logged == ["contact check 5 sent to leadership", "contact check 5: modal: not done (not_found)"]


@pytest.mark.parametrize(
    ("result", "sentence", "lines"),
    [
        (
            Refused(a_check("none")),
            not_yours(RecordKind.CONTACT_REQUEST, Act.ASK_LEADERSHIP),
            ["contact check 5: ask refused"],
        ),
        (Missing(), not_found(RecordKind.CONTACT_REQUEST), ["contact check 5: ask missing"]),
        (Overtaken(a_check("none"), "Say who it is and ask again."), "Say who it is and ask again.", []),
    ],
)
def test_a_question_that_was_not_sent_says_why_and_the_modal_stays(
    result: Result, sentence: str, lines: list[str]
) -> None:
    deps = FakeDeps(result)
    _, client = run(contacts.ask_leadership, deps, click("5", user="UL2"))
    assert told(client) == [("UL2", sentence)] and not client.named("views_update") and deps.logged == lines
    assert deps.telling.calls == [] and deps.told == [] and deps.nudger.named("arm") == []


@pytest.mark.parametrize("result", [Repeated(a_check()), Overtaken(a_check("pending"), "already pending")])
def test_a_question_already_with_leadership_is_not_sent_again(result: Result) -> None:
    deps = FakeDeps(result)
    _, client = run(contacts.ask_leadership, deps, click("5", user="USTAFF"))
    assert told(client) == [] and client.named("views_update") and deps.telling.calls == [] and deps.told == []


@pytest.mark.parametrize("decision", [Decision.APPROVE, Decision.DECLINE])
def test_one_click_decides_as_the_clicker_and_the_member_of_staff_is_told(decision: Decision) -> None:
    decided = a_check(decision.outcome.value)
    deps = FakeDeps(Changed(decided))
    _, client = run(partial(contacts.one_click, decision), deps, click("5:2", user="UL2"))
    until = a_year_on(TODAY)
    expected = Command(
        RecordKind.CONTACT_REQUEST, 5, Act.DECIDE, "UL2", NOW, key("UL2"), version=2, detail=decision, until=until
    )
    assert deps.only_command == expected
    assert deps.drawn(decided) == [("request_decided", (decided, None, ""), {})]
    assert told(client) == [] and deps.logged == [f"contact check 5 {decision.outcome.value}"]


@pytest.mark.parametrize(
    ("result", "sentence", "redrawn"),
    [
        (Refused(a_check()), not_yours(RecordKind.CONTACT_REQUEST, Act.DECIDE), False),
        (Missing(), not_found(RecordKind.CONTACT_REQUEST), False),
        (Overtaken(a_check("approved")), "Someone got there first: CQ-0005 is already approved.", True),
        (Repeated(a_check("approved")), None, False),
    ],
)
def test_a_decision_that_was_not_made_now_tells_the_clicker_and_nobody_else(
    result: Result, sentence: str | None, redrawn: bool
) -> None:
    deps = FakeDeps(result)
    _, client = run(partial(contacts.one_click, Decision.APPROVE), deps, click("5", user="USTAFF"))
    assert deps.only_command.version == 1
    assert told(client) == ([("USTAFF", sentence)] if sentence else [])
    assert [name for name, *_ in deps.telling.calls] == (["request_drawing", "redrawn"] if redrawn else [])
    assert len(deps.told) == redrawn
    assert deps.logged == (
        [f"contact check 5: decision {type(result).__name__.lower()}"] if isinstance(result, Refused | Missing) else []
    )


def test_the_decision_form_opens_only_for_someone_who_may_decide() -> None:
    check = a_check()
    deps = FakeDeps(Changed(check))
    _, client = run(contacts.open_decision, deps, click("5:2", user="UL2"))
    assert deps.sent == [
        ("look", Command(RecordKind.CONTACT_REQUEST, 5, Act.DECIDE, "UL2", NOW, key("UL2"), version=2), None)
    ]
    form = contact_card.decision_form(check, a_year_on(TODAY))
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": form})]


@pytest.mark.parametrize(
    ("result", "sentence"),
    [
        (Refused(a_check()), not_yours(RecordKind.CONTACT_REQUEST, Act.DECIDE)),
        (Missing(), not_found(RecordKind.CONTACT_REQUEST)),
        (Overtaken(a_check("declined")), "Someone got there first: CQ-0005 is already declined."),
    ],
)
def test_the_decision_form_stays_shut_and_says_why(result: Result, sentence: str) -> None:
    deps = FakeDeps(result)
    _, client = run(contacts.open_decision, deps, click("5:2", user="USTAFF"))
    assert told(client) == [("USTAFF", sentence)] and not client.named("views_open")


def test_a_retried_refusal_to_open_the_decision_form_says_nothing_more() -> None:
    _, client = run(contacts.open_decision, FakeDeps(Repeated(a_check())), click("5:2", user="USTAFF"))
    assert client.calls == []


def test_a_decision_with_a_note_is_made_as_the_submitter_with_their_review_date() -> None:
    decided = a_check("approved")
    deps = FakeDeps(Changed(decided))
    values = chosen(ids.DECISION, "approve") | picked(ids.REVIEW_ON, "2027-06-30") | typed(ids.NOTE, "fine")
    ack, _ = run(contacts.submit_decision, deps, submission("5:2", values, user="UL2"))
    assert form_errors(ack) is None
    assert deps.only_command == Command(
        RecordKind.CONTACT_REQUEST,
        5,
        Act.DECIDE,
        "UL2",
        NOW,
        "view:V9",
        version=2,
        detail=Decision.APPROVE,
        note="fine",
        until=date(2027, 6, 30),
    )
    granted = object()  # the permission the change added: the message names it, with the note
    assert deps.drawn(decided, (granted,)) == [("request_decided", (decided, granted, "fine"), {})]


def test_a_decline_needs_no_review_date() -> None:
    deps = FakeDeps(Changed(a_check("declined")))
    ack, _ = run(contacts.submit_decision, deps, submission("5:2", chosen(ids.DECISION, "decline"), user="UL2"))
    assert form_errors(ack) is None and deps.only_command.until == a_year_on(TODAY)


def test_a_refused_decision_is_said_on_the_form_and_nobody_is_told() -> None:
    deps = FakeDeps(Refused(a_check()))
    ack, _ = run(contacts.submit_decision, deps, submission("5:2", chosen(ids.DECISION, "decline"), user="USTAFF"))
    assert (
        form_errors(ack) == {ids.DECISION: not_yours(RecordKind.CONTACT_REQUEST, Act.DECIDE)}
        and deps.telling.calls == []
    )


def test_a_decision_form_is_checked_before_anything_is_tried() -> None:
    deps = FakeDeps()
    values = chosen(ids.DECISION, "approve") | picked(ids.REVIEW_ON, "2026-11-25")
    ack, _ = run(contacts.submit_decision, deps, submission("5:2", values, user="UL2"))
    assert form_errors(ack) == {ids.REVIEW_ON: "The review date must be in the future."} and deps.sent == []
    assert contacts.decision_errors(None, None, "", TODAY) == {ids.DECISION: "Choose approve or decline."}
    assert contacts.decision_errors(Decision.APPROVE, None, "", TODAY) == {ids.REVIEW_ON: "Choose a review date."}
    assert contacts.decision_errors(Decision.DECLINE, None, "x" * 1000, TODAY) == {}
    assert contacts.decision_errors(Decision.DECLINE, None, " " + "x" * 1001, TODAY) == {
        ids.NOTE: "Please keep the note under 1000 characters."
    }


# --- declarations: acknowledging and re-confirming -------------------------------------------------------------------


def test_a_declaration_is_acknowledged_as_the_clicker_and_its_declarer_is_told() -> None:
    acknowledged = a_declaration("acknowledged")
    deps = FakeDeps(Changed(acknowledged))
    _, client = run(declarations.acknowledge, deps, click("4:2"))
    assert deps.only_command == Command(RecordKind.DECLARATION, 4, Act.ACKNOWLEDGE, "UL1", NOW, key(), version=2)
    assert deps.drawn(acknowledged) == [("declaration_acknowledged", (acknowledged,), {})]
    assert told(client) == [] and deps.logged == ["declaration 4 acknowledged"]


@pytest.mark.parametrize(
    ("result", "sentence"),
    [
        (Refused(a_declaration()), not_yours(RecordKind.DECLARATION, Act.ACKNOWLEDGE)),
        (Missing(), not_found(RecordKind.DECLARATION)),
        (
            Overtaken(a_declaration("acknowledged")),
            "Someone got there first: Declared connection D-0004 is acknowledged.",
        ),
        (Repeated(a_declaration("acknowledged")), None),
    ],
)
def test_an_acknowledgement_not_made_now_tells_the_clicker_alone(result: Result, sentence: str | None) -> None:
    deps = FakeDeps(result)
    _, client = run(declarations.acknowledge, deps, click("4", user="USTAFF"))
    assert deps.only_command.version == 1
    assert told(client) == ([("USTAFF", sentence)] if sentence else []) and deps.telling.calls == []


def test_a_declaration_is_re_confirmed_by_the_clicker_for_a_year() -> None:
    reconfirmed = a_declaration("acknowledged")
    deps = FakeDeps(Changed(reconfirmed))
    _, client = run(declarations.reconfirm, deps, click("4", user="USTAFF"))
    assert deps.only_command == Command(
        RecordKind.DECLARATION, 4, Act.RECONFIRM, "USTAFF", NOW, key("USTAFF"), until=a_year_on(TODAY)
    )
    assert client.calls == []  # their Home follows the change, on the Home thread (HomeRedraws), once
    assert [name for name, *_ in deps.drawn(reconfirmed)] == ["declaration_drawing", "redrawn"]
    assert deps.logged == ["declaration 4 re-confirmed"]


@pytest.mark.parametrize(
    ("result", "sentence"),
    [
        (Refused(a_declaration()), not_yours(RecordKind.DECLARATION, Act.RECONFIRM)),
        (Missing(), not_found(RecordKind.DECLARATION)),
    ],
)
def test_someone_else_cannot_re_confirm_a_declaration(result: Result, sentence: str) -> None:
    deps = FakeDeps(result)
    _, client = run(declarations.reconfirm, deps, click("4", user="UL1"))
    assert told(client) == [("UL1", sentence)] and not client.named("views_publish")
    assert deps.logged == [f"declaration 4: re-confirmation {type(result).__name__.lower()}"]
    assert deps.telling.calls == []


# --- the governors' review -------------------------------------------------------------------------------------------


def test_the_review_form_opens_for_a_governor_with_next_years_date() -> None:
    deps = FakeDeps(Changed(DueReview(date(2027, 3, 1), None)))
    _, client = run(review.open_form, deps, click("2027-03-01", user="UGOV"))
    assert deps.sent == [
        ("look", Command(RecordKind.REVIEW, 20270301, Act.MARK_REVIEW_DONE, "UGOV", NOW, key("UGOV")), None)
    ]
    form = build_review_form(date(2027, 3, 1), a_year_on(TODAY))
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": form})]
    assert form.private_metadata == "2027-03-01"


@pytest.mark.parametrize(
    ("result", "sentence"),
    [
        (Refused(DueReview(date(2027, 3, 1), None)), not_yours(RecordKind.REVIEW, Act.MARK_REVIEW_DONE)),
        (Overtaken(DueReview(date(2027, 3, 1), None)), "The review due 01 March 2027 is already recorded as done."),
    ],
)
def test_the_review_form_stays_shut_for_anyone_else_or_once_it_is_done(result: Result, sentence: str) -> None:
    deps = FakeDeps(result)
    _, client = run(review.open_form, deps, click("2027-03-01", user="UHEAD"))
    assert told(client) == [("UHEAD", sentence)] and not client.named("views_open")


def test_a_review_button_with_no_date_is_not_read() -> None:
    with pytest.raises(Malformed) as raised:
        run(review.open_form, FakeDeps(), click("next spring", user="UGOV"))
    assert raised.value.what == "actions[0].value"


def review_form(user: str, day: str | None = "2028-02-20", review_on: str = "2027-03-01") -> dict[str, Any]:
    return submission(review_on, picked(ids.NEXT_REVIEW_ON, day) if day else {}, user=user, view_id="V5")


def test_a_governor_records_the_review_and_is_told_when_the_next_is_due() -> None:
    done = PolicyReview(
        review_on=date(2027, 3, 1), reviewed_by="UGOV", reviewed_at=NOW, next_review_on=date(2028, 2, 20)
    )
    deps = FakeDeps(Changed(DueReview(date(2027, 3, 1), done)))
    deps.directory.answers["who"] = frozenset({"UGOV", "UGOV2", "UCHAIR"})  # the governing body
    ack, _ = run(review.record, deps, review_form("UGOV"))
    assert form_errors(ack) is None
    assert deps.only_command == Command(
        RecordKind.REVIEW, 20270301, Act.MARK_REVIEW_DONE, "UGOV", NOW, "view:V5", until=date(2028, 2, 20)
    )
    assert deps.nudger.calls == [("arm", (), {})]
    tell = deps.only_command.tell
    assert tell is not None
    # Written with the change: sent once, by the outbox. The chair and the other governors are told who did it.
    message, *others = tell(DueReview(date(2027, 3, 1), done), ())
    assert message.channel == "UGOV" and message.key == "review:20270301:done:UGOV"
    assert "review due 01 March 2027 is done" in message.text and "next is due on 20 February 2028" in message.text
    assert [m.channel for m in others] == ["UCHAIR", "UGOV2"]
    for other in others:
        assert other.text.startswith("<@UGOV> recorded the governors' review") and "20 February 2028" in other.text
    assert deps.client.calls == [] and deps.logged == ["policy review 2027-03-01 recorded; next 2028-02-20"]


def test_the_review_form_is_refused_to_someone_who_is_not_a_governor() -> None:
    deps = FakeDeps(Refused(DueReview(date(2027, 3, 1), None)))
    ack, _ = run(review.record, deps, review_form("UHEAD"))
    assert form_errors(ack) == {ids.NEXT_REVIEW_ON: not_yours(RecordKind.REVIEW, Act.MARK_REVIEW_DONE)}
    assert deps.only_command.actor == "UHEAD" and deps.nudger.calls == [] and deps.client.calls == []


@pytest.mark.parametrize(
    "result", [Overtaken(DueReview(date(2027, 3, 1), None)), Repeated(DueReview(date(2027, 3, 1), None))]
)
def test_a_review_already_recorded_closes_the_form_and_confirms_nothing(result: Result) -> None:
    deps = FakeDeps(result)
    ack, _ = run(review.record, deps, review_form("UCHAIR"))
    assert form_errors(ack) is None and deps.nudger.calls == [] and deps.client.calls == []


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (None, "Choose a review date."),
        ("2027-13-40", "Choose a review date."),
        ("2026-11-25", "The review date must be in the future."),
    ],
)
def test_the_next_review_date_is_checked_before_anything_is_tried(day: str | None, problem: str) -> None:
    deps = FakeDeps()
    ack, _ = run(review.record, deps, review_form("UGOV", day))
    assert form_errors(ack) == {ids.NEXT_REVIEW_ON: problem} and deps.sent == []


def test_a_review_form_whose_due_date_was_tampered_with_is_not_read() -> None:
    with pytest.raises(Malformed) as raised:
        run(review.record, FakeDeps(), review_form("UGOV", review_on="soon"))
    assert raised.value.what == "view.private_metadata"


def test_a_review_that_adopts_a_new_policy_version_says_so_to_every_governor() -> None:
    done = PolicyReview(
        review_on=date(2027, 3, 1), reviewed_by="UGOV", reviewed_at=NOW, next_review_on=date(2028, 2, 20)
    )
    deps = FakeDeps(Changed(DueReview(date(2027, 3, 1), done)))
    deps.directory.answers["who"] = frozenset({"UGOV", "UCHAIR"})
    body = review_form("UGOV")
    body["view"]["state"]["values"] |= typed(ids.POLICY_VERSION, " 2026-12 ")
    ack, _ = run(review.record, deps, body)
    assert form_errors(ack) is None and deps.only_command.detail == "2026-12"
    assert deps.directory.named("who") == [((Record(RecordKind.REVIEW), Act.REMINDED), {})]
    tell = deps.only_command.tell
    assert tell is not None
    mine, chairs = tell(DueReview(date(2027, 3, 1), done), ())
    assert (mine.key, mine.subject, mine.channel) == (
        "review:20270301:done:UGOV",
        (RecordKind.REVIEW, 20270301),
        "UGOV",
    )
    assert mine.text == (
        "Recorded: the policy review due 01 March 2027 is done. Policy version 2026-12 is in force from now. "
        "The next is due on 20 February 2028; reminders will come 30 and 7 days before."
    )
    assert (chairs.key, chairs.subject, chairs.channel) == (
        "review:20270301:done:UCHAIR",
        (RecordKind.REVIEW, 20270301),
        "UCHAIR",
    )
    assert chairs.text == (
        "<@UGOV> recorded the governors' review of the Social Media Policy (due 01 March 2027) as done. "
        "Policy version 2026-12 is in force from now. The next review is due on 20 February 2028."
    )


def test_a_review_without_a_new_version_names_none() -> None:
    deps = FakeDeps(Changed(DueReview(date(2027, 3, 1), None)))
    deps.directory.answers["who"] = frozenset({"UGOV", "UCHAIR"})
    run(review.record, deps, review_form("UGOV"))
    tell = deps.only_command.tell
    assert tell is not None and deps.only_command.detail is None
    mine, chairs = tell(DueReview(date(2027, 3, 1), None), ())
    assert mine.text == (
        "Recorded: the policy review due 01 March 2027 is done. "
        "The next is due on 20 February 2028; reminders will come 30 and 7 days before."
    )
    assert chairs.text == (
        "<@UGOV> recorded the governors' review of the Social Media Policy (due 01 March 2027) as done. "
        "The next review is due on 20 February 2028."
    )


def test_a_policy_version_that_is_not_a_version_name_is_sent_back() -> None:
    deps = FakeDeps()
    body = review_form("UGOV")
    body["view"]["state"]["values"] |= typed(ids.POLICY_VERSION, "the new one!")
    ack, _ = run(review.record, deps, body)
    assert form_errors(ack) == {
        ids.POLICY_VERSION: "A policy version is up to 40 letters, digits, dots, hyphens or underscores, such as "
        "2026-09."
    }
    assert deps.sent == []


def pack_press(deps: FakeDeps, user: str = "UGOV") -> Recorder:
    _, client = run(review.send_pack, deps, click("x", user=user))
    return client


def asking_for_the_pack(result: Result, last: Any = None, review_on: date | None = date(2027, 3, 1)) -> FakeDeps:
    deps = FakeDeps(result)
    deps.reviews.answers["current_review"] = review_on
    deps.outbox = Recorder(latest=last)  # type: ignore[attr-defined]
    return deps


def test_a_governor_who_asks_for_the_pack_gets_it_as_a_file_and_their_home_says_so() -> None:
    deps = asking_for_the_pack(Changed(DueReview(date(2027, 3, 1), None)))
    client = pack_press(deps)
    subject = (RecordKind.REVIEW, 20270301)
    assert deps.sent == [("look", Command(*subject, Act.GET_PACK, "UGOV", NOW, key("UGOV")), "sent_pack")]
    assert deps.outbox.calls == [("latest", ("pack:UGOV:",), {})]  # type: ignore[attr-defined]
    minute = int(NOW.timestamp() // 60)
    assert deps.told == [[pack_for("UGOV", f"pack:UGOV:{minute}", subject, TODAY, 3)]]
    assert deps.redrawn == ["UGOV"] and client.calls == [] and deps.logged == ["governors' pack requested"]


def test_the_pack_is_for_the_review_due_or_today_when_none_is() -> None:
    deps = asking_for_the_pack(Changed(DueReview(TODAY, None)), review_on=None)
    deps.settings = replace(deps.settings, policy_review_date=date(2027, 3, 1))
    pack_press(deps)
    assert deps.reviews.named("current_review") == [((date(2027, 3, 1),), {})]  # as the school set it
    assert deps.only_command.record_id == 20261125 and deps.told[0][0].subject == (RecordKind.REVIEW, 20261125)


def test_presses_within_a_minute_send_one_pack() -> None:
    last = Recorder()
    last.created_at = NOW - timedelta(seconds=59)  # type: ignore[attr-defined]
    deps = asking_for_the_pack(Changed(DueReview(date(2027, 3, 1), None)), last)
    pack_press(deps)
    assert deps.told == [] and deps.redrawn == []
    assert deps.logged == ["governors' pack: asked again within a minute; one file"]
    last.created_at = NOW - timedelta(minutes=1)  # type: ignore[attr-defined]
    deps = asking_for_the_pack(Changed(DueReview(date(2027, 3, 1), None)), last)
    pack_press(deps)
    assert len(deps.told) == 1 and deps.redrawn == ["UGOV"]


def test_the_pack_is_refused_to_someone_who_is_not_a_governor() -> None:
    deps = asking_for_the_pack(Refused(DueReview(date(2027, 3, 1), None)))
    client = pack_press(deps, user="USTAFF")
    assert told(client) == [("USTAFF", not_yours(RecordKind.REVIEW, Act.GET_PACK))]
    assert deps.told == [] and deps.redrawn == [] and deps.outbox.calls == []  # type: ignore[attr-defined]


# --- what each handler passes on, argument by argument -------------------------------------------------------------


def test_asking_leadership_posts_the_question_as_it_stands() -> None:
    check = a_check("pending")
    deps = FakeDeps(Changed(check))
    run(contacts.ask_leadership, deps, click("5", user="USTAFF"))
    assert deps.drawn(check) == [
        ("request_drawing", (check, None), {}),
        ("posted", (RecordKind.CONTACT_REQUEST, 5, None), {}),  # None: the drawing, as the fake telling drew it
    ]


def test_a_decision_overtaken_redraws_the_post_with_the_permission_granted() -> None:
    decided = a_check("approved")
    granted = object()
    for handler, body in (
        (partial(contacts.one_click, Decision.APPROVE), click("5:2", user="UL2")),
        (contacts.submit_decision, submission("5:2", chosen(ids.DECISION, "decline"), user="UL2")),
    ):
        deps = FakeDeps(Overtaken(decided))
        deps.contact_checks.answers["permission_of"] = granted
        run(handler, deps, body)
        assert deps.contact_checks.calls == [("permission_of", (5,), {})]
        assert deps.telling.calls == [
            ("request_drawing", (decided, granted), {}),
            ("redrawn", (RecordKind.CONTACT_REQUEST, 5, None), {}),
        ]
        assert deps.told == [None]  # what the fake telling drew, told


def test_a_leader_whose_own_earlier_click_decided_is_told_so() -> None:
    decided = a_check("approved")
    decided.decided_by = "UL2"
    deps = FakeDeps(Overtaken(decided))
    _, client = run(partial(contacts.one_click, Decision.APPROVE), deps, click("5:2", user="UL2"))
    assert told(client) == [("UL2", "You already approved CQ-0005: your earlier click did it.")]


def test_a_contact_questions_details_open_for_leadership_and_every_look_is_recorded() -> None:
    check = a_check("approved")
    deps = FakeDeps(Changed(check))
    event = AuditEntry(
        subject_kind=RecordKind.CONTACT_REQUEST, subject_id=5, action="approved", actor_id="UL2", at=NOW, note="ok"
    )
    deps.contact_checks.answers["trail"] = [event]
    deps.telling.answers["where"] = "WhatsApp"
    shown: list[tuple[Command, Any]] = []
    deps.shown = lambda command, row, action="viewed_details": shown.append((command, row))  # type: ignore[method-assign]
    _, client = run(contacts.view_details, deps, click("5", user="UL1"))
    looked = Command(RecordKind.CONTACT_REQUEST, 5, Act.VIEW_DETAILS, "UL1", NOW, key("UL1"))
    assert deps.sent == [("look", looked, None)]
    assert deps.contact_checks.calls == [("trail", (5,), {})] and deps.telling.calls == [("where", (check,), {})]
    view = contact_card.details(check, [event], "WhatsApp")
    assert "WhatsApp" in str(view.to_dict()) and "ok" in str(view.to_dict())
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": view})]
    assert shown == [(looked, check)]  # recorded once the details are open


@pytest.mark.parametrize(
    ("result", "sentence"),
    [
        (Refused(a_check()), not_yours(RecordKind.CONTACT_REQUEST, Act.VIEW_DETAILS)),
        (Missing(), not_found(RecordKind.CONTACT_REQUEST)),
    ],
)
def test_a_contact_questions_details_refused_or_missing_are_answered_privately(result: Result, sentence: str) -> None:
    deps = FakeDeps(result)
    _, client = run(contacts.view_details, deps, click("5", user="USTAFF"))
    assert (
        client.calls == [("chat_postEphemeral", (), {"channel": "CLEAD", "user": "USTAFF", "text": sentence})]
        and deps.contact_checks.calls == []
    )
    assert deps.told == []  # shown now: nothing for later


def test_a_leader_whose_own_earlier_click_acknowledged_a_declaration_is_told_so() -> None:
    acknowledged = a_declaration("acknowledged")
    acknowledged.acknowledged_by = "UL1"
    deps = FakeDeps(Overtaken(acknowledged))
    _, client = run(declarations.acknowledge, deps, click("4:2", user="UL1"))
    assert told(client) == [
        ("UL1", "You already acknowledged it: your earlier click did it. Declared connection D-0004 is acknowledged.")
    ]


def test_a_re_confirmed_declarations_post_is_redrawn_with_its_new_date() -> None:
    reconfirmed = a_declaration("acknowledged")
    deps = FakeDeps(Changed(reconfirmed))
    run(declarations.reconfirm, deps, click("4", user="USTAFF"))
    assert deps.drawn(reconfirmed) == [
        ("declaration_drawing", (reconfirmed,), {}),
        ("redrawn", (RecordKind.DECLARATION, 4, None), {}),  # None: the drawing, as the fake telling drew it
    ]


def test_the_escalate_form_offers_what_the_leader_who_opened_it_may_choose() -> None:
    concern = a_concern("acknowledged", 3)
    deps = FakeDeps(Changed(concern))
    _, client = run(partial(leadership.open_form, Act.ESCALATE), deps, click("7:3", user="UDSL"))
    offered = leadership.escalation_choices(deps, concern, "UDSL")  # type: ignore[arg-type]
    assert "safeguarding_lead" not in dict(offered)  # the only lead, escalating: never to herself
    view = action_forms.build(Act.ESCALATE, concern, offered)
    assert client.calls == [("views_open", (), {"trigger_id": "T1", "view": view})]


@pytest.mark.parametrize("action", [Act.ESCALATE, Act.RESOLVE])
def test_a_leader_whose_own_earlier_click_moved_the_concern_is_told_so(action: Act) -> None:
    deps = FakeDeps(Overtaken(a_concern("resolved", 4, "UL1")))
    _, client = run(partial(leadership.open_form, action), deps, click("7:3", user="UL1"))
    sentence = "You already resolved SMP-2026-0007: your earlier click did it, so nothing more was done."
    assert told(client) == [("UL1", sentence)]
    deps = FakeDeps(Overtaken(a_concern("resolved", 4, "UL1")))
    values = chosen(ids.OUTCOME, "no_action")
    ack, _ = run(partial(leadership.submit_form, Act.RESOLVE), deps, submission("7:3", values, user="UL1"))
    assert form_errors(ack) == {ids.OUTCOME: sentence + " Close this form."}


def test_a_form_submitted_again_logs_nothing_more() -> None:
    deps = FakeDeps(Repeated(a_concern("resolved", 4, "UL1")))
    run(partial(leadership.submit_form, Act.RESOLVE), deps, submission("7:3", chosen(ids.OUTCOME, "no_action")))
    assert deps.logged == []
    deps = FakeDeps(Changed(a_concern("resolved", 4, "UL1")))
    run(partial(leadership.submit_form, Act.RESOLVE), deps, submission("7:3", chosen(ids.OUTCOME, "no_action")))
    assert deps.logged == ["concern 7 resolved"]


def test_the_concern_whose_details_were_shown_is_the_one_recorded() -> None:
    concern = a_concern("acknowledged")
    deps = FakeDeps(Changed(concern))
    shown: list[Any] = []
    deps.shown = lambda command, row, action="viewed_details": shown.append(row)  # type: ignore[method-assign]
    run(leadership.view_details, deps, click("7:3", user="UDSL"))
    assert shown == [concern]


# --- retention: a safeguarding lead's decision ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["12", "12:2032-03-01:7", "12:2032-03-01:5:more", "x:2032-03-01", "12:soon"])
def test_a_retention_button_that_is_not_one_policybot_drew_is_not_read(value: str) -> None:
    with pytest.raises(Malformed) as raised:
        run(retention_listener.decide, FakeDeps(), click(value, user="UDSL"))
    assert raised.value.what == "actions[0].value"


def test_a_lead_who_redacts_is_told_and_its_messages_go() -> None:
    for result in (Changed(a_concern("resolved")), Repeated(a_concern("resolved"))):
        deps = FakeDeps(result)
        _, client = run(retention_listener.decide, deps, click("7:2032-03-01", user="UDSL"))
        assert deps.only_command == Command(RecordKind.CONCERN, 7, Act.REDACT, "UDSL", NOW, key("UDSL"))
        assert deps.delivery.calls == [("kick", (), {})]
        assert told(client) == [("UDSL", "Redacted. policybot is deleting its messages about that concern.")]
        assert deps.logged == ["concern 7 redacted under retention, confirmed"]


@pytest.mark.parametrize(
    ("result", "sentence"),
    [
        (Refused(a_concern()), not_yours(RecordKind.CONCERN, Act.REDACT)),
        (Missing(), not_found(RecordKind.CONCERN)),
        (Overtaken(a_concern("resolved")), "Someone has decided already."),
        (Overtaken(a_concern("resolved"), "A lead chose to keep it."), "A lead chose to keep it."),
    ],
)
def test_a_retention_decision_not_made_now_says_why_to_the_lead_alone(result: Result, sentence: str) -> None:
    deps = FakeDeps(result)
    _, client = run(retention_listener.decide, deps, click("7:2032-03-01", user="UDSL"))
    assert told(client) == [("UDSL", sentence)] and deps.delivery.calls == [] and deps.logged == []


@pytest.mark.parametrize(
    ("safeguarding", "involved", "held"),
    [(True, None, Held.SAFEGUARDING), (False, None, Held.CONCERN), (False, "UL2", Held.STAFF_CONCERN)],
)
def test_a_lead_who_keeps_a_concern_longer_redraws_each_leads_ask(
    safeguarding: bool, involved: str | None, held: Held
) -> None:
    kept = a_concern("resolved")
    kept.safeguarding, kept.involved_staff_id = safeguarding, involved
    kept.resolved_at = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 1 July in London
    deps = FakeDeps(Changed(kept))
    deps.directory.answers["who"] = frozenset({"UDSL2", "UDSL"})
    _, client = run(retention_listener.decide, deps, click("7:2032-07-01:5", user="UDSL"))
    command = deps.only_command
    assert (command.act, command.actor, command.request_key, command.until) == (
        Act.KEEP_LONGER,
        "UDSL",
        key("UDSL"),
        date(2037, 7, 1),
    )
    assert client.calls == [] and deps.delivery.calls == [] and deps.logged == []  # kept: nothing to delete
    assert command.tell is not None
    messages = command.tell(kept, ())
    text = ask_text("SMP-2026-0007", held, date(2026, 7, 1), date(2032, 7, 1), deps.settings.retention_years[held])
    asked = "retention:concern:7:2032-07-01"
    assert messages == [
        Message(
            f"{asked}:{lead}:kept",
            (RecordKind.CONCERN, 7),
            lead,
            text,
            drawn(kept_blocks(text, date(2037, 7, 1), "UDSL")),
            Send.UPDATE,
            f"{asked}:{lead}",
        )
        for lead in ("UDSL", "UDSL2")
    ]
    assert deps.directory.named("who")[-1] == ((facts(kept), Act.KEEP_LONGER), {})
