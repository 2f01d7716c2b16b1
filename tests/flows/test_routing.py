"""Who receives, sees and decides a concern; nobody is shown a concern about themselves. Plain pytest."""

from __future__ import annotations

import pytest

from flows.routing import People, RouteKind, route

PEOPLE = People(
    leadership=frozenset({"ULEAD1", "ULEAD2", "UHEAD"}),
    safeguarding_leads=frozenset({"UDSL"}),
    headteacher="UHEAD",
    chair_of_governors="UCHAIR",
    channel_members=frozenset({"ULEAD1", "ULEAD2", "UHEAD", "UDSL", "UPA"}),
)


def test_an_ordinary_concern_goes_to_the_channel() -> None:
    r = route(PEOPLE, safeguarding=False, involved=None)
    assert r.kind is RouteKind.CHANNEL and r.recipient is None
    assert r.deciders == {"ULEAD1", "ULEAD2", "UHEAD"}
    assert r.viewers == {"ULEAD1", "ULEAD2", "UHEAD", "UDSL"}
    assert r.alert == frozenset()


def test_a_safeguarding_concern_alerts_the_lead_and_narrows_who_sees_and_decides() -> None:
    r = route(PEOPLE, safeguarding=True, involved=None)
    assert r.kind is RouteKind.CHANNEL
    assert r.alert == {"UDSL"}
    assert r.viewers == r.deciders == {"UDSL", "UHEAD"}  # no leader resolves what they cannot open


def test_a_staff_member_who_is_not_a_recipient_changes_nothing_but_cannot_see_it() -> None:
    r = route(PEOPLE, safeguarding=False, involved="USTAFF")
    assert r.kind is RouteKind.CHANNEL and "USTAFF" not in r.viewers


@pytest.mark.parametrize("involved", ["ULEAD1", "UDSL", "UPA"])
def test_a_concern_about_anyone_who_would_see_it_goes_to_the_headteacher(involved: str) -> None:
    r = route(PEOPLE, safeguarding=False, involved=involved)
    assert r.kind is RouteKind.DIRECT and r.recipient == "UHEAD"
    assert r.viewers == r.deciders == {"UHEAD"} and r.alert == frozenset()


def test_a_safeguarding_concern_about_a_leader_still_alerts_the_safeguarding_lead() -> None:
    r = route(PEOPLE, safeguarding=True, involved="ULEAD1")
    assert r.kind is RouteKind.DIRECT and r.recipient == "UHEAD"
    assert r.alert == {"UDSL"} and r.viewers == r.deciders == {"UHEAD", "UDSL"}
    about_the_lead = route(PEOPLE, safeguarding=True, involved="UDSL")
    assert about_the_lead.alert == frozenset() and about_the_lead.viewers == {"UHEAD"}


def test_when_the_channel_members_are_unknown_a_named_colleague_takes_the_safe_way() -> None:
    unknown = People(PEOPLE.leadership, PEOPLE.safeguarding_leads, "UHEAD", "UCHAIR", channel_members=None)
    assert route(unknown, safeguarding=False, involved="USTAFF").kind is RouteKind.DIRECT
    assert route(unknown, safeguarding=False, involved=None).kind is RouteKind.CHANNEL


def test_a_concern_about_the_headteacher_goes_to_the_chair() -> None:
    r = route(PEOPLE, safeguarding=False, involved="UHEAD")
    assert r.recipient == "UCHAIR" and r.viewers == {"UCHAIR"}


def test_nobody_ever_sees_or_decides_a_concern_about_themselves() -> None:
    everyone = ["ULEAD1", "ULEAD2", "UHEAD", "UDSL", "UCHAIR", "USTAFF", "UPA", None]
    for involved in everyone:
        for safeguarding in (False, True):
            r = route(PEOPLE, safeguarding=safeguarding, involved=involved)
            assert involved not in r.viewers | r.deciders | r.alert
            assert r.viewers and r.deciders
