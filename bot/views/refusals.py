"""The one set of words for a click or a form the command path did not carry out because it was not the person's to
do (Refused: their attempt is in the audit trail) or because the record is not there (Missing). What an Overtaken
result says (someone got there first, where the record now stands) belongs to each feature's own words."""

from __future__ import annotations

from flows.permissions import Act, RecordKind
from storage.commands import Command, Missing, Refused, Result

RECORDED = "Your attempt has been recorded."
BY_RETENTION = "Only policybot redacts this, once its retention period has run"
ACT_ON_CONCERN = "Only those handling this concern can act on it"

WHO_MAY: dict[tuple[RecordKind, Act], str] = {
    (RecordKind.CONCERN, Act.ACKNOWLEDGE): ACT_ON_CONCERN,
    (RecordKind.CONCERN, Act.ESCALATE): ACT_ON_CONCERN,
    (RecordKind.CONCERN, Act.RESOLVE): ACT_ON_CONCERN,
    (RecordKind.CONCERN, Act.VIEW_DETAILS): "The details of this concern are open only to those handling it",
    (RecordKind.CONCERN, Act.REDACT): "Only a safeguarding lead can decide what happens to this concern",
    (RecordKind.CONCERN, Act.KEEP_LONGER): "Only a safeguarding lead can decide what happens to this concern",
    (RecordKind.CONTACT_REQUEST, Act.REDACT): BY_RETENTION,
    (RecordKind.DECLARATION, Act.REDACT): BY_RETENTION,
    (RecordKind.CONTACT_REQUEST, Act.ASK_LEADERSHIP): "Only the person who asked can send this question to leadership",
    (RecordKind.CONTACT_REQUEST, Act.DECIDE): "Only the leadership team can decide this, and nobody decides their own",
    (RecordKind.CONTACT_REQUEST, Act.VIEW_DETAILS): "A contact question's details are open to the leadership team only",
    (RecordKind.DECLARATION, Act.ACKNOWLEDGE): "Only the leadership team can acknowledge a declaration, and nobody "
    "acknowledges their own",
    (RecordKind.DECLARATION, Act.RECONFIRM): "Only the person who declared this can re-confirm it",
    (RecordKind.REVIEW, Act.MARK_REVIEW_DONE): "Only governors can record the policy review",
    (RecordKind.REVIEW, Act.GET_PACK): "The governors' pack is sent to governors only",
}

WHAT: dict[RecordKind, str] = {
    RecordKind.CONCERN: "concern",
    RecordKind.CONTACT_REQUEST: "contact question",
    RecordKind.DECLARATION: "declaration",
    RecordKind.REVIEW: "policy review",
}


def not_yours(kind: RecordKind, act: Act) -> str:
    return f"{WHO_MAY.get((kind, act), 'This is not yours to do')}. {RECORDED}"


def not_found(kind: RecordKind) -> str:
    return f"That {WHAT[kind]} could not be found."


def refusal(result: Result, command: Command) -> str | None:
    """The sentence for the person when the command was refused or its record is missing; None otherwise."""
    if isinstance(result, Refused):
        return not_yours(command.kind, command.act)
    if isinstance(result, Missing):
        return not_found(command.kind)
    return None
