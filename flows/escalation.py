"""The life of a concern: its statuses, the actions leadership takes, and which moves are allowed."""

from __future__ import annotations

from enum import StrEnum

from flows.errors import InvalidTransition


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
