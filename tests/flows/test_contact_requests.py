"""Asking leadership, deciding, standing permissions and declarations. Plain pytest, no Slack."""

from __future__ import annotations

from datetime import date

import pytest

from flows.contact import Channel, ContactQuestion, Person
from flows.contact_requests import (
    Decision,
    DeclarationStatus,
    RequestStatus,
    StandingPermission,
    a_year_on,
    acknowledge_declaration,
    check_described,
    check_review_date,
    decide,
    permission_covers,
    request,
)
from flows.errors import InvalidTransition
from tests.conftest import TODAY


def test_a_request_is_made_once_and_decided_once() -> None:
    assert request(RequestStatus.NONE, "Ms Parent") is RequestStatus.PENDING
    with pytest.raises(InvalidTransition):
        request(RequestStatus.PENDING, "Ms Parent")
    with pytest.raises(InvalidTransition, match="unnamed"):
        request(RequestStatus.NONE, "  ")  # nobody unnamed goes to leadership
    assert decide(RequestStatus.PENDING, Decision.APPROVE) is RequestStatus.APPROVED
    assert decide(RequestStatus.PENDING, Decision.DECLINE) is RequestStatus.DECLINED
    for done in (RequestStatus.APPROVED, RequestStatus.DECLINED, RequestStatus.NONE):
        with pytest.raises(InvalidTransition):
            decide(done, Decision.APPROVE)
    assert acknowledge_declaration(DeclarationStatus.DECLARED) is DeclarationStatus.ACKNOWLEDGED
    with pytest.raises(InvalidTransition):
        acknowledge_declaration(DeclarationStatus.ACKNOWLEDGED)


def test_a_year_on_survives_the_leap_day() -> None:
    assert a_year_on(TODAY) == date(2027, 11, 25)
    assert a_year_on(date(2028, 2, 29)) == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("review_on", "ok"),
    [
        (None, False),
        (TODAY, False),
        (date(2026, 11, 26), True),
        (date(2029, 11, 25), True),
        (date(2029, 11, 26), False),
    ],
)
def test_review_dates_are_in_the_future_and_within_three_years(review_on: date | None, ok: bool) -> None:
    assert (check_review_date(review_on, TODAY) is None) is ok


def test_describing_a_person() -> None:
    assert check_described("", required=False) is None
    assert check_described("  ", required=True)
    assert check_described("x" * 201, required=False)


def test_a_standing_permission_covers_only_the_same_question_about_the_same_person() -> None:
    same = ContactQuestion(Person.PUPIL_FAMILY, Channel.SOCIAL_NETWORK, under_18=False)
    granted = StandingPermission("U1", same, "ms parent", date(2027, 11, 25))
    assert permission_covers(granted, "U1", same, "  Ms   PARENT ", TODAY)
    assert not permission_covers(granted, "U2", same, "Ms Parent", TODAY)  # another member of staff
    assert not permission_covers(granted, "U1", same, "Mr Parent", TODAY)  # another person
    other_way = ContactQuestion(Person.PUPIL_FAMILY, Channel.PERSONAL_PHONE, under_18=False)
    assert not permission_covers(granted, "U1", other_way, "Ms Parent", TODAY)
    assert not permission_covers(granted, "U1", same, "Ms Parent", date(2027, 11, 26))  # past its review date
    assert not permission_covers(granted, "U1", same, "", TODAY)
    other_facts = ContactQuestion(Person.PUPIL_FAMILY, Channel.SOCIAL_NETWORK, under_18=True)
    assert not permission_covers(granted, "U1", other_facts, "Ms Parent", TODAY)  # told different facts now
