"""The command path, result by result: what each step stores and writes in the audit trail (refusals included),
the record every Result carries, a retry recognised on every route (a click Slack sends twice, a look recorded
twice, two deliveries racing), a compare-and-set that touches only its own record and loses to a writer that got
there first, and look() saying whether a form may open. One database for the module: each test makes its own
records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session

from flows.contact import assess
from flows.contact_requests import UNNAMED, Decision, Relationship
from flows.permissions import Act, People, RecordKind
from storage import audit, commands
from storage.commands import Changed, Command, Missing, Overtaken, Refused, Repeated, change, look
from storage.contact_checks import ContactCheckStore
from storage.db import reading
from storage.declarations import DeclarationStore
from storage.models import AuditEntry, Concern, ContactCheck, Declaration
from storage.outbox import OutboxStore
from storage.outbox_messages import Message
from storage.records import DueReview
from storage.steps import Step
from tests.conftest import NOW, PEOPLE
from tests.storage.helpers import QUESTION, a_concern, command, key, stored

LATER = NOW + timedelta(hours=2)
_days = iter(range(10**5))


def a_request(engine: Engine, described: str = "Ms Parent", asked: bool = True) -> int:
    check = ContactCheckStore(engine).record_check("UL1", QUESTION, described, assess(QUESTION), key(), NOW)
    if asked:
        assert isinstance(
            change(
                engine, PEOPLE, command(RecordKind.CONTACT_REQUEST, check.id or 0, Act.ASK_LEADERSHIP, "UL1", due=LATER)
            ),
            Changed,
        )
    return check.id or 0


def a_declaration(engine: Engine) -> int:
    row, _ = DeclarationStore(engine).declare(
        "USTAFF", "PUPIL", Relationship.FAMILY, "My niece", key(), NOW, date(2027, 11, 25)
    )
    return row.id or 0


def a_review() -> int:
    """A policy review due on a date no other test uses."""
    return audit.review_subject_id(date(2030, 1, 1) + timedelta(days=next(_days)))


def entries(engine: Engine, kind: RecordKind, record_id: int) -> list[AuditEntry]:
    return audit.trail(engine, kind, record_id)


def row_of(result: object, model: type = Concern) -> Any:
    """The record a result carries, which must be a row of `model` (a concern unless said)."""
    record = getattr(result, "record", None)
    assert isinstance(record, model), record
    return record


# --- what each step stores and audits ---------------------------------------------------------------------------------


def test_a_concern_records_who_acknowledged_it_first_where_it_went_and_how_it_ended(engine: Engine) -> None:
    cid = a_concern(engine)
    escalate = command(RecordKind.CONCERN, cid, Act.ESCALATE, "UL1", version=1, detail="police", note="  rang 101  ")
    escalated = change(engine, PEOPLE, escalate)
    assert isinstance(escalated, Changed) and row_of(escalated).escalated_to == "police"
    resolve = command(RecordKind.CONCERN, cid, Act.RESOLVE, "UL2", LATER, version=2, detail="advice_given")
    assert isinstance(change(engine, PEOPLE, resolve), Changed)
    row = stored(engine, Concern, cid)
    # Escalating a new concern is picking it up: whoever did is its acknowledger, and stays so.
    assert (row.acknowledged_by, row.acknowledged_at) == ("UL1", NOW)
    assert (row.status, row.escalated_to, row.outcome, row.last_actor_id) == (
        "resolved",
        "police",
        "advice_given",
        "UL2",
    )
    assert row.resolved_at == LATER and row.next_nudge_at is None and row.version == 3
    assert [
        (e.actor_id, e.action, e.from_state, e.to_state, e.detail, e.note)
        for e in entries(engine, RecordKind.CONCERN, cid)
    ] == [
        ("USTAFF", "reported", None, "new", None, ""),
        ("UL1", "escalated", "new", "escalated", "police", "rang 101"),
        ("UL2", "resolved", "escalated", "resolved", "advice_given", ""),
    ]


def test_acknowledging_a_concern_records_who_and_when_and_a_resolution_leaves_the_escalation_alone(
    engine: Engine,
) -> None:
    cid = a_concern(engine)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, "UL2", version=1)), Changed
    )
    row = stored(engine, Concern, cid)
    assert (row.acknowledged_by, row.acknowledged_at, row.escalated_to) == ("UL2", NOW, None)
    resolve = command(RecordKind.CONCERN, cid, Act.RESOLVE, "UL1", LATER, version=2, detail="no_action")
    assert isinstance(change(engine, PEOPLE, resolve), Changed)
    row = stored(engine, Concern, cid)
    assert (row.acknowledged_by, row.escalated_to, row.outcome) == ("UL2", None, "no_action")


def test_the_lado_is_a_target_only_for_a_concern_that_names_a_member_of_staff(engine: Engine) -> None:
    unnamed = a_concern(engine)
    to_lado = command(RecordKind.CONCERN, unnamed, Act.ESCALATE, "UL1", version=1, detail="lado")
    refused = change(engine, PEOPLE, to_lado)
    assert isinstance(refused, Overtaken) and "names none" in (refused.reason or "")
    assert stored(engine, Concern, unnamed).status == "new"  # nothing stored, nothing told
    named = a_concern(engine, involved="USTAFF2")
    escalated = change(
        engine, PEOPLE, command(RecordKind.CONCERN, named, Act.ESCALATE, "UL1", version=1, detail="lado")
    )
    assert isinstance(escalated, Changed)
    assert (stored(engine, Concern, named).status, stored(engine, Concern, named).escalated_to) == ("escalated", "lado")
    made_up = command(RecordKind.CONCERN, named, Act.ESCALATE, "UL1", version=2, detail="the press")
    assert isinstance(change(engine, PEOPLE, made_up), Overtaken)


def test_asking_leadership_arms_the_first_nudge_and_a_decision_is_told_once_with_its_permission(engine: Engine) -> None:
    cid = a_request(engine, described="Ms Parent")
    asked = stored(engine, ContactCheck, cid)
    assert asked.request_status == "pending" and asked.next_nudge_at == LATER
    assert asked.requested_at == NOW
    approve = command(
        RecordKind.CONTACT_REQUEST,
        cid,
        Act.DECIDE,
        "UHEAD",
        version=2,
        detail=Decision.APPROVE,
        until=date(2027, 11, 25),
    )

    def told(row: ContactCheck, added: tuple[Any, ...]) -> list[Message]:  # drawn inside the change's transaction
        text = f"{row.request_status} until {added[0].review_on}"
        return [Message(f"check:{cid}:decision", (RecordKind.CONTACT_REQUEST, cid), row.asked_by, text)]

    approve = replace(approve, tell=told)
    approved = change(engine, PEOPLE, approve)
    assert isinstance(approved, Changed)
    [permission] = approved.added
    assert (permission.person_described, permission.check_id, permission.granted_by) == ("Ms Parent", cid, "UHEAD")
    row = stored(engine, ContactCheck, cid)
    assert row.next_nudge_at is None and row.decided_by == "UHEAD"
    outbox = OutboxStore(engine)
    assert isinstance(change(engine, PEOPLE, approve), Repeated)  # a retried click adds nothing
    [claimed] = outbox.claim_due(NOW, replies=False, limit=10)  # the member of staff is told once
    assert claimed.row.key == f"check:{cid}:decision" and claimed.row.text == "approved until 2027-11-25"
    assert [(e.action, e.from_state, e.to_state) for e in entries(engine, RecordKind.CONTACT_REQUEST, cid)][1:] == [
        ("asked_leadership", "none", "pending"),
        ("approved", "pending", "approved"),
    ]


def test_a_declaration_is_acknowledged_and_re_confirmed_with_its_states_in_the_trail(engine: Engine) -> None:
    did = a_declaration(engine)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.ACKNOWLEDGE, "UL1", version=1)), Changed
    )
    row = stored(engine, Declaration, did)
    assert (row.status, row.acknowledged_by, row.version) == ("acknowledged", "UL1", 2)
    again = command(RecordKind.DECLARATION, did, Act.RECONFIRM, "USTAFF", until=date(2028, 1, 10))
    assert isinstance(change(engine, PEOPLE, again), Changed)
    assert [(e.action, e.from_state, e.to_state) for e in entries(engine, RecordKind.DECLARATION, did)][1:] == [
        ("acknowledged", "declared", "acknowledged"),
        ("reconfirmed", "acknowledged", "acknowledged"),
    ]


def test_the_review_is_audited_from_due_to_done_with_the_next_date_and_refusals_say_where_it_stood(
    engine: Engine,
) -> None:
    review = a_review()
    nxt = date(2031, 3, 1)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UL1", until=nxt)), Refused
    )
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UGOV", until=nxt)), Changed
    )
    late = change(engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UCHAIR", until=nxt))
    assert isinstance(late, Overtaken) and late.reason == "This review is already recorded as done."
    assert isinstance(late.record, DueReview) and late.record.done is not None
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UHEAD", until=nxt)), Refused
    )
    assert [
        (e.actor_id, e.action, e.from_state, e.to_state, e.detail) for e in entries(engine, RecordKind.REVIEW, review)
    ] == [
        ("UL1", "refused_mark_review_done", "due", "due", None),
        ("UGOV", "reviewed", "due", "done", "next review 2031-03-01"),
        ("UHEAD", "refused_mark_review_done", "done", "done", None),
    ]


def test_a_refusal_is_audited_at_the_state_the_record_was_in_with_the_request_key(engine: Engine) -> None:
    cid = a_concern(engine)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, "UL1", version=1)), Changed
    )
    attempt = command(RecordKind.CONCERN, cid, Act.RESOLVE, "UDSL", version=2, detail="no_action")
    refused = change(engine, PEOPLE, attempt)
    assert isinstance(refused, Refused) and isinstance(refused.record, Concern) and refused.record.id == cid
    [entry] = [e for e in entries(engine, RecordKind.CONCERN, cid) if e.action == "refused_resolve"]
    assert (entry.actor_id, entry.from_state, entry.to_state) == ("UDSL", "acknowledged", "acknowledged")
    assert entry.request_key == attempt.request_key
    # Slack's retry of the refused click is recognised by that key: one refusal in the trail, nothing changed.
    retried = change(engine, PEOPLE, attempt)
    assert isinstance(retried, Repeated) and isinstance(retried.record, Concern) and retried.record.id == cid
    assert [e.action for e in entries(engine, RecordKind.CONCERN, cid)].count("refused_resolve") == 1


# --- the record every result carries, and retries -------------------------------------------------------------------


def test_every_outcome_carries_the_record_as_it_stands(engine: Engine) -> None:
    cid = a_concern(engine)
    ack = command(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, "UL1", version=1)
    assert isinstance(change(engine, PEOPLE, ack), Changed)
    repeated = change(engine, PEOPLE, ack)
    assert isinstance(repeated, Repeated) and row_of(repeated).id == cid and row_of(repeated).version == 2
    stale = change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ESCALATE, "UL2", version=1, detail="police"))
    assert (
        isinstance(stale, Overtaken) and row_of(stale).status == "acknowledged" and row_of(stale).last_actor_id == "UL1"
    )
    resolve = command(RecordKind.CONCERN, cid, Act.RESOLVE, "UL2", version=2, detail="no_action")
    assert isinstance(change(engine, PEOPLE, resolve), Changed)
    # A retry of a click whose record has moved on since (and would not allow it now) is still a retry.
    assert isinstance(change(engine, PEOPLE, ack), Repeated)
    refused_state = change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, "UL1"))
    assert isinstance(refused_state, Overtaken) and row_of(refused_state).status == "resolved"
    assert "already resolved" in refused_state.reason
    retry_of_resolve = change(
        engine,
        PEOPLE,
        command(RecordKind.CONCERN, cid, Act.RESOLVE, "UL2", detail="no_action", request_key=resolve.request_key),
    )
    assert isinstance(retry_of_resolve, Repeated) and row_of(retry_of_resolve).status == "resolved"


def test_a_re_confirmation_sent_twice_is_recorded_once(engine: Engine) -> None:
    """A re-confirmation carries no version: Slack's retry would re-confirm again, and is recognised by its key."""
    did = a_declaration(engine)
    reconfirm = command(RecordKind.DECLARATION, did, Act.RECONFIRM, "USTAFF", until=date(2028, 1, 10))
    assert isinstance(change(engine, PEOPLE, reconfirm), Changed)
    again = change(engine, PEOPLE, reconfirm)
    assert isinstance(again, Repeated) and isinstance(again.record, Declaration) and again.record.id == did
    assert [e.action for e in entries(engine, RecordKind.DECLARATION, did)] == ["declared", "reconfirmed"]
    assert stored(engine, Declaration, did).version == 2


