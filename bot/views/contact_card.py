"""What leadership sees of contact questions and declarations: the request post with Approve / Decline, the
decision modal, the declaration post with Acknowledge; and what the member of staff is told."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import ids
from bot.payload import metadata, numbers, state_values
from bot.text import escape, mention, when
from bot.views import concern_words
from bot.views.contact_words import PERSON_LABELS, question_phrase, tri_state
from bot.views.state import selected, selected_date, typed
from flows.contact import Answer, Channel, Person
from flows.contact_requests import DECISION_NOTE_MAX, Decision, Relationship, RequestStatus
from storage.models import AuditEntry, ContactCheck, ContactPermission, Declaration


def reference(check: ContactCheck) -> str:
    return f"CQ-{check.id:04d}"


def _described(text: str) -> list[Block]:
    if not text.strip():
        return []
    return [SectionBlock(text=PlainTextObject(text=f"As described: {text.strip()}", emoji=False))]


def request_fallback(check: ContactCheck) -> str:
    return f"Contact question {reference(check)}: {RequestStatus(check.request_status).value}"


def request_blocks(
    check: ContactCheck, answer: Answer, permission: ContactPermission | None, platform: str = ""
) -> list[Block]:
    """The question's post; `platform`: where, as people read it ('' when not said)."""
    person, channel = Person(check.person), Channel(check.channel)
    status = RequestStatus(check.request_status)
    facts = (
        f"{mention(check.asked_by)} asks whether they may {question_phrase(person, channel, escape(platform))}.\n"
        f"*Under 18:* {tri_state(check.under_18)} · *Family or close family friend:* "
        f"{tri_state(check.family_or_close_family_friend)} · *Personal friend before:* "
        f"{tri_state(check.existing_personal_friend)}"
    )
    reasons = "\n".join(f"• {escape(r)}" for r in answer.reasons)
    if status is RequestStatus.PENDING:
        state = "*Waiting for a decision*"
    elif status is RequestStatus.APPROVED and permission is not None:
        state = (
            f"*Approved* by {mention(check.decided_by or '')} {when(check.decided_at)} "  # type: ignore[arg-type]
            f"· review on {permission.review_on:%d %b %Y}"
        )
    else:
        state = f"*{status.value.capitalize()}* by {mention(check.decided_by or '')}"
    blocks: list[Block] = [
        HeaderBlock(text=f"Contact question {reference(check)}"),
        SectionBlock(text=MarkdownTextObject(text=facts)),
        *_described(check.person_described),
        SectionBlock(
            text=MarkdownTextObject(text=f"*The policy (section {', '.join(answer.citations)})*\n{reasons}"[:2990])
        ),
        SectionBlock(text=MarkdownTextObject(text=state)),
    ]
    if status is not RequestStatus.PENDING:
        details = ButtonElement(action_id=ids.CONTACT_DETAILS, text="View details", value=str(check.id))
        blocks.append(ActionsBlock(block_id=f"contact_{check.id}", elements=[details]))
    if status is RequestStatus.PENDING:
        value = f"{check.id}:{check.version}"
        blocks.append(
            ActionsBlock(
                block_id=f"contact_{check.id}",
                elements=[
                    ButtonElement(
                        action_id=ids.APPROVE,
                        text="Approve",
                        value=value,
                        style="primary",
                        confirm=ConfirmObject(
                            title="Approve this contact?",
                            text="It becomes a standing permission for a year. Use Decide with a note to set "
                            "another review date.",
                            confirm="Approve",
                            deny="Cancel",
                        ),
                    ),
                    ButtonElement(action_id=ids.DECLINE, text="Decline", value=value, style="danger"),
                    ButtonElement(action_id=ids.DECIDE_WITH_NOTE, text="Decide with a note…", value=value),
                ],
            )
        )
    return blocks


