"""The concern's state machine. Plain pytest, no Slack."""

from __future__ import annotations

import pytest

from flows.errors import InvalidTransition
from flows.escalation import TRANSITIONS, Action, Status, allowed_actions, apply


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (Status.NEW, Action.ACKNOWLEDGE, Status.ACKNOWLEDGED),
        (Status.NEW, Action.ESCALATE, Status.ESCALATED),
        (Status.NEW, Action.RESOLVE, Status.RESOLVED),
        (Status.ACKNOWLEDGED, Action.ESCALATE, Status.ESCALATED),
        (Status.ACKNOWLEDGED, Action.RESOLVE, Status.RESOLVED),
        (Status.ESCALATED, Action.ESCALATE, Status.ESCALATED),
        (Status.ESCALATED, Action.RESOLVE, Status.RESOLVED),
    ],
)
def test_allowed_moves(status: Status, action: Action, expected: Status) -> None:
    assert apply(status, action) is expected


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.RESOLVED, Action.ACKNOWLEDGE),
        (Status.RESOLVED, Action.ESCALATE),
        (Status.RESOLVED, Action.RESOLVE),
        (Status.ACKNOWLEDGED, Action.ACKNOWLEDGE),
        (Status.ESCALATED, Action.ACKNOWLEDGE),
    ],
)
def test_illegal_moves_are_refused_with_a_sentence(status: Status, action: Action) -> None:
    with pytest.raises(InvalidTransition) as refused:
        apply(status, action)
    assert status.value in refused.value.message


def test_nothing_leaves_resolved_and_every_open_status_can_be_resolved() -> None:
    assert allowed_actions(Status.RESOLVED) == []
    for status in Status:
        if status.is_open:
            assert Action.RESOLVE in TRANSITIONS[status]


def test_the_lado_is_offered_only_for_a_concern_that_names_a_member_of_staff() -> None:
    from flows.errors import InvalidTransition
    from flows.escalation import NOT_ABOUT_STAFF, check_target, targets
    from flows.taxonomy import EscalationTarget

    assert EscalationTarget.LADO not in targets(names_staff=False)
    assert targets(names_staff=True)[-1] is EscalationTarget.LADO and len(targets(True)) == len(EscalationTarget)
    assert check_target("lado", names_staff=True) is EscalationTarget.LADO
    for target, names_staff in (("lado", False), ("", True), (None, True), ("press", True)):
        try:
            check_target(target, names_staff)
        except InvalidTransition as error:
            assert (error.message == NOT_ABOUT_STAFF) == (target == "lado")
        else:
            raise AssertionError(f"{target!r} accepted")
