"""The form that asks a person who works at several of a trust's schools (a peripatetic teacher) which one a report
or a question is for; the chosen school's own form then takes its place (bot.listeners.schools)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, Option, PlainTextObject, SectionBlock
from slack_sdk.models.blocks.block_elements import StaticSelectElement
from slack_sdk.models.views import View

from bot import ids
from flows.which_school import Place

# What a person at several schools may ask for before saying which school (kept in the chooser's private_metadata).
WHAT = {
    ids.REPORT_COMMAND: "report a concern",
    ids.CHECK_COMMAND: "check a contact",
    ids.DECLARE_VIEW: "declare a connection",
}
SEEN = {  # who sees it, where that is true of every one
    ids.REPORT_COMMAND: " Only that school's leadership will see it.",
    ids.DECLARE_VIEW: " That school's leadership will see it.",
}
FROM_HOME = {
    ids.HOME_CHECK: ids.CHECK_COMMAND,
    ids.HOME_DECLARE: ids.DECLARE_VIEW,
}  # a Home of several schools' buttons


def form(places: Sequence[Place], command: str) -> View:
    """`command`: what was asked for (WHAT), kept in the form (private_metadata) to open its own form next."""
    return View(
        type="modal",
        callback_id=ids.PICK_SCHOOL_VIEW,
        private_metadata=command,
        title=PlainTextObject(text="Which school?"),
        submit=PlainTextObject(text="Next"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"You work at more than one of the trust's schools. Which school do you want to "
                    f"{WHAT.get(command, 'use policybot')} for?" + SEEN.get(command, "")
                )
            ),
            InputBlock(
                block_id=ids.SCHOOL,
                label="School",
                element=StaticSelectElement(
                    action_id=ids.SCHOOL + ids.INPUT,
                    options=[Option(value=place.key, label=place.name[:75]) for place in places],
                ),
            ),
        ],
    )
