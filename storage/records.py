"""A stored record's facts as flows.permissions reads them: whose it is, whom it names, where it was placed."""

from __future__ import annotations

from flows.permissions import Placement, Record, RecordKind
from storage.models import Concern, ContactCheck, Declaration

REVIEW = Record(RecordKind.REVIEW)


def facts(row: Concern | ContactCheck | Declaration) -> Record:
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