def test_a_change_touches_only_its_own_record(engine: Engine) -> None:
    one, other = a_concern(engine), a_concern(engine)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.CONCERN, one, Act.ACKNOWLEDGE, "UL1", version=1)), Changed
    )
    untouched = stored(engine, Concern, other)
    assert (untouched.status, untouched.version, untouched.acknowledged_by) == ("new", 1, None)


@pytest.mark.parametrize("winner_used_the_same_key", [False, True])
def test_a_writer_that_got_there_between_the_read_and_the_write_wins(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, winner_used_the_same_key: bool
) -> None:
    """On PostgreSQL two transactions can read the same version; the compare-and-set lets one through. Here the
    other writer's change lands inside the transaction, after the read: the loser changes nothing and writes no
    entry; it is a retry if the winner was the same request."""
    cid = a_concern(engine)
    attempt = command(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, "UL2", version=1)
    real_step = commands.step

    def the_other_writer_first(row: Any, cmd: Command, people: People) -> Step:
        session = Session.object_session(row)
        assert session is not None
        table = Concern.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table).where(table.c.id == cid).values(version=2, status="acknowledged", last_actor_id="UL1")
        )
        if winner_used_the_same_key:
            session.add(audit.entry(RecordKind.CONCERN, cid, "UL2", "acknowledged", NOW, request_key=cmd.request_key))
        return real_step(row, cmd, people)

    monkeypatch.setattr(commands, "step", the_other_writer_first)
    result = change(engine, PEOPLE, attempt)
    assert isinstance(result, Repeated if winner_used_the_same_key else Overtaken)
    assert isinstance(result.record, Concern) and result.record.id == cid
    row = stored(engine, Concern, cid)
    assert (row.version, row.last_actor_id, row.acknowledged_by) == (2, "UL1", None)  # the loser wrote nothing
    assert [e.action for e in entries(engine, RecordKind.CONCERN, cid)].count("acknowledged") == int(
        winner_used_the_same_key
    )


