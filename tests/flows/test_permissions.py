"""The one answer to who may do what: known cases, then the rules that must hold over every combination of roles
and facts. Plain pytest."""

from __future__ import annotations

from dataclasses import replace
from itertools import chain, combinations, product

import pytest

from flows.permissions import OPENING, OWNERS_OWN, TABLE, Act, People, Placement, Record, RecordKind, may, place, who

PEOPLE = People(
    leadership=frozenset({"ULEAD1", "ULEAD2", "UHEAD"}),
    safeguarding_leads=frozenset({"UDSL"}),
    headteacher="UHEAD",
    chair_of_governors="UCHAIR",
    channel_members=frozenset({"ULEAD1", "ULEAD2", "UHEAD", "UDSL", "UPA"}),
    governors=frozenset({"UGOV"}),
)


def concern(people: People = PEOPLE, *, safeguarding: bool = False, involved: str | None = None) -> Record:
    placement, direct_to = place(people, safeguarding=safeguarding, involved=involved)
    return Record(RecordKind.CONCERN, "USTAFF", involved, safeguarding, placement, direct_to)


def test_an_ordinary_concern_goes_to_the_channel() -> None:
    r = concern()
    assert r.placement is Placement.CHANNEL and r.direct_to is None
    assert who(PEOPLE, r, Act.ACKNOWLEDGE) == who(PEOPLE, r, Act.RESOLVE) == {"ULEAD1", "ULEAD2", "UHEAD"}
    assert who(PEOPLE, r, Act.VIEW_DETAILS) == {"ULEAD1", "ULEAD2", "UHEAD", "UDSL"}
    assert who(PEOPLE, r, Act.ALERT) == frozenset() and who(PEOPLE, r, Act.TOLD_OF_CHANGES) == {"USTAFF"}


def test_a_safeguarding_concern_alerts_the_lead_and_narrows_who_sees_and_decides() -> None:
    r = concern(safeguarding=True)
    assert r.placement is Placement.CHANNEL
    assert who(PEOPLE, r, Act.ALERT) == who(PEOPLE, r, Act.NUDGE_BY_DM) == {"UDSL"}
    assert who(PEOPLE, r, Act.VIEW_DETAILS) == who(PEOPLE, r, Act.ACKNOWLEDGE) == {"UDSL", "UHEAD"}


def test_a_staff_member_who_would_not_see_it_leaves_it_in_the_channel_but_cannot_see_it() -> None:
    r = concern(involved="USTAFF2")
    assert r.placement is Placement.CHANNEL and not may(PEOPLE, r, Act.VIEW_DETAILS, "USTAFF2")


@pytest.mark.parametrize("involved", ["ULEAD1", "UDSL", "UPA"])
def test_a_concern_about_anyone_who_would_see_it_goes_to_the_headteacher(involved: str) -> None:
    r = concern(involved=involved)
    assert r.placement is Placement.DIRECT and r.direct_to == "UHEAD"
    assert who(PEOPLE, r, Act.VIEW_DETAILS) == who(PEOPLE, r, Act.ACKNOWLEDGE) == {"UHEAD"}
    assert who(PEOPLE, r, Act.ALERT) == frozenset()
    assert who(PEOPLE, r, Act.UNANSWERED) == {"UCHAIR"}  # the headteacher holds it: the chair hears it waits


def test_a_safeguarding_concern_about_a_leader_still_reaches_the_safeguarding_lead() -> None:
    r = concern(safeguarding=True, involved="ULEAD1")
    assert r.direct_to == "UHEAD"
    assert who(PEOPLE, r, Act.ALERT) == {"UDSL"} and who(PEOPLE, r, Act.ACKNOWLEDGE) == {"UHEAD", "UDSL"}
    about_the_lead = concern(safeguarding=True, involved="UDSL")
    assert who(PEOPLE, about_the_lead, Act.ALERT) == frozenset()
    assert who(PEOPLE, about_the_lead, Act.VIEW_DETAILS) == {"UHEAD"}
    assert who(PEOPLE, about_the_lead, Act.NUDGE_BY_DM) == {"UHEAD"}  # the lead cannot be chased about themselves


