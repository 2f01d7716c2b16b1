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
from flows.escalation import LADO_HINT, Action, targets
from flows.taxonomy import EscalationTarget, Outcome
from storage.models import Concern


@dataclass(frozen=True)
class ActionForm:
    concern_id: int
    version: int
    choice: str | None
    note: str


_FORMS = {
    Action.ESCALATE: (ids.ESCALATE_VIEW, ids.TARGET, "Escalate to", EscalationTarget, "Escalate"),
    Action.RESOLVE: (ids.RESOLVE_VIEW, ids.OUTCOME, "Outcome", Outcome, "Resolve"),
}


def build(action: Action, concern: Concern) -> View:
    callback_id, block_id, label, choices, verb = _FORMS[action]
    names_staff = concern.involved_staff_id is not None
    offered = targets(names_staff) if action is Action.ESCALATE else list(choices)
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
                    options=[Option(value=c.value, label=c.label) for c in offered],  # type: ignore[attr-defined]
                ),
                hint=LADO_HINT if action is Action.ESCALATE and names_staff else None,
            ),
            InputBlock(
                block_id=ids.NOTE,
                label="Note for the audit trail",
                element=PlainTextInputElement(
                    action_id=ids.NOTE + ids.INPUT, multiline=True, max_length=NOTE_MAX + 500
                ),
                hint="Kept in the incident log for governors. The reporter does not see it.",
                optional=True,
            ),
        ],
    )


def parse(action: Action, view: dict[str, Any]) -> ActionForm:
    concern_id, version = numbers(metadata(view), 2, "view.private_metadata")
    _, block_id, _, _, _ = _FORMS[action]
    values = state_values(view)
    return ActionForm(concern_id, version, selected(values, block_id), typed(values, ids.NOTE))


def errors(action: Action, form: ActionForm) -> dict[str, str]:
    _, block_id, label, choices, _ = _FORMS[action]
    found: dict[str, str] = {}
    if form.choice not in choices._value2member_map_:  # type: ignore[attr-defined]
        found[block_id] = f"Choose one: {label.lower()}."
    problem = check_note(form.note)
    if problem:
        found[ids.NOTE] = problem
    return found


def choice_block(action: Action) -> str:
    return _FORMS[action][1]