# --- look(): may a form open, may the details be read --------------------------------------------------------------


def test_a_form_opens_only_on_the_version_seen_and_in_a_state_that_allows_its_change(engine: Engine) -> None:
    cid = a_concern(engine)
    opened = look(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ESCALATE, "UL1", version=1))
    assert isinstance(opened, Changed) and row_of(opened).id == cid
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.RESOLVE, "UL1", version=1, detail="no_action")),
        Changed,
    )
    stale = look(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ESCALATE, "UL2", version=1))
    assert isinstance(stale, Overtaken) and row_of(stale).status == "resolved"
    # A form drawn before a change that still allows its own is stale all the same: the person saw an older state.
    other = a_concern(engine)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.CONCERN, other, Act.ACKNOWLEDGE, "UL1", version=1)), Changed
    )
    older = look(engine, PEOPLE, command(RecordKind.CONCERN, other, Act.RESOLVE, "UL2", version=1))
    assert isinstance(older, Overtaken) and older.reason == "" and row_of(older).version == 2
    assert isinstance(look(engine, PEOPLE, command(RecordKind.CONCERN, other, Act.RESOLVE, "UL2", version=2)), Changed)
    closed = look(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ESCALATE, "UL2", version=2))
    assert isinstance(closed, Overtaken) and row_of(closed).status == "resolved" and "already resolved" in closed.reason
    assert isinstance(look(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ESCALATE, "UL2")), Overtaken)
    # Reading changes nothing: a closed concern's details stay open to those who handled it.
    details = look(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.VIEW_DETAILS, "UL2"))
    assert isinstance(details, Changed) and row_of(details).status == "resolved"
    # Only what the person asked for is recorded: opening a form is not.
    assert [e.action for e in entries(engine, RecordKind.CONCERN, cid)] == ["reported", "resolved"]


