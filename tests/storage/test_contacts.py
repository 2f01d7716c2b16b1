"""The contact store's guarantees on SQLite and (in CI) PostgreSQL: one decision among racing leaders, retries
recognised, one post claim at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from flows.contact import Channel, ContactQuestion, Person, assess
from flows.contact_requests import Decision
from flows.permissions import Act, Kind, People
from storage import audit
from storage.audit import review_subject_id
from storage.checks import CheckStore
from storage.commands import Changed, Command, Repeated, change
from storage.db import make_engine, upgrade
from storage.models import ContactCheck
from storage.posts import PostStore
from storage.reviews import ReviewStore
from tests.conftest import new_database_url

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PEOPLE = People(frozenset({"UL1", "UL2"}), frozenset({"UDSL"}), "UHEAD", "UCHAIR")
QUESTION = ContactQuestion(Person.PUPIL_FAMILY, Channel.SOCIAL_NETWORK, under_18=False)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    for url in new_database_url(tmp_path, "contacts"):
        upgrade(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def pending(engine: Engine, key: str) -> ContactCheck:
    checks = CheckStore(engine)
    check = checks.record_check("USTAFF", QUESTION, "Ms Parent", assess(QUESTION), key, NOW)
    assert checks.record_check("USTAFF", QUESTION, "Ms Parent", assess(QUESTION), key, NOW).id == check.id
    ask = Command(Kind.CONTACT_REQUEST, check.id or 0, Act.ASK_LEADERSHIP, "USTAFF", NOW, f"ask:{key}")
    asked = change(engine, PEOPLE, ask)
    assert isinstance(asked, Changed) and isinstance(change(engine, PEOPLE, ask), Repeated)
    assert isinstance(asked.record, ContactCheck)
    return asked.record


def test_racing_leaders_give_one_decision(engine: Engine) -> None:
    check = pending(engine, "V1")
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def click(i: int) -> None:
        start.wait()
        decision = Decision.APPROVE if i % 2 else Decision.DECLINE
        decide = Command(
            Kind.CONTACT_REQUEST,
            check.id or 0,
            Act.DECIDE,
            ("UL1", "UL2", "UHEAD")[i % 3],
            NOW,
            f"k{i}",
            version=check.version,
            detail=decision,
            until=date(2027, 11, 25),
        )
        outcomes.append(type(change(engine, PEOPLE, decide)).__name__)

    threads = [threading.Thread(target=click, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["Changed"] + ["Overtaken"] * 5
    decided = [e for e in audit.trail(engine, "check", check.id or 0) if e.action in ("approved", "declined")]
    assert len(decided) == 1
    assert len(CheckStore(engine).permissions_for("USTAFF")) == (1 if decided[0].action == "approved" else 0)


def test_a_standing_permission_answers_the_same_question_about_the_same_person_until_its_date(
    engine: Engine,
) -> None:
    check = pending(engine, "V2")
    approve = Command(
        Kind.CONTACT_REQUEST,
        check.id or 0,
        Act.DECIDE,
        "UL1",
        NOW,
        "r",
        version=check.version,
        detail=Decision.APPROVE,
        until=date(2027, 1, 1),
    )
    assert isinstance(change(engine, PEOPLE, approve), Changed)
    assert isinstance(change(engine, PEOPLE, approve), Repeated)
    checks = CheckStore(engine)
    assert len(checks.permissions_for("USTAFF")) == 1
    assert checks.standing_permission("USTAFF", QUESTION, "ms  parent", date(2026, 12, 1)) is not None
    assert checks.standing_permission("USTAFF", QUESTION, "ms parent", date(2027, 1, 2)) is None


def test_a_post_is_claimed_by_one_process_at_a_time(engine: Engine) -> None:
    check = pending(engine, "V3")
    cid = check.id or 0
    posts = PostStore(engine)
    assert (ContactCheck, cid) in posts.due_posts(NOW)
    assert posts.claim_post(ContactCheck, cid, NOW, timedelta(minutes=2)) is not None
    assert posts.claim_post(ContactCheck, cid, NOW + timedelta(minutes=1), timedelta(minutes=2)) is None
    assert (ContactCheck, cid) not in posts.due_posts(NOW + timedelta(minutes=1))
    posts.record_post(ContactCheck, cid, None, None)  # Slack failed: released
    assert (ContactCheck, cid) in posts.due_posts(NOW + timedelta(minutes=1))
    assert posts.claim_post(ContactCheck, cid, NOW, timedelta(minutes=2)) is not None
    posts.record_post(ContactCheck, cid, "C1", "1.1")
    assert posts.due_posts(NOW + timedelta(hours=1)) == []


def test_a_review_reminder_is_claimed_once_and_a_new_review_date_wins(engine: Engine) -> None:
    reviews = ReviewStore(engine)
    review = date(2027, 3, 1)
    claims: list[bool] = []
    start = threading.Barrier(4)

    def claim() -> None:
        start.wait()
        claims.append(reviews.claim_reminder(review, "7 days", NOW, timedelta(minutes=2)) is not None)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claims) == [False, False, False, True]
    reviews.reminder_progress(review, "7 days", frozenset({"UGOV1"}))
    reviews.release_reminder(review, "7 days")  # Slack failed: the next pass may try again
    assert reviews.claim_reminder(review, "7 days", NOW, timedelta(minutes=2)) == {"UGOV1"}  # who had it
    reviews.reminder_sent(review, "7 days", NOW)
    assert reviews.claim_reminder(review, "7 days", NOW + timedelta(hours=1), timedelta(minutes=2)) is None

    assert reviews.current_review(review) == review
    done = Command(
        Kind.REVIEW, review_subject_id(review), Act.MARK_REVIEW_DONE, "UCHAIR", NOW, "done", until=date(2028, 3, 1)
    )
    assert isinstance(change(engine, PEOPLE, done), Changed)
    assert reviews.current_review(review) == date(2028, 3, 1)  # the governors' choice stands
    assert reviews.current_review(date(2027, 12, 1)) == date(2027, 12, 1)  # a new instruction wins
