"""What a safeguarding lead is sent when a concern only they may let go of reaches the end of its retention period:
what it is (its reference, the kind of concern, when it was resolved; never what was written), and three buttons:
redact it now, or keep it one or five more years. Once one of them decides, the message says who and what."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import ids
from flows.retention import DEFAULTS, Held

KEEP_FOR = (1, 5)  # the years a lead may keep a concern for, from the day it was due


def ask_text(reference: str, held: Held, resolved_on: date, due_on: date, years: int) -> str:
    return (
        f"Concern {reference} ({held.label}, resolved on {resolved_on:%d %B %Y}) reached the end of its retention "
        f"period on {due_on:%d %B %Y}: {years} years from its resolution. policybot redacts a concern like this only "
        "when a safeguarding lead confirms it."
    )


def ask_blocks(concern_id: int, text: str, held: Held, due_on: date) -> list[Block]:
    value = f"{concern_id}:{due_on.isoformat()}"
    return [
        SectionBlock(text=MarkdownTextObject(text=f"*Retention: your decision*\n{text}")),
        ContextBlock(elements=[MarkdownTextObject(text="Why this period: " + DEFAULTS[held].source)]),
        SectionBlock(
            text=MarkdownTextObject(
                text="Redacting clears every name, id and word typed in it, and deletes policybot's messages about "
                "it; the anonymised facts (when, what kind, the outcome) stay for the governors' figures."
            )
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    action_id=ids.RETENTION_REDACT,
                    text="Redact it now",
                    value=value,
                    style="danger",
                    confirm=ConfirmObject(
                        title="Redact this concern?",
                        text="Its details cannot be brought back.",
                        confirm="Redact it",
                        deny="Cancel",
                    ),
                ),
                *(
                    ButtonElement(
                        action_id=f"{ids.RETENTION_KEEP}_{years}",
                        text=f"Keep it {years} more year{'s' if years > 1 else ''}",
                        value=f"{value}:{years}",
                    )
                    for years in KEEP_FOR
                ),
            ]
        ),
    ]


def kept_blocks(text: str, until: date, by: str) -> list[Block]:
    decided = f"<@{by}> chose to keep it until {until:%d %B %Y}; you will be asked again then."
    return [SectionBlock(text=MarkdownTextObject(text=f"*Retention*\n{text}\n\n{decided}"))]