def test_a_look_is_refused_with_the_record_and_a_recorded_look_is_recorded_once(engine: Engine) -> None:
    cid = a_concern(engine, safeguarding=True)
    refused = look(
        engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.VIEW_DETAILS, "UL1"), audited_as="viewed_details"
    )
    assert isinstance(refused, Refused) and row_of(refused).id == cid
    view = command(RecordKind.CONCERN, cid, Act.VIEW_DETAILS, "UDSL")
    assert isinstance(look(engine, PEOPLE, view, audited_as="viewed_details"), Changed)
    again = look(engine, PEOPLE, view, audited_as="viewed_details")  # Slack's retry of the click
    assert isinstance(again, Repeated) and row_of(again).id == cid
    trail = [(e.actor_id, e.action, e.from_state) for e in entries(engine, RecordKind.CONCERN, cid)]
    assert trail == [
        ("USTAFF", "reported", None),
        ("UL1", "refused_view_details", "new"),
        ("UDSL", "viewed_details", "new"),
    ]


def test_the_decision_form_opens_only_while_the_request_waits(engine: Engine) -> None:
    cid = a_request(engine)
    assert isinstance(
        look(engine, PEOPLE, command(RecordKind.CONTACT_REQUEST, cid, Act.DECIDE, "UL2", version=2)), Changed
    )
    assert isinstance(
        look(engine, PEOPLE, command(RecordKind.CONTACT_REQUEST, cid, Act.DECIDE, "UL1", version=2)), Refused
    )
    decline = command(RecordKind.CONTACT_REQUEST, cid, Act.DECIDE, "UL2", version=2, detail=Decision.DECLINE)
    assert isinstance(change(engine, PEOPLE, decline), Changed)
    late = look(engine, PEOPLE, command(RecordKind.CONTACT_REQUEST, cid, Act.DECIDE, "UHEAD"))
    assert (
        isinstance(late, Overtaken)
        and row_of(late, ContactCheck).request_status == "declined"
        and "already declined" in late.reason
    )


