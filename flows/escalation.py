"""The life of a concern: its statuses, the acts leadership takes on it, and which moves are allowed."""

from __future__ import annotations

from enum import StrEnum

from flows.errors import InvalidTransition
from flows.permissions import Act, People, Record, who
from flows.taxonomy import EscalationTarget

# KCSIE (Part 4): an allegation that a member of staff may have harmed a child, or may pose a risk to children, goes
# to the local authority designated officer within one working day.
LADO_HINT = (
    "This concern names a member of staff. If it is an allegation that they may have harmed a child or may pose a "
    "risk to children, KCSIE asks that the LADO is told within one working day."
)
NOT_ABOUT_STAFF = "The LADO is for allegations about a member of staff, and this concern names none."
NOBODY_TO_TELL = "There is nobody else to escalate it to there: choose another."

# The targets inside the school, and the notice that tells their people (flows.permissions says who they are).
TOLD: dict[EscalationTarget, Act] = {
    EscalationTarget.SAFEGUARDING_LEAD: Act.ESCALATED_TO_SAFEGUARDING,
    EscalationTarget.HEADTEACHER: Act.ESCALATED_TO_HEAD,
}


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


# The moves on a concern are the permission table's acts (flows.permissions.Act): who may make one is asked there.
PAST_TENSE = {Act.ACKNOWLEDGE: "acknowledged", Act.ESCALATE: "escalated", Act.RESOLVE: "resolved"}

# status -> {act: next status}. Escalating again (to the police after the safeguarding lead, say) is allowed;
# resolving straight from new is allowed ("no action needed"); nothing leaves RESOLVED.
TRANSITIONS: dict[Status, dict[Act, Status]] = {
    Status.NEW: {
        Act.ACKNOWLEDGE: Status.ACKNOWLEDGED,
        Act.ESCALATE: Status.ESCALATED,
        Act.RESOLVE: Status.RESOLVED,
    },
    Status.ACKNOWLEDGED: {Act.ESCALATE: Status.ESCALATED, Act.RESOLVE: Status.RESOLVED},
    Status.ESCALATED: {Act.ESCALATE: Status.ESCALATED, Act.RESOLVE: Status.RESOLVED},
    Status.RESOLVED: {},
}


def allowed_acts(status: Status) -> list[Act]:
    return list(TRANSITIONS[status])


def apply(status: Status, act: Act) -> Status:
    """The status after `act`, or InvalidTransition with a sentence for the person who tried."""
    try:
        return TRANSITIONS[status][act]
    except KeyError:
        raise InvalidTransition(
            f"This concern is already {status.value}; it cannot be {PAST_TENSE.get(act, act.value)} now."
        ) from None


def recipients(people: People, record: Record, target: EscalationTarget, actor: str) -> frozenset[str]:
    """Who an escalation to `target` reaches inside the school (the permission table's answer, less the person
    escalating); empty for a target outside the school (the police, CEOP, the platform, the LADO)."""
    act = TOLD.get(target)
    return who(people, record, act) - {actor} if act is not None else frozenset()


def targets(people: People, record: Record, actor: str) -> list[EscalationTarget]:
    """Where this person may escalate this concern: the LADO only when it names a member of staff, and a target in
    the school only while it reaches someone other than themselves and whoever the concern names."""
    return [
        t
        for t in EscalationTarget
        if (t is not EscalationTarget.LADO or record.involved is not None)
        and (t not in TOLD or recipients(people, record, t, actor))
    ]


def check_target(target: str | None, offered: list[EscalationTarget]) -> EscalationTarget:
    """The escalation target chosen, or InvalidTransition when it is not one this concern may go to."""
    try:
        chosen = EscalationTarget(target or "")
    except ValueError:
        raise InvalidTransition("Choose where to escalate the concern.") from None
    if chosen is EscalationTarget.LADO and EscalationTarget.LADO not in offered:
        raise InvalidTransition(NOT_ABOUT_STAFF)
    if chosen not in offered:
        raise InvalidTransition(NOBODY_TO_TELL)
    return chosen
