"""The life of a concern: its statuses, the actions leadership takes, and which moves are allowed."""

from __future__ import annotations

from enum import StrEnum

from flows.errors import InvalidTransition
from flows.taxonomy import EscalationTarget

# KCSIE (Part 4): an allegation that a member of staff may have harmed a child, or may pose a risk to children, goes
# to the local authority designated officer within one working day.
LADO_HINT = (
    "This concern names a member of staff. If it is an allegation that they may have harmed a child or may pose a "
    "risk to children, KCSIE asks that the LADO is told within one working day."
)
NOT_ABOUT_STAFF = "The LADO is for allegations about a member of staff, and this concern names none."


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_open(self) -> bool:
        return self is not Status.RESOLVED


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ESCALATE = "escalate"
    RESOLVE = "resolve"

    @property
    def past_tense(self) -> str:
        return {"acknowledge": "acknowledged", "escalate": "escalated", "resolve": "resolved"}[self.value]


# status -> {action: next status}. Escalating again (to the police after the safeguarding lead, say) is allowed;
# resolving straight from new is allowed ("no action needed"); nothing leaves RESOLVED.
TRANSITIONS: dict[Status, dict[Action, Status]] = {
    Status.NEW: {
        Action.ACKNOWLEDGE: Status.ACKNOWLEDGED,
        Action.ESCALATE: Status.ESCALATED,
        Action.RESOLVE: Status.RESOLVED,
    },
    Status.ACKNOWLEDGED: {Action.ESCALATE: Status.ESCALATED, Action.RESOLVE: Status.RESOLVED},
    Status.ESCALATED: {Action.ESCALATE: Status.ESCALATED, Action.RESOLVE: Status.RESOLVED},
    Status.RESOLVED: {},
}


def allowed_actions(status: Status) -> list[Action]:
    return list(TRANSITIONS[status])


def apply(status: Status, action: Action) -> Status:
    """The status after `action`, or InvalidTransition with a sentence for the person who tried."""
    try:
        return TRANSITIONS[status][action]
    except KeyError:
        raise InvalidTransition(
            f"This concern is already {status.value}; it cannot be {action.past_tense} now."
        ) from None


def targets(names_staff: bool) -> list[EscalationTarget]:
    """Where a concern may be escalated: the LADO only when it names a member of staff."""
    return [t for t in EscalationTarget if t is not EscalationTarget.LADO or names_staff]


def check_target(target: str | None, names_staff: bool) -> EscalationTarget:
    """The escalation target chosen, or InvalidTransition when it is not one this concern may go to."""
    try:
        chosen = EscalationTarget(target or "")
    except ValueError:
        raise InvalidTransition("Choose where to escalate the concern.") from None
    if chosen not in targets(names_staff):
        raise InvalidTransition(NOT_ABOUT_STAFF)
    return chosen