def test_only_a_named_question_not_yet_asked_may_go_to_leadership(engine: Engine) -> None:
    unnamed = a_request(engine, described="", asked=False)
    refused = look(engine, PEOPLE, command(RecordKind.CONTACT_REQUEST, unnamed, Act.ASK_LEADERSHIP, "UL1"))
    assert isinstance(refused, Overtaken) and refused.reason == UNNAMED
    fresh = a_request(engine, asked=False)
    assert isinstance(
        look(engine, PEOPLE, command(RecordKind.CONTACT_REQUEST, fresh, Act.ASK_LEADERSHIP, "UL1")), Changed
    )
    asked = a_request(engine)
    assert isinstance(
        look(engine, PEOPLE, command(RecordKind.CONTACT_REQUEST, asked, Act.ASK_LEADERSHIP, "UL1")), Overtaken
    )


def test_a_declaration_is_acknowledged_once_and_re_confirmed_whenever(engine: Engine) -> None:
    did = a_declaration(engine)
    assert isinstance(look(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.ACKNOWLEDGE, "UL1")), Changed)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.ACKNOWLEDGE, "UL1", version=1)), Changed
    )
    late = look(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.ACKNOWLEDGE, "UL2"))
    assert isinstance(late, Overtaken) and "already acknowledged" in late.reason
    assert isinstance(look(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.RECONFIRM, "USTAFF")), Changed)