def details(check: ContactCheck, events: list[AuditEntry], platform: str) -> View:
    """View details of a contact question, for leadership: the question, the decision, each note under who wrote it
    and when, and the trail in sentences."""
    person, channel = Person(check.person), Channel(check.channel)
    asked = (
        f"*{reference(check)}*: {mention(check.asked_by)} asked {when(check.asked_at)} whether they may "
        f"{question_phrase(person, channel, escape(platform))}.\n*Now:* {RequestStatus(check.request_status).value}"
    )
    noted = [e for e in events if e.note.strip()]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=asked)), *_described(check.person_described)]
    for event in noted[-20:]:
        said = f"{mention(event.actor_id)} {concern_words.what_was_done(event.action, event.detail)}, {when(event.at)}:"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=said)]))
        blocks.append(SectionBlock(text=PlainTextObject(text=event.note.strip(), emoji=False)))
    trail = [
        f"{when(e.at, '{date_short} {time}')}: {mention(e.actor_id) if e.actor_id[:1] in 'UW' else e.actor_id} "
        f"{concern_words.what_was_done(e.action, e.detail)}"
        for e in events[-15:]
    ]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="*Audit trail*\n" + "\n".join(trail))]))
    return View(
        type="modal",
        callback_id=ids.CONTACT_DETAILS_VIEW,
        title=PlainTextObject(text=reference(check)),
        close=PlainTextObject(text="Close"),
        blocks=blocks,
    )


def decision_form(check: ContactCheck, review_on: date) -> View:
    return View(
        type="modal",
        callback_id=ids.DECIDE_VIEW,
        private_metadata=f"{check.id}:{check.version}",
        title=PlainTextObject(text=f"Decide {reference(check)}"),
        submit=PlainTextObject(text="Decide"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            *_described(check.person_described),
            InputBlock(
                block_id=ids.DECISION,
                label="Decision",
                element=RadioButtonsElement(
                    action_id=ids.DECISION + ids.INPUT,
                    options=[Option(value="approve", label="Approve"), Option(value="decline", label="Decline")],
                ),
            ),
            InputBlock(
                block_id=ids.REVIEW_ON,
                label="Review the permission on",
                hint="An approval is a standing permission until this date.",
                element=DatePickerElement(action_id=ids.REVIEW_ON + ids.INPUT, initial_date=review_on.isoformat()),
            ),
            InputBlock(
                block_id=ids.NOTE,
                label="Note",
                optional=True,
                hint="The member of staff sees this note with the decision, and the leadership team in View details.",
                element=PlainTextInputElement(
                    action_id=ids.NOTE + ids.INPUT, multiline=True, max_length=DECISION_NOTE_MAX
                ),
            ),
        ],
    )


def parse_decision(view: dict[str, Any]) -> tuple[int, int, Decision | None, date | None, str]:
    check_id, version = numbers(metadata(view), 2, "view.private_metadata")
    values = state_values(view)
    choice = selected(values, ids.DECISION)
    picked = selected_date(values, ids.REVIEW_ON)
    try:
        review_on = date.fromisoformat(picked) if picked else None
    except ValueError:
        review_on = None
    decision = Decision(choice) if choice is not None and choice in Decision._value2member_map_ else None
    return check_id, version, decision, review_on, typed(values, ids.NOTE)


def decision_message(check: ContactCheck, permission: ContactPermission | None, note: str, platform: str = "") -> str:
    phrase = question_phrase(Person(check.person), Channel(check.channel), escape(platform))
    described = f" ({escape(check.person_described)})" if check.person_described else ""
    if permission is not None:
        text = (
            f"Leadership *approved* your contact question {reference(check)}: you may {phrase}{described}. "
            f"This is a standing permission until {permission.review_on:%d %B %Y}; it is in your App Home."
        )
    else:
        text = f"Leadership *declined* your contact question {reference(check)}: please do not {phrase}{described}."
    if note.strip():
        text += f"\nTheir note: {escape(note.strip())}"
    return text


def declaration_fallback(row: Declaration) -> str:
    return f"Declared connection D-{row.id:04d}: {row.status}"


def declaration_blocks(row: Declaration) -> list[Block]:
    relationship = Relationship(row.relationship).label.lower()
    lines = (
        f"{mention(row.staff_id)} declares a connection: *{relationship}*, "
        f"{PERSON_LABELS[Person(row.person)].lower()}.\n*Re-confirm by:* {row.confirm_by:%d %b %Y}"
    )
    blocks: list[Block] = [
        HeaderBlock(text=f"Declared connection D-{row.id:04d}"),
        SectionBlock(text=MarkdownTextObject(text=lines)),
        *_described(row.person_described),
    ]
    if row.acknowledged_by:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*Acknowledged* by {mention(row.acknowledged_by)} {when(row.acknowledged_at)}"  # type: ignore[arg-type]
                )
            )
        )
    else:
        blocks.append(
            ActionsBlock(
                block_id=f"declaration_{row.id}",
                elements=[
                    ButtonElement(
                        action_id=ids.ACKNOWLEDGE_DECLARATION,
                        text="Acknowledge",
                        value=f"{row.id}:{row.version}",
                        style="primary",
                    )
                ],
            )
        )
    return blocks
