"""When the policy says REFER: asking leadership, their decision, standing permissions and declared connections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flows.contact import ContactQuestion
from flows.errors import InvalidTransition

DESCRIBED_MAX = 200
RECONFIRM_NOTICE = timedelta(days=30)  # staff are asked to re-confirm a declaration this long before its date
DECISION_NOTE_MAX = 1000


class RequestStatus(StrEnum):
    NONE = "none"  # the policy answered; nobody asked leadership
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class Decision(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"

    @property
    def outcome(self) -> RequestStatus:
        return RequestStatus.APPROVED if self is Decision.APPROVE else RequestStatus.DECLINED


UNNAMED = "Leadership cannot decide about someone unnamed: say who it is and ask again."


def request(status: RequestStatus, described: str) -> RequestStatus:
    """Asking leadership: only a question that is not already with them or decided, and about someone named."""
    if status is not RequestStatus.NONE:
        raise InvalidTransition(f"This question is already {status.value}.")
    if not described.strip():
        raise InvalidTransition(UNNAMED)
    return RequestStatus.PENDING


def decide(status: RequestStatus, decision: Decision) -> RequestStatus:
    if status is not RequestStatus.PENDING:
        raise InvalidTransition(f"This request is already {status.value}.")
    return decision.outcome


class Relationship(StrEnum):
    FAMILY = "family"
    CLOSE_FAMILY_FRIEND = "close_family_friend"
    EXISTING_FRIEND = "existing_friend"
    NEIGHBOUR = "neighbour"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "family": "Family member",
            "close_family_friend": "Close family friend",
            "existing_friend": "Personal friend from before",
            "neighbour": "Neighbour",
            "other": "Other",
        }[self.value]


class DeclarationStatus(StrEnum):
    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"


def acknowledge_declaration(status: DeclarationStatus) -> DeclarationStatus:
    if status is not DeclarationStatus.DECLARED:
        raise InvalidTransition(f"This declaration is already {status.value}.")
    return DeclarationStatus.ACKNOWLEDGED


def a_year_on(day: date) -> date:
    """The same date next year; 28 February when the day is 29 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def check_review_date(review_on: date | None, today: date) -> str | None:
    if review_on is None:
        return "Choose a review date."
    if review_on <= today:
        return "The review date must be in the future."
    if review_on > a_year_on(a_year_on(a_year_on(today))):
        return "Choose a review date within three years."
    return None


def check_described(text: str, required: bool) -> str | None:
    if required and not text.strip():
        return "Say who this is, in a few words (a name or initials and how you know them)."
    if len(text.strip()) > DESCRIBED_MAX:
        return f"Please keep this under {DESCRIBED_MAX} characters."
    return None


def person_key(described: str) -> str:
    """How a person 'as described' is matched: case and spacing do not matter."""
    return " ".join(described.casefold().split())


@dataclass(frozen=True)
class StandingPermission:
    """What a stored permission says, for matching a new question against it: the question leadership approved."""

    staff_id: str
    approved: ContactQuestion
    person_key: str
    review_on: date


def permission_covers(
    permission: StandingPermission, staff_id: str, question: ContactQuestion, described: str, today: date
) -> bool:
    """A standing permission answers a question when it is the same member of staff asking the same question (the
    same facts) about the same person as described, and its review date has not passed. It only ever answers a
    question the policy refers to leadership: see assess_with_permission."""
    return (
        permission.staff_id == staff_id
        and permission.approved == question
        and bool(permission.person_key)
        and permission.person_key == person_key(described)
        and today <= permission.review_on
    )