def test_the_review_form_opens_for_a_governor_until_the_review_is_done(engine: Engine) -> None:
    review = a_review()
    opened = look(engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UGOV"))
    assert isinstance(opened, Changed) and isinstance(opened.record, DueReview) and opened.record.done is None
    assert isinstance(
        change(
            engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UCHAIR", until=date(2031, 1, 1))
        ),
        Changed,
    )
    done = look(engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UGOV"))
    assert isinstance(done, Overtaken) and done.reason == "This review is already recorded as done."


def test_nothing_is_recorded_about_a_record_that_does_not_exist(engine: Engine) -> None:
    for kind, act in ((RecordKind.CONCERN, Act.VIEW_DETAILS), (RecordKind.REVIEW, Act.MARK_REVIEW_DONE)):
        record_id = 20301399 if kind is RecordKind.REVIEW else 987654
        assert isinstance(
            look(engine, PEOPLE, command(kind, record_id, act, "UGOV"), audited_as="viewed_details"), Missing
        )
    assert entries(engine, RecordKind.CONCERN, 987654) == entries(engine, RecordKind.REVIEW, 20301399) == []


def test_a_nudge_still_waiting_when_its_concern_is_acknowledged_is_cancelled_and_never_sent(engine: Engine) -> None:
    from sqlalchemy import select

    from storage.models import OutboxMessage, State
    from storage.outbox_messages import NUDGE

    concern_id, other_id = a_concern(engine), a_concern(engine)
    subject, other = (RecordKind.CONCERN, concern_id), (RecordKind.CONCERN, other_id)
    waiting = [
        Message(f"concern:{concern_id}{NUDGE}1:thread", subject, "CLEAD", "waited"),  # decided, Slack was down
        Message(f"concern:{concern_id}{NUDGE}2:head:UHEAD", subject, "UHEAD", "nobody has picked it up"),
        Message(f"concern:{concern_id}:receipt-again", subject, "USTAFF", "not a nudge"),
        Message(f"concern:{other_id}{NUDGE}1:thread", other, "CLEAD", "another concern's"),
    ]
    outbox = OutboxStore(engine)
    outbox.put(waiting, NOW)
    being_sent = f"concern:{concern_id}{NUDGE}3:thread"
    outbox.put([Message(being_sent, subject, "CLEAD", "being sent")], NOW)
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:  # the sender holds it: its claim runs on past the acknowledgement
        connection.execute(update(table).where(table.c.key == being_sent).values(claimed_until=LATER))
    assert isinstance(change(engine, PEOPLE, command(RecordKind.CONCERN, concern_id, Act.ACKNOWLEDGE, "UL1")), Changed)
    with reading(engine) as session:
        states = {row.key: row.state for row in session.exec(select(OutboxMessage)).scalars()}  # type: ignore[call-overload]
    assert states[f"concern:{concern_id}{NUDGE}1:thread"] == State.CANCELLED
    assert states[f"concern:{concern_id}{NUDGE}2:head:UHEAD"] == State.CANCELLED
    assert states[f"concern:{concern_id}:receipt-again"] != State.CANCELLED  # not a chaser
    assert states[f"concern:{other_id}{NUDGE}1:thread"] != State.CANCELLED  # another record's
    # One being sent at this moment is left to finish (and be recorded); only what still waits is cancelled.
    assert states[being_sent] == State.PENDING


def test_a_look_shown_first_is_recorded_after_once_however_often_slack_sends_it(engine: Engine) -> None:
    from storage.commands import record_look

    cid = a_concern(engine)
    view = command(RecordKind.CONCERN, cid, Act.VIEW_DETAILS, "UDSL", request_key="action:1.5:UDSL")
    allowed = look(engine, PEOPLE, view)
    assert isinstance(allowed, Changed)  # may see them: nothing written yet
    assert "viewed_details" not in [e.action for e in entries(engine, RecordKind.CONCERN, cid)]
    assert record_look(engine, view, allowed.record, "viewed_details")
    assert not record_look(engine, view, allowed.record, "viewed_details")  # Slack's retry of the same click
    assert [e.action for e in entries(engine, RecordKind.CONCERN, cid)].count("viewed_details") == 1
