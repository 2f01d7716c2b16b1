"""The /check-contact modal and what replaces it: the policy's answer with its sentences, or "sent to leadership";
and the self-declaration form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
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
from bot.payload import state_values
from bot.text import escape
from bot.views.contact_words import CHANNEL_LABELS, PERSON_LABELS
from bot.views.report_form import platform_inputs
from bot.views.state import selected, typed
from flows.contact import Answer, Channel, ContactQuestion, Person, Verdict
from flows.contact_requests import DESCRIBED_MAX, Relationship, check_described
from flows.platforms import OTHER, Platforms, check_choice

_TRI = [("yes", "Yes"), ("no", "No"), ("unknown", "I don't know")]
HEADLINES = {
    Verdict.PERMITTED: ":white_check_mark: *Yes: the policy permits this.*",
    Verdict.NOT_PERMITTED: ":no_entry: *No: the policy does not permit this.*",
    Verdict.REFER: ":raising_hand: *Leadership must decide.* The policy says a member of the leadership team decides "
    "where there is doubt.",
}


def _radio(block_id: str, label: str, options: list[tuple[str, str]], optional: bool = False) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=RadioButtonsElement(
            action_id=block_id + ids.INPUT, options=[Option(value=v, label=text) for v, text in options]
        ),
    )


def _described(label: str, optional: bool) -> InputBlock:
    return InputBlock(
        block_id=ids.DESCRIBED,
        label=label,
        optional=optional,
        hint="A name or initials and how you know them. Leadership sees this; it lets a permission be recognised "
        "when you ask again.",
        element=PlainTextInputElement(action_id=ids.DESCRIBED + ids.INPUT, max_length=DESCRIBED_MAX),
    )


@cache
def check_form(platforms: Platforms) -> dict[str, Any]:
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Ask whether a contact is acceptable under section 6 of the policy. Only you see the answer."
            ),
            accessory=ButtonElement(action_id=ids.OPEN_DECLARE, text="Declare a connection instead"),
        ),
        _radio(ids.PERSON, "Who is it?", [(p.value, PERSON_LABELS[p]) for p in Person]),
        _radio(ids.CHANNEL, "What would you like to do?", [(c.value, CHANNEL_LABELS[c]) for c in Channel]),
        *platform_inputs(platforms, "On which platform or app? (for social media and messaging)", optional=True),
        _radio(ids.UNDER_18, "Are they under 18?", _TRI),
        _radio(ids.FAMILY, "Are they your family or a close family friend?", _TRI),
        _radio(ids.FRIEND, "Were you personal friends before the school connection?", _TRI),
        _described("Who is it, in a few words?", optional=True),
    ]
    return View(
        type="modal",
        callback_id=ids.CHECK_VIEW,
        title=PlainTextObject(text="Check a contact"),
        submit=PlainTextObject(text="Check"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    ).to_dict()


def _tri(values: dict[str, Any], block_id: str) -> bool | None:
    return {"yes": True, "no": False}.get(selected(values, block_id) or "unknown")


@dataclass(frozen=True)
class Asked:
    """A /check-contact form as submitted: the question for the policy, and what it says of who and where."""

    question: ContactQuestion | None
    described: str
    platform: str | None
    platform_other: str
    errors: dict[str, str]


def parse_check(view: dict[str, Any], platforms: Platforms) -> Asked:
    values = state_values(view)
    errors: dict[str, str] = {}
    platform, other = selected(values, ids.PLATFORM), typed(values, ids.PLATFORM_OTHER)
    problem = check_choice(platforms, platform, other) if platform or other.strip() else None
    if problem:
        errors[ids.PLATFORM_OTHER if platforms.may_choose(platform) else ids.PLATFORM] = problem
    person, channel = selected(values, ids.PERSON), selected(values, ids.CHANNEL)
    if person not in Person._value2member_map_:
        errors[ids.PERSON] = "Choose who the contact is with."
    if channel not in Channel._value2member_map_:
        errors[ids.CHANNEL] = "Choose what you would like to do."
    for block_id in (ids.UNDER_18, ids.FAMILY, ids.FRIEND):
        if selected(values, block_id) is None:
            errors[block_id] = "Choose one ('I don't know' is fine)."
    described = typed(values, ids.DESCRIBED)
    problem = check_described(described, required=False)
    if problem:
        errors[ids.DESCRIBED] = problem
    other = other.strip() if platform == OTHER else ""
    if errors or person is None or channel is None:
        return Asked(None, described, platform, other, errors)
    question = ContactQuestion(
        person=Person(person),
        channel=Channel(channel),
        under_18=_tri(values, ids.UNDER_18),
        family_or_close_family_friend=_tri(values, ids.FAMILY),
        existing_personal_friend=_tri(values, ids.FRIEND),
    )
    return Asked(question, described, platform, other, errors)


def _policy_blocks(answer: Answer) -> list[Block]:
    reasons = "\n".join(f"• {escape(reason)}" for reason in answer.reasons)
    quotes = "\n".join(f"> {escape(quote)}" for quote in answer.quotes)
    sections = ", ".join(answer.citations)
    return [
        SectionBlock(text=MarkdownTextObject(text=f"*Why*\n{reasons}"[:2990])),
        SectionBlock(text=MarkdownTextObject(text=f"*The policy, section {sections}*\n{quotes}"[:2990])),
    ]


def answer_view(answer: Answer, check_id: int, permission_line: str | None, described: str = "x") -> View:
    headline = permission_line or HEADLINES[answer.verdict]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=headline)), *_policy_blocks(answer)]
    if permission_line is None and answer.verdict is Verdict.REFER and not described.strip():
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="To ask leadership, check again and say who it is (a name or initials and how you know "
                        "them): leadership cannot decide about someone unnamed. Until then, treat the answer as no."
                    )
                ]
            )
        )
    elif permission_line is None and answer.verdict is Verdict.REFER:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=ids.ASK_LEADERSHIP, text="Ask leadership", value=str(check_id), style="primary"
                    )
                ]
            )
        )
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text="Until leadership decides, treat the answer as no. You will get a message.")
                ]
            )
        )
    return View(
        type="modal",
        callback_id=ids.CHECK_ANSWER_VIEW,
        title=PlainTextObject(text="The policy's answer"),
        close=PlainTextObject(text="Done"),
        blocks=blocks,
    )


def sent_view() -> View:
    return View(
        type="modal",
        callback_id=ids.CHECK_ANSWER_VIEW,
        title=PlainTextObject(text="Sent to leadership"),
        close=PlainTextObject(text="Done"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Your question is with the leadership team. You will get a message with their decision; "
                    "until then, treat the answer as no."
                )
            )
        ],
    )


def declare_form() -> View:
    return View(
        type="modal",
        callback_id=ids.DECLARE_VIEW,
        title=PlainTextObject(text="Declare a connection"),
        submit=PlainTextObject(text="Declare"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Tell leadership ahead of time about a connection with a pupil or a pupil's family "
                    '("my niece is in Year 9", "my neighbour\'s child is a pupil"). You will be asked to '
                    "re-confirm it each year."
                )
            ),
            _radio(ids.PERSON, "Who is it?", [(p.value, PERSON_LABELS[p]) for p in Person]),
            _radio(ids.RELATIONSHIP, "How are you connected?", [(r.value, r.label) for r in Relationship]),
            _described("Who is it, in a few words?", optional=False),
        ],
    )


def parse_declaration(view: dict[str, Any]) -> tuple[Person | None, Relationship | None, str, dict[str, str]]:
    values = state_values(view)
    errors: dict[str, str] = {}
    person, relationship = selected(values, ids.PERSON), selected(values, ids.RELATIONSHIP)
    if person not in Person._value2member_map_:
        errors[ids.PERSON] = "Choose who the connection is with."
    if relationship not in Relationship._value2member_map_:
        errors[ids.RELATIONSHIP] = "Choose how you are connected."
    described = typed(values, ids.DESCRIBED)
    problem = check_described(described, required=True)
    if problem:
        errors[ids.DESCRIBED] = problem
    if errors or person is None or relationship is None:
        return None, None, described, errors
    return Person(person), Relationship(relationship), described, errors


def declared_view(confirm_by: date) -> View:
    return View(
        type="modal",
        callback_id=ids.DECLARE_VIEW + "_done",
        title=PlainTextObject(text="Connection declared"),
        close=PlainTextObject(text="Done"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Thank you: your declaration is stored and has gone to the leadership team to acknowledge. "
                    f"It appears in your App Home; please re-confirm it by {confirm_by:%d %B %Y}."
                )
            )
        ],
    )
