"""How long each kind of record is kept, and what is due: a record's retention period runs from when it closed (a
concern's resolution, a decision, a declaration's lapse), and when it has run the record's personal and typed
fields are redacted, keeping the anonymised facts the governors' pack counts. Concerns on the safeguarding route
and concerns that name a member of staff are never redacted without a safeguarding lead's confirmation.

The defaults follow the guidance a school's records manager works from; DEFAULTS carries each with its source (the
README lists them, and `policybot retention` says which applies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Held(StrEnum):
    """The kinds of record, as retention treats them."""

    CONCERN = "concern"  # a concern that names no member of staff and is not on the safeguarding route
    STAFF_CONCERN = "staff_concern"  # a concern that names a member of staff
    SAFEGUARDING = "safeguarding"  # a concern on the safeguarding route
    QUESTION = "question"  # a contact question the policy answered (nobody asked leadership)
    DECISION = "decision"  # a contact question leadership decided, with the standing permission it granted
    DECLARATION = "declaration"  # a declared connection, once it lapsed

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    Held.CONCERN: "concerns (no member of staff named, not safeguarding)",
    Held.STAFF_CONCERN: "concerns that name a member of staff",
    Held.SAFEGUARDING: "concerns on the safeguarding route",
    Held.QUESTION: "contact questions the policy answered",
    Held.DECISION: "contact questions leadership decided, and their permissions",
    Held.DECLARATION: "declared connections",
}

CONFIRMED = frozenset({Held.STAFF_CONCERN, Held.SAFEGUARDING})  # redacted only when a safeguarding lead confirms


@dataclass(frozen=True)
class Default:
    years: int
    setting: str
    counted_from: str
    source: str


DEFAULTS: dict[Held, Default] = {
    Held.CONCERN: Default(
        6,
        "RETAIN_CONCERNS_YEARS",
        "its resolution",
        "IRMS Information Management Toolkit for Schools: case files such as complaints, date of resolution + 6 years "
        "(the Limitation Act 1980's six years for most claims)",
    ),
    Held.STAFF_CONCERN: Default(
        10,
        "RETAIN_STAFF_CONCERNS_YEARS",
        "its resolution",
        "Keeping Children Safe in Education, Part 4: records of allegations are kept until the person's normal "
        "pension age or for 10 years from the allegation, whichever is longer, and low-level concerns at least until "
        "the person leaves; policybot knows neither date, so a safeguarding lead confirms each",
    ),
    Held.SAFEGUARDING: Default(
        25,
        "RETAIN_SAFEGUARDING_YEARS",
        "its resolution",
        "IRMS Toolkit for Schools: child protection records, the child's date of birth + 25 years; policybot holds "
        "no dates of birth, and 25 years from the concern is never shorter; a safeguarding lead confirms each",
    ),
    Held.QUESTION: Default(
        1,
        "RETAIN_CONTACT_QUESTIONS_YEARS",
        "when it was asked",
        "no line of its own in the IRMS Toolkit for Schools: kept a year, as routine correspondence is; the answer "
        "is the policy's, and the governors' pack keeps the anonymised count",
    ),
    Held.DECISION: Default(
        6,
        "RETAIN_DECISIONS_YEARS",
        "the decision, or the end of the permission it granted",
        "IRMS Toolkit for Schools: records of staff management decisions, + 6 years (the Limitation Act 1980)",
    ),
    Held.DECLARATION: Default(
        6,
        "RETAIN_DECLARATIONS_YEARS",
        "the date it was no longer re-confirmed by",
        "IRMS Toolkit for Schools: registers of business interests, + 6 years after they end (the Limitation Act 1980)",
    ),
}


@dataclass(frozen=True)
class Closed:
    """A record that has closed, as retention sees it."""

    kind: str  # flows.permissions.RecordKind value of the record
    record_id: int
    label: str  # how it is named to the person at the keyboard (a reference, "C-0012")
    held: Held
    closed_on: date
    keep_until: date | None = None  # a safeguarding lead chose to keep it longer


class Disposal(StrEnum):
    """What is done with a record once its retention period has run."""

    REDACT = "redact"  # policybot redacts it by itself
    ASK = "ask"  # a safeguarding lead is asked to confirm, or to keep it longer


@dataclass(frozen=True)
class Due:
    record: Closed
    due_on: date
    disposal: Disposal


def years_after(day: date, years: int) -> date:
    """The same day `years` later (29 February: 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def due_on(record: Closed, years: dict[Held, int]) -> date:
    """When the record's retention period ends (or the later date a safeguarding lead chose)."""
    ends = years_after(record.closed_on, years[record.held])
    return max(ends, record.keep_until) if record.keep_until else ends


def schedule(records: list[Closed], years: dict[Held, int], today: date, horizon: date) -> list[Due]:
    """Every record whose period ends by `horizon`, soonest first, with what happens to it; those due by `today` are
    the ones to act on now."""
    found = [Due(r, due_on(r, years), Disposal.ASK if r.held in CONFIRMED else Disposal.REDACT) for r in records]
    soon = [d for d in found if d.due_on <= horizon]
    return sorted(soon, key=lambda d: (d.due_on, d.record.kind, d.record.record_id))


def held_as(*, safeguarding: bool, names_staff: bool) -> Held:
    """Which kind a concern is held as: the safeguarding route first."""
    if safeguarding:
        return Held.SAFEGUARDING
    return Held.STAFF_CONCERN if names_staff else Held.CONCERN
