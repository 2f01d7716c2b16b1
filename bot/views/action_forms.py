"""The Escalate and Resolve modals a leader fills in, and parsing what they chose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.payload import metadata, numbers, state_values
from bot.views.state import selected, typed
from flows.concerns import NOTE_MAX, check_note
from flows.escalation import LADO_HINT
from flows.permissions import Act
from flows.taxonomy import EscalationTarget, Outcome
from storage.models import Concern


@dataclass(frozen=True)
class ActionForm:
    concern_id: int
    version: int
    choice: str | None
    note: str


_FORMS = {
    Act.ESCALATE: (ids.ESCALATE_VIEW, ids.TARGET, "Escalate to", EscalationTarget, "Escalate"),
    Act.RESOLVE: (ids.RESOLVE_VIEW, ids.OUTCOME, "Outcome", Outcome, "Resolve"),
}


# What the note is for, and who reads it (bot.views.details shows it; the escalation DM carries it).
NOTE_HINTS = {
    Act.ESCALATE: "Shown, with your name, to whoever you escalate it to and to those who may open its details. "
    "Never to the reporter, never in the channel.",
    Act.RESOLVE: "Shown, with your name, to those who may open its details. Never to the reporter, never in the "
    "channel.",
}


def build(act: Act, concern: Concern, offered: list[tuple[str, str]] | None = None) -> View:
    """The form; `offered`: the escalation targets this leader may choose, as (value, label), from the permission
    table (flows.escalation.targets): the form only shows them."""
    callback_id, block_id, label, choices, verb = _FORMS[act]
    names_staff = concern.involved_staff_id is not None
    every = [(c.value, c.label) for c in choices]  # type: ignore[attr-defined]
    options = offered if act is Act.ESCALATE and offered is not None else every
    return View(
        type="modal",
        callback_id=callback_id,
        private_metadata=f"{concern.id}:{concern.version}",
        title=PlainTextObject(text=f"{verb} {concern.reference}"),
        submit=PlainTextObject(text=verb),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            InputBlock(
                block_id=block_id,
                label=label,
                element=RadioButtonsElement(
                    action_id=block_id + ids.INPUT,
                    options=[Option(value=value, label=text) for value, text in options],
                ),
                hint=LADO_HINT if act is Act.ESCALATE and names_staff else None,
            ),
            InputBlock(
                block_id=ids.NOTE,
                label="Why (your note)",
                element=PlainTextInputElement(action_id=ids.NOTE + ids.INPUT, multiline=True, max_length=NOTE_MAX),
                hint=NOTE_HINTS[act],
                optional=True,
            ),
        ],
    )


def parse(act: Act, view: dict[str, Any]) -> ActionForm:
    concern_id, version = numbers(metadata(view), 2, "view.private_metadata")
    _, block_id, _, _, _ = _FORMS[act]
    values = state_values(view)
    return ActionForm(concern_id, version, selected(values, block_id), typed(values, ids.NOTE))


def errors(act: Act, form: ActionForm) -> dict[str, str]:
    _, block_id, label, choices, _ = _FORMS[act]
    found: dict[str, str] = {}
    if form.choice not in choices._value2member_map_:  # type: ignore[attr-defined]
        found[block_id] = f"Choose one: {label.lower()}."
    problem = check_note(form.note)
    if problem:
        found[ids.NOTE] = problem
    return found


def choice_block(act: Act) -> str:
    return _FORMS[act][1]