def test_a_concern_about_the_headteacher_goes_to_the_chair_and_the_head_hears_nothing() -> None:
    r = concern(involved="UHEAD")
    assert r.direct_to == "UCHAIR" and who(PEOPLE, r, Act.VIEW_DETAILS) == {"UCHAIR"}
    assert who(PEOPLE, r, Act.UNANSWERED) == who(PEOPLE, r, Act.ESCALATED_TO_HEAD) == {"UCHAIR"}
    safeguarding = concern(safeguarding=True, involved="UHEAD")
    assert who(PEOPLE, safeguarding, Act.NUDGE_BY_DM) == {"UDSL"} and "UHEAD" not in who(
        PEOPLE, safeguarding, Act.UNANSWERED
    )


def test_when_the_channel_members_are_unknown_a_named_colleague_takes_the_safe_way() -> None:
    unknown = People(PEOPLE.leadership, PEOPLE.safeguarding_leads, "UHEAD", "UCHAIR", channel_members=None)
    assert place(unknown, safeguarding=False, involved="USTAFF")[0] is Placement.DIRECT
    assert place(unknown, safeguarding=False, involved=None)[0] is Placement.CHANNEL


def test_requests_and_declarations_are_decided_by_leadership_never_by_their_owner() -> None:
    request = Record(RecordKind.CONTACT_REQUEST, owner="ULEAD1")
    assert who(PEOPLE, request, Act.DECIDE) == {"ULEAD2", "UHEAD"}
    assert who(PEOPLE, request, Act.ASK_LEADERSHIP) == who(PEOPLE, request, Act.TOLD_OF_CHANGES) == {"ULEAD1"}
    heads_own = Record(RecordKind.CONTACT_REQUEST, owner="UHEAD")
    assert who(PEOPLE, heads_own, Act.UNANSWERED) == {"UCHAIR"}  # never chased about their own request
    declaration = Record(RecordKind.DECLARATION, owner="USTAFF")
    assert who(PEOPLE, declaration, Act.ACKNOWLEDGE) == {"ULEAD1", "ULEAD2", "UHEAD"}
    assert who(PEOPLE, declaration, Act.RECONFIRM) == {"USTAFF"}
    assert not may(PEOPLE, declaration, Act.RECONFIRM, "ULEAD1")


def test_only_governors_mark_the_review_done_and_are_reminded() -> None:
    review = Record(RecordKind.REVIEW)
    assert who(PEOPLE, review, Act.MARK_REVIEW_DONE) == who(PEOPLE, review, Act.REMINDED) == {"UGOV", "UCHAIR"}
    assert not may(PEOPLE, review, Act.MARK_REVIEW_DONE, "UHEAD")


def test_every_act_is_in_the_table() -> None:
    assert {act for _, act in TABLE} == set(Act)


# --- every combination ----------------------------------------------------------------------------------------------
# Three people (A is the headteacher, B the chair of governors, C anyone) and S, a member of staff with no role. Any
# of A, B, C may lead, be a safeguarding lead or sit in the leadership channel (whose members may also be unknown);
# every record of every kind, with every owner and every member of staff named.

NAMED = ("A", "B", "C")
ANYONE = (None, "A", "B", "C", "S")


def subsets(items: tuple[str, ...]) -> list[frozenset[str]]:
    return [frozenset(c) for c in chain.from_iterable(combinations(items, n) for n in range(len(items) + 1))]


def schools() -> list[People]:
    found = []
    for leaders, leads, channel, governors in product(
        subsets(NAMED), [s for s in subsets(NAMED) if s], [*subsets(NAMED), None], (frozenset(), frozenset({"C"}))
    ):
        found.append(People(leaders, leads, "A", "B", channel, governors))
    return found


