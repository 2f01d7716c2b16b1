"""The concern's post in the leadership channel (or a conflict-of-interest DM), redrawn from the database.

It carries the reference, area and kind, platform, roles involved, status and age: never the description,
names or links. Those are shown only through View details.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import ids
from bot.text import mention, when
from flows.escalation import Status, allowed_acts
from flows.permissions import Act, Placement
from flows.taxonomy import Area, EscalationTarget, Kind, Outcome, Role
from storage.models import Concern

_BUTTONS = {
    Act.ACKNOWLEDGE: (ids.ACKNOWLEDGE, "Acknowledge", "primary"),
    Act.ESCALATE: (ids.ESCALATE, "Escalate", None),
    Act.RESOLVE: (ids.RESOLVE, "Resolve", None),
}


def view_details_button(concern: Concern) -> ButtonElement:
    """The one way to a concern's details: the listener checks who may see them and audits every look."""
    return ButtonElement(action_id=ids.VIEW_DETAILS, text="View details", value=str(concern.id))


def title(concern: Concern) -> str:
    kind = "Safeguarding concern" if concern.safeguarding else "Concern"
    return f"{kind} {concern.reference}"


def roles_text(concern: Concern) -> str:
    roles = [Role(r).label for r in concern.roles.split(",") if r]
    return ", ".join(roles) or "Not given"


def status_text(concern: Concern) -> str:
    status = Status(concern.status)
    if status is Status.NEW and concern.route_kind == Placement.DIRECT:
        return "*New*: waiting for you to acknowledge it"  # its post is in its one holder's DM
    if status is Status.NEW:
        return "*New*: waiting for a leader to acknowledge it"
    who = mention(concern.last_actor_id) if concern.last_actor_id else "policybot"
    text = f"*{status.label}* by {who} {when(concern.updated_at)}"
    if status is Status.ESCALATED and concern.escalated_to:
        text += f" (to {EscalationTarget(concern.escalated_to).label})"
    if status is Status.RESOLVED and concern.outcome:
        text += f": {Outcome(concern.outcome).label}"
    return text


def fallback(concern: Concern) -> str:
    """The notification text: no details, just what and how it stands."""
    return f"{title(concern)}: {Area(concern.area).label} / {Kind(concern.kind).label}, {Status(concern.status).value}"


def blocks(concern: Concern, platform: str, alerted: bool = False, why: str | None = None) -> list[Block]:
    """The card; `platform` as people read it (never what was typed for "Other": the channel shows nothing typed);
    `alerted` when the safeguarding lead(s) are alerted directly (bot.telling knows who is); `why` it came to the
    one person it was placed with."""
    facts = (
        f"*Area / kind:* {Area(concern.area).label} · {Kind(concern.kind).label}\n"
        f"*Platform:* {platform}\n"
        f"*Involved:* {roles_text(concern)}\n"
        f"*Reported:* {when(concern.created_at)}\n"
        f"*Status:* {status_text(concern)}"
    )
    header = (":rotating_light: " if concern.safeguarding else "") + title(concern)
    out: list[Block] = [HeaderBlock(text=header), SectionBlock(text=MarkdownTextObject(text=facts))]
    if why:
        out.append(ContextBlock(elements=[MarkdownTextObject(text=why)]))
    if concern.safeguarding:
        out.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="*Safeguarding route.* "
                        + ("The designated safeguarding lead has been alerted. " if alerted else "")
                        + "Details are open only to those handling it."
                    )
                ]
            )
        )
    out.append(buttons(concern))
    return out


def buttons(concern: Concern) -> ActionsBlock:
    """What may be done next, at the version drawn, and View details (on the post and in the App Home)."""
    elements = [
        ButtonElement(
            action_id=_BUTTONS[act][0],
            text=_BUTTONS[act][1],
            value=f"{concern.id}:{concern.version}",
            style=_BUTTONS[act][2],
        )
        for act in allowed_acts(Status(concern.status))
    ]
    elements.append(view_details_button(concern))
    return ActionsBlock(block_id=f"concern_{concern.id}", elements=elements)
