"""The one command path, on SQLite and (in CI) PostgreSQL: every kind of record is authorised by flows.permissions,
moved by its state machine, compare-and-set on its version and audited with the request's key; each outcome says
exactly what happened."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine

from flows.contact import assess
from flows.contact_requests import Decision, Relationship
from flows.permissions import Act, RecordKind
from storage import audit
from storage.commands import Changed, Missing, Overtaken, Refused, Repeated, change, look
from storage.contact_checks import ContactCheckStore
from storage.declarations import DeclarationStore
from tests.conftest import NOW, PEOPLE
from tests.storage.helpers import QUESTION, a_concern, command


def trail(engine: Engine, kind: RecordKind, record_id: int) -> list[tuple[str, str]]:
    return [(e.actor_id, e.action) for e in audit.trail(engine, kind, record_id)]


def test_a_concern_moves_once_and_a_retry_or_a_stale_click_changes_nothing(engine: Engine) -> None:
    cid = a_concern(engine)
    ack = command(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, "UL1", version=1)
    first = change(engine, PEOPLE, ack)
    assert isinstance(first, Changed) and first.record.status == "acknowledged" and first.record.version == 2
    assert isinstance(change(engine, PEOPLE, ack), Repeated)  # Slack's retry of the same click
    stale = change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.RESOLVE, "UL2", version=1, detail="no_action"))
    assert isinstance(stale, Overtaken) and stale.record.status == "acknowledged"
    resolve = command(RecordKind.CONCERN, cid, Act.RESOLVE, "UL2", version=2, detail="no_action", note="done")
    resolved = change(engine, PEOPLE, resolve)
    assert isinstance(resolved, Changed) and resolved.record.outcome == "no_action"
    again = change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ESCALATE, "UL1", version=3, detail="police"))
    assert isinstance(again, Overtaken) and "already resolved" in again.reason
    assert trail(engine, RecordKind.CONCERN, cid) == [
        ("USTAFF", "reported"),
        ("UL1", "acknowledged"),
        ("UL2", "resolved"),
    ]
    [entry] = [e for e in audit.trail(engine, RecordKind.CONCERN, cid) if e.action == "resolved"]
    assert (entry.from_state, entry.to_state, entry.detail, entry.note) == (
        "acknowledged",
        "resolved",
        "no_action",
        "done",
    )


@pytest.mark.parametrize(
    ("safeguarding", "involved", "actor"),
    [(False, None, "UDSL"), (False, None, "USTAFF"), (True, None, "UL1"), (False, "UL1", "UL1"), (False, "UL1", "UL2")],
)
def test_whoever_the_table_refuses_is_refused_and_audited(
    engine: Engine, safeguarding: bool, involved: str | None, actor: str
) -> None:
    cid = a_concern(engine, safeguarding, involved)
    refused = change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, actor, version=1))
    assert isinstance(refused, Refused) and refused.record.status == "new" and refused.record.version == 1
    assert (actor, "refused_acknowledge") in trail(engine, RecordKind.CONCERN, cid)
    details = look(
        engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.VIEW_DETAILS, actor), audited_as="viewed_details"
    )
    if actor == "UDSL" and not safeguarding:
        assert isinstance(details, Changed)  # the safeguarding lead reads any concern's details, acts on none
    else:
        assert isinstance(details, Refused)


def test_racing_leaders_give_one_transition(engine: Engine) -> None:
    cid = a_concern(engine)
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def click(i: int) -> None:
        start.wait()
        leader = ("UL1", "UL2", "UHEAD")[i % 3]
        outcomes.append(
            type(change(engine, PEOPLE, command(RecordKind.CONCERN, cid, Act.ACKNOWLEDGE, leader, version=1))).__name__
        )

    threads = [threading.Thread(target=click, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Changed"] + ["Overtaken"] * 5
    assert [a for _, a in trail(engine, RecordKind.CONCERN, cid)] == ["reported", "acknowledged"]


def test_a_contact_request_is_asked_by_its_owner_and_decided_by_someone_else(engine: Engine) -> None:
    checks = ContactCheckStore(engine)
    check = checks.record_check("UL1", QUESTION, "Ms Parent", assess(QUESTION), "VQ1", NOW)
    cid = check.id or 0
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.CONTACT_REQUEST, cid, Act.ASK_LEADERSHIP, "UL2")), Refused
    )
    ask = command(RecordKind.CONTACT_REQUEST, cid, Act.ASK_LEADERSHIP, "UL1", due=NOW)
    assert isinstance(change(engine, PEOPLE, ask), Changed)
    assert isinstance(change(engine, PEOPLE, ask), Repeated)  # a double click
    own = command(
        RecordKind.CONTACT_REQUEST, cid, Act.DECIDE, "UL1", version=2, detail=Decision.APPROVE, until=date(2027, 11, 25)
    )
    assert isinstance(change(engine, PEOPLE, own), Refused)  # nobody decides their own
    approve = command(
        RecordKind.CONTACT_REQUEST,
        cid,
        Act.DECIDE,
        "UHEAD",
        version=2,
        detail=Decision.APPROVE,
        until=date(2027, 11, 25),
    )
    approved = change(engine, PEOPLE, approve)
    assert isinstance(approved, Changed) and approved.record.request_status == "approved"
    [permission] = approved.added
    assert permission.staff_id == "UL1" and permission.review_on == date(2027, 11, 25)
    assert checks.permission_of(cid) is not None
    late = command(RecordKind.CONTACT_REQUEST, cid, Act.DECIDE, "UL2", version=2, detail=Decision.DECLINE)
    assert isinstance(change(engine, PEOPLE, late), Overtaken)
    assert trail(engine, RecordKind.CONTACT_REQUEST, cid) == [
        ("UL1", "asked"),
        ("UL2", "refused_ask_leadership"),
        ("UL1", "asked_leadership"),
        ("UL1", "refused_decide"),
        ("UHEAD", "approved"),
    ]


def test_a_declaration_is_acknowledged_by_leadership_and_re_confirmed_by_its_owner(engine: Engine) -> None:
    declarations = DeclarationStore(engine)
    row, _ = declarations.declare("USTAFF", "PUPIL", Relationship.FAMILY, "My niece", "VD1", NOW, date(2027, 11, 25))
    did = row.id or 0
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.ACKNOWLEDGE, "USTAFF", version=1)), Refused
    )
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.ACKNOWLEDGE, "UL1", version=1)), Changed
    )
    later = date(2028, 1, 10)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.RECONFIRM, "UL1", until=later)), Refused
    )
    reconfirmed = change(engine, PEOPLE, command(RecordKind.DECLARATION, did, Act.RECONFIRM, "USTAFF", until=later))
    assert isinstance(reconfirmed, Changed) and reconfirmed.record.confirm_by == later
    assert (declarations.declaration(did) or pytest.fail("stored")).next_notice_on == date(2027, 12, 11)
    assert [a for _, a in trail(engine, RecordKind.DECLARATION, did)] == [
        "declared",
        "refused_acknowledge",
        "acknowledged",
        "refused_reconfirm",
        "reconfirmed",
    ]


def test_the_review_is_marked_done_once_and_only_by_a_governor(engine: Engine) -> None:
    review = audit.review_subject_id(date(2027, 3, 1))
    until = date(2028, 3, 1)
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UHEAD", until=until)), Refused
    )
    done = change(engine, PEOPLE, command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UGOV", until=until))
    assert isinstance(done, Changed) and done.record.done is not None and done.record.done.reviewed_by == "UGOV"
    late = command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UCHAIR", until=until)
    assert isinstance(change(engine, PEOPLE, late), Overtaken)
    assert trail(engine, RecordKind.REVIEW, review) == [("UHEAD", "refused_mark_review_done"), ("UGOV", "reviewed")]
    assert isinstance(
        change(engine, PEOPLE, command(RecordKind.REVIEW, 20271341, Act.MARK_REVIEW_DONE, "UGOV", until=until)), Missing
    )


def test_a_record_that_does_not_exist_is_missing(engine: Engine) -> None:
    for kind, act in (
        (RecordKind.CONCERN, Act.ACKNOWLEDGE),
        (RecordKind.CONTACT_REQUEST, Act.DECIDE),
        (RecordKind.DECLARATION, Act.RECONFIRM),
    ):
        assert isinstance(change(engine, PEOPLE, command(kind, 987654, act, "UL1")), Missing)
        assert isinstance(look(engine, PEOPLE, command(kind, 987654, act, "UL1")), Missing)
