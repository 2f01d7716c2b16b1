"""A stored record's facts as flows.permissions reads them (whose it is, whom it names, where it was placed): the one
place they are built, for every kind of record and for an item waiting to be nudged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flows.permissions import Placement, Record, RecordKind
from storage.audit import review_subject_id
from storage.models import Concern, ContactCheck, Declaration, PolicyReview

REVIEW = Record(RecordKind.REVIEW)


@dataclass(frozen=True)
class DueReview:
    """The governors' review due on a date, and its record once it is done (it has no row before)."""

    review_on: date
    done: PolicyReview | None

    @property
    def id(self) -> int:
        return review_subject_id(self.review_on)


Row = Concern | ContactCheck | Declaration | DueReview


def facts(row: Row) -> Record:
    if isinstance(row, DueReview):
        return REVIEW
    if isinstance(row, Concern):
        return Record(
            RecordKind.CONCERN,
            owner=row.reporter_id,
            involved=row.involved_staff_id,
            safeguarding=row.safeguarding,
            placement=Placement(row.route_kind),
            direct_to=row.route_recipient,
        )
    if isinstance(row, ContactCheck):
        return Record(RecordKind.CONTACT_REQUEST, owner=row.asked_by)
    return Record(RecordKind.DECLARATION, owner=row.staff_id)