def records(people: People) -> list[Record]:
    found = [Record(RecordKind.REVIEW)]
    for owner in ANYONE:
        found += [Record(RecordKind.CONTACT_REQUEST, owner), Record(RecordKind.DECLARATION, owner)]
        for involved, safeguarding in product(ANYONE, (False, True)):
            placement, direct_to = place(people, safeguarding=safeguarding, involved=involved)
            found.append(Record(RecordKind.CONCERN, owner, involved, safeguarding, placement, direct_to))
    return found


def assert_the_rules_hold(people: People) -> int:
    """Every rule, for every record of every kind in this school; the number of records checked."""
    checked = 0
    for record in records(people):
        answers = {act: who(people, record, act) for act in Act}
        stake = {record.involved} | ({record.owner} if record.kind is not RecordKind.CONCERN else set())
        for act, allowed in answers.items():
            # The answer is people to tell or let act: Slack user ids, never a blank.
            assert None not in allowed and "" not in allowed, (people, record, act)
            # Nobody is shown, told, nudged or asked to decide about a record that names them.
            assert record.involved not in allowed, (people, record, act)
            # Nobody decides, acknowledges or is chased about their own request or declaration.
            if act not in OWNERS_OWN:
                assert not (allowed & stake - {None}), (people, record, act)
            # A safeguarding concern opens only to the safeguarding lead(s) and the headteacher, or the chair
            # when the headteacher is the one named.
            if record.safeguarding and act in OPENING:
                head = "B" if record.involved == "A" else "A"
                assert allowed <= people.safeguarding_leads | {head}, (people, record, act)
        if record.kind is RecordKind.CONCERN:
            # Only those who may see a concern's details may change it, and someone always may.
            deciders = answers[Act.ACKNOWLEDGE]
            assert deciders == answers[Act.ESCALATE] == answers[Act.RESOLVE]
            assert deciders <= answers[Act.VIEW_DETAILS], (people, record)
            assert deciders, (people, record)
            # A concern placed with one person is placed with someone it does not name.
            if record.placement is Placement.DIRECT:
                assert record.direct_to not in (None, record.involved)
            assert answers[Act.UNANSWERED] and answers[Act.UNANSWERED].isdisjoint({record.involved})
        checked += 1
    return checked


def test_the_rules_hold_for_every_school_and_every_record() -> None:
    assert sum(assert_the_rules_hold(people) for people in schools()) > 10_000


# A few schools with every distinction the rules draw (the headteacher leading or not; the safeguarding lead being
# the headteacher, the chair or someone else; the channel's members known, unknown, with or without the chair;
# governors or none): the same rules in a fraction of a second, for `make mutation`, which leaves out the test above.
def representative_schools() -> list[People]:
    return [
        People(leaders, leads, "A", "B", channel, governors)
        for leaders, leads, channel, governors in product(
            (frozenset(), frozenset({"A"}), frozenset({"A", "C"})),
            (frozenset({"A"}), frozenset({"B"}), frozenset({"C"}), frozenset({"A", "C"})),
            (frozenset(), frozenset({"C"}), frozenset({"A", "B", "C"}), None),
            (frozenset(), frozenset({"C"})),
        )
    ]


def test_the_rules_hold_in_representative_schools() -> None:
    assert sum(assert_the_rules_hold(people) for people in representative_schools()) > 5_000


# --- known answers the rules alone do not pin down ---------------------------------------------------------------


def test_a_concern_nobody_picks_up_is_raised_with_the_headteacher_unless_they_hold_it_or_it_names_them() -> None:
    assert who(PEOPLE, concern(), Act.UNANSWERED) == {"UHEAD"}
    assert who(PEOPLE, concern(safeguarding=True), Act.UNANSWERED) == {"UHEAD"}
    assert who(PEOPLE, concern(involved="USTAFF2"), Act.UNANSWERED) == {"UHEAD"}  # in the channel: the head hears
    assert who(PEOPLE, concern(involved="ULEAD1"), Act.UNANSWERED) == {"UCHAIR"}  # the head holds it
    assert who(PEOPLE, concern(involved="UHEAD"), Act.UNANSWERED) == {"UCHAIR"}  # it names the head
    assert who(PEOPLE, Record(RecordKind.CONTACT_REQUEST, owner="ULEAD1"), Act.UNANSWERED) == {"UHEAD"}
    assert who(PEOPLE, Record(RecordKind.CONTACT_REQUEST, owner="UHEAD"), Act.UNANSWERED) == {"UCHAIR"}


