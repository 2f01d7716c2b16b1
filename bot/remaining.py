"""What a record stored before the outbox still had to send, drawn when the sender comes to it. Migration 0011 left a
Send.REMAINING row for each part not sent (a concern's safeguarding alerts, its post, its receipt; a contact
request's post, or the answer its asker was never told; a declaration's post), and an alert already sent as a sent
row of its own: the row's messages are drawn from the record as it stands now, and any already in the outbox are
not sent again."""

from __future__ import annotations

from bot.deps import Deps
from flows.permissions import RecordKind
from storage.models import OutboxMessage
from storage.outbox_messages import Message, remaining_of


def draw(deps: Deps, row: OutboxMessage) -> list[Message]:
    """The messages a Send.REMAINING row stands for (none when its record is no longer there)."""
    wanted = remaining_of(row)
    return [
        message for message in _first_told(deps, row.subject_kind, row.subject_id) if message.key.startswith(wanted)
    ]


def _first_told(deps: Deps, kind: RecordKind | None, record_id: int | None) -> list[Message]:
    """Everything a record's people are told when it is stored (and a contact request's asker, when it is decided),
    drawn as the record stands now."""
    telling = deps.telling
    if kind is RecordKind.CONCERN and record_id is not None:
        concern = deps.store.get(record_id)
        return telling.concern_stored(concern) if concern is not None else []
    if kind is RecordKind.CONTACT_REQUEST and record_id is not None:
        check = deps.contact_checks.check(record_id)
        if check is None:
            return []
        granted = deps.contact_checks.permission_of(record_id)
        posted = telling.posted(kind, record_id, telling.request_drawing(check, granted))
        if check.decided_at is None:
            return posted
        note = deps.contact_checks.decision_note(record_id)
        [*_redrawn, told] = telling.request_decided(check, granted, note)  # a post drawn now shows the decision
        return [*posted, told]
    if kind is RecordKind.DECLARATION and record_id is not None:
        declared = deps.declarations.declaration(record_id)
        return telling.posted(kind, record_id, telling.declaration_drawing(declared)) if declared is not None else []
    return []
