"""The contact store's guarantees on SQLite and (in CI) PostgreSQL: one decision among racing leaders, retries
recognised, one post claim at a time."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import Engine

from flows.contact import assess
from flows.contact_requests import Decision
from flows.permissions import Act, RecordKind
from storage import audit
from storage.audit import review_subject_id
from storage.commands import Changed, Command, Repeated, change
from storage.contact_checks import ContactCheckStore
from storage.models import ContactCheck
from storage.outbox import OutboxStore
from storage.outbox_messages import Message
from storage.reviews import ReviewStore
from tests.conftest import NOW, PEOPLE
from tests.storage.helpers import QUESTION


def pending(engine: Engine, key: str) -> ContactCheck:
    checks = ContactCheckStore(engine)
    check = checks.record_check("USTAFF", QUESTION, "Ms Parent", assess(QUESTION), key, NOW)
    assert checks.record_check("USTAFF", QUESTION, "Ms Parent", assess(QUESTION), key, NOW).id == check.id
    ask = Command(RecordKind.CONTACT_REQUEST, check.id or 0, Act.ASK_LEADERSHIP, "USTAFF", NOW, f"ask:{key}")
    asked = change(engine, PEOPLE, ask)
    assert isinstance(asked, Changed) and isinstance(change(engine, PEOPLE, ask), Repeated)
    assert isinstance(asked.record, ContactCheck)
    return asked.record


def test_racing_leaders_give_one_decision(fresh_engine: Engine) -> None:
    check = pending(fresh_engine, "V1")
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def click(i: int) -> None:
        start.wait()
        decision = Decision.APPROVE if i % 2 else Decision.DECLINE
        decide = Command(
            RecordKind.CONTACT_REQUEST,
            check.id or 0,
            Act.DECIDE,
            ("UL1", "UL2", "UHEAD")[i % 3],
            NOW,
            f"k{i}",
            version=check.version,
            detail=decision,
            until=date(2027, 11, 25),
        )
        outcomes.append(type(change(fresh_engine, PEOPLE, decide)).__name__)

    threads = [threading.Thread(target=click, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["Changed"] + ["Overtaken"] * 5
    decided = [e for e in audit.trail(fresh_engine, "check", check.id or 0) if e.action in ("approved", "declined")]
    assert len(decided) == 1
    assert len(ContactCheckStore(fresh_engine).permissions_for("USTAFF")) == (
        1 if decided[0].action == "approved" else 0
    )


def test_a_standing_permission_answers_the_same_question_about_the_same_person_until_its_date(
    fresh_engine: Engine,
) -> None:
    check = pending(fresh_engine, "V2")
    approve = Command(
        RecordKind.CONTACT_REQUEST,
        check.id or 0,
        Act.DECIDE,
        "UL1",
        NOW,
        "r",
        version=check.version,
        detail=Decision.APPROVE,
        until=date(2027, 1, 1),
    )
    assert isinstance(change(fresh_engine, PEOPLE, approve), Changed)
    assert isinstance(change(fresh_engine, PEOPLE, approve), Repeated)
    checks = ContactCheckStore(fresh_engine)
    assert len(checks.permissions_for("USTAFF")) == 1
    assert checks.standing_permission("USTAFF", QUESTION, "ms  parent", date(2026, 12, 1)) is not None
    assert checks.standing_permission("USTAFF", QUESTION, "ms parent", date(2027, 1, 2)) is None


def test_a_review_reminder_is_written_once_with_its_messages_and_a_new_review_date_wins(fresh_engine: Engine) -> None:
    reviews = ReviewStore(fresh_engine)
    review = date(2027, 3, 1)
    claims: list[bool] = []
    start = threading.Barrier(4)
    subject = (RecordKind.REVIEW, review_subject_id(review))
    messages = [Message(f"review:{subject[1]}:7 days:{g}", subject, g, "The review is 7 days away") for g in "AB"]

    def claim() -> None:
        start.wait()
        claims.append(reviews.remind(review, "7 days", NOW, messages))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claims) == [False, False, False, True]
    assert reviews.reminded(review, "7 days") and not reviews.reminded(review, "on the day")
    outbox = OutboxStore(fresh_engine)
    assert len(outbox.claim_due(NOW, replies=False, limit=10)) == 2  # one message to each governor, once

    assert reviews.current_review(review) == review
    done = Command(
        RecordKind.REVIEW,
        review_subject_id(review),
        Act.MARK_REVIEW_DONE,
        "UCHAIR",
        NOW,
        "done",
        until=date(2028, 3, 1),
    )
    assert isinstance(change(fresh_engine, PEOPLE, done), Changed)
    assert reviews.current_review(review) == date(2028, 3, 1)  # the governors' choice stands
    assert reviews.current_review(date(2027, 12, 1)) == date(2027, 12, 1)  # a new instruction wins