def test_may_answers_yes_for_whoever_the_table_opens_the_act_to_and_no_for_anyone_else() -> None:
    r = concern()
    assert may(PEOPLE, r, Act.ACKNOWLEDGE, "ULEAD1") and may(PEOPLE, r, Act.VIEW_DETAILS, "UDSL")
    assert not may(PEOPLE, r, Act.ACKNOWLEDGE, "UDSL")  # the safeguarding lead reads an ordinary concern, no more
    assert may(PEOPLE, Record(RecordKind.REVIEW), Act.MARK_REVIEW_DONE, "UGOV")
    assert may(PEOPLE, Record(RecordKind.DECLARATION, owner="USTAFF"), Act.RECONFIRM, "USTAFF")
    assert not may(PEOPLE, Record(RecordKind.DECLARATION, owner="USTAFF"), Act.RECONFIRM, "USTAFF2")


def test_the_behaviours_the_school_relies_on() -> None:
    """The failures that made the table: each line fails if one comes back."""
    # The safeguarding lead cannot act on an ordinary concern (they may read its details).
    assert "UDSL" not in who(PEOPLE, concern(), Act.ACKNOWLEDGE) | who(PEOPLE, concern(), Act.RESOLVE)
    # Only governors mark the review done.
    assert who(PEOPLE, Record(RecordKind.REVIEW), Act.MARK_REVIEW_DONE) == PEOPLE.governing_body
    # Only the member of staff who declared re-confirms a declaration.
    assert who(PEOPLE, Record(RecordKind.DECLARATION, owner="USTAFF"), Act.RECONFIRM) == {"USTAFF"}
    # The headteacher is never sent the unanswered nudge about a concern that names them.
    for safeguarding in (False, True):
        assert "UHEAD" not in who(PEOPLE, concern(safeguarding=safeguarding, involved="UHEAD"), Act.UNANSWERED)
    # A safeguarding nudge never goes to the safeguarding lead it names.
    assert "UDSL" not in who(PEOPLE, concern(safeguarding=True, involved="UDSL"), Act.NUDGE_BY_DM)


def test_the_trusts_safeguarding_lead_is_told_a_safeguarding_concern_came_and_may_do_nothing_with_it() -> None:
    trust = replace(PEOPLE, trust_safeguarding_leads=frozenset({"UTRUST"}))
    assert who(trust, concern(trust, safeguarding=True), Act.TRUST_ALERT) == {"UTRUST"}
    assert who(trust, concern(trust, safeguarding=True, involved="ULEAD1"), Act.TRUST_ALERT) == {"UTRUST"}
    assert who(trust, concern(trust), Act.TRUST_ALERT) == frozenset()  # an ordinary concern stays the school's
    assert who(PEOPLE, concern(safeguarding=True), Act.TRUST_ALERT) == frozenset()  # a school in no trust
    assert who(trust, Record(RecordKind.CONCERN, "USTAFF", "UTRUST", True), Act.TRUST_ALERT) == frozenset()  # on them
    also_the_schools = replace(trust, trust_safeguarding_leads=frozenset({"UTRUST", "UDSL"}))
    assert who(also_the_schools, concern(also_the_schools, safeguarding=True), Act.TRUST_ALERT) == {"UTRUST"}
    for kind, act in TABLE:  # told, and nothing more: no record of the school's opens to them
        for record in (concern(trust, safeguarding=True), Record(kind, "USTAFF")):
            if act is not Act.TRUST_ALERT:
                assert "UTRUST" not in who(trust, replace(record, kind=kind), act), (kind, act)
