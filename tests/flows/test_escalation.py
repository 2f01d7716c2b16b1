"""The concern's state machine. Plain pytest, no Slack."""

from __future__ import annotations

import pytest

from flows.errors import InvalidTransition
from flows.escalation import TRANSITIONS, Status, allowed_acts, apply
from flows.permissions import Act


@pytest.mark.parametrize(
    ("status", "act", "expected"),
    [
        (Status.NEW, Act.ACKNOWLEDGE, Status.ACKNOWLEDGED),
        (Status.NEW, Act.ESCALATE, Status.ESCALATED),
        (Status.NEW, Act.RESOLVE, Status.RESOLVED),
        (Status.ACKNOWLEDGED, Act.ESCALATE, Status.ESCALATED),
        (Status.ACKNOWLEDGED, Act.RESOLVE, Status.RESOLVED),
        (Status.ESCALATED, Act.ESCALATE, Status.ESCALATED),
        (Status.ESCALATED, Act.RESOLVE, Status.RESOLVED),
    ],
)
def test_allowed_moves(status: Status, act: Act, expected: Status) -> None:
    assert apply(status, act) is expected


@pytest.mark.parametrize(
    ("status", "act"),
    [
        (Status.RESOLVED, Act.ACKNOWLEDGE),
        (Status.RESOLVED, Act.ESCALATE),
        (Status.RESOLVED, Act.RESOLVE),
        (Status.ACKNOWLEDGED, Act.ACKNOWLEDGE),
        (Status.ESCALATED, Act.ACKNOWLEDGE),
    ],
)
def test_illegal_moves_are_refused_with_a_sentence(status: Status, act: Act) -> None:
    with pytest.raises(InvalidTransition) as refused:
        apply(status, act)
    assert status.value in refused.value.message


def test_nothing_leaves_resolved_and_every_open_status_can_be_resolved() -> None:
    assert allowed_acts(Status.RESOLVED) == []
    for status in Status:
        if status.is_open:
            assert Act.RESOLVE in TRANSITIONS[status]


def test_the_lado_is_offered_only_for_a_concern_that_names_a_member_of_staff() -> None:
    from flows.errors import InvalidTransition
    from flows.escalation import NOT_ABOUT_STAFF, check_target, targets
    from flows.permissions import People, Record, RecordKind
    from flows.taxonomy import EscalationTarget

    people = People(frozenset({"ULEAD"}), frozenset({"UDSL"}), "UHEAD", "UCHAIR")
    unnamed, named = (
        Record(RecordKind.CONCERN, owner="USTAFF"),
        Record(RecordKind.CONCERN, owner="USTAFF", involved="UOTHER"),
    )
    assert EscalationTarget.LADO not in targets(people, unnamed, "ULEAD")
    offered = targets(people, named, "ULEAD")
    assert offered[-1] is EscalationTarget.LADO and len(offered) == len(EscalationTarget)
    assert check_target("lado", offered) is EscalationTarget.LADO
    for target, record in (("lado", unnamed), ("", named), (None, named), ("press", named)):
        try:
            check_target(target, targets(people, record, "ULEAD"))
        except InvalidTransition as error:
            assert (error.message == NOT_ABOUT_STAFF) == (target == "lado")
        else:
            raise AssertionError(f"{target!r} accepted")


def test_nobody_is_offered_an_escalation_to_themselves_or_to_whoever_the_concern_names() -> None:
    from flows.errors import InvalidTransition
    from flows.escalation import NOBODY_TO_TELL, check_target, recipients, targets
    from flows.permissions import People, Record, RecordKind
    from flows.taxonomy import EscalationTarget

    head, lead = EscalationTarget.HEADTEACHER, EscalationTarget.SAFEGUARDING_LEAD
    people = People(frozenset({"ULEAD", "UDSL"}), frozenset({"UDSL"}), "UHEAD", "UCHAIR")
    concern = Record(RecordKind.CONCERN, owner="USTAFF")
    assert head not in targets(people, concern, "UHEAD")  # the headteacher escalating: not to herself
    assert head in targets(people, concern, "ULEAD") and lead in targets(people, concern, "ULEAD")
    assert lead not in targets(people, concern, "UDSL")  # the only lead escalating
    with pytest.raises(InvalidTransition) as refused:
        check_target("headteacher", targets(people, concern, "UHEAD"))
    assert refused.value.message == NOBODY_TO_TELL
    # A concern that names the only lead is never escalated to them; one that names the head goes to the chair.
    assert lead not in targets(people, Record(RecordKind.CONCERN, owner="USTAFF", involved="UDSL"), "ULEAD")
    names_head = Record(RecordKind.CONCERN, owner="USTAFF", involved="UHEAD")
    assert recipients(people, names_head, head, "ULEAD") == {"UCHAIR"}
    # Outside the school: always offered, and reaching nobody in it.
    assert EscalationTarget.POLICE in targets(people, concern, "UHEAD")
    assert recipients(people, concern, EscalationTarget.POLICE, "UHEAD") == frozenset()
