"""Direct messages: the reporter's receipt and status updates, and the safeguarding lead's alert.

Like the channel post, they never carry the description, names or links.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ContextBlock, MarkdownTextObject, PlainTextObject, SectionBlock

from bot.text import mention
from bot.views.concern_card import view_details_button
from flows.escalation import Status
from flows.platforms import Platforms, advice
from flows.taxonomy import ILLEGAL_MATERIAL_RULE, Area, Role
from storage.models import Concern

NOT_TOLD_OF_CHANGES = (
    "Because you are named in it, policybot will not send you its progress (nobody is told how a concern about "
    "them is handled): whoever handles it will speak to you."
)


def receipt(
    concern: Concern, platforms: Platforms, holder: str, told_of_changes: bool = True
) -> tuple[str, list[Block]]:
    """The reporter's receipt (in their DM, and in place of the form): who has the concern now, by role
    (concern_words.holder), never the person it names; the progress promised only to a reporter flows.permissions
    will tell of it; Appendix A's advice that fits its area, platform and who is involved."""
    text = f"Your concern {concern.reference} has reached policybot."
    progress = (
        "You will get a message here when it is acknowledged, escalated or resolved."
        if told_of_changes
        else NOT_TOLD_OF_CHANGES
    )
    if concern.safeguarding:
        body = (
            f"*{concern.reference}* is stored and has gone at once to {holder}: expect to be spoken to today.\n\n"
            f":warning: {ILLEGAL_MATERIAL_RULE}"
        )
    else:
        roles = frozenset(Role(r) for r in concern.roles.split(",") if r)
        lines = advice(platforms, concern.platform, Area(concern.area), roles)
        body = (
            f"*{concern.reference}* is stored and has gone to {holder}. {progress}\n\n"
            f"*What to do now (Appendix A of the policy):*\n" + "\n".join(f"• {line}" for line in lines)
        )
    return text, [SectionBlock(text=MarkdownTextObject(text=body))]


def safeguarding_alert(concern: Concern) -> tuple[str, list[Block]]:
    text = f"Safeguarding concern {concern.reference}: speak to the reporter now."
    body = (
        f":rotating_light: *Safeguarding concern {concern.reference}*\n"
        f"Reported by {mention(concern.reporter_id)}: *speak to the reporter now.* "
        "The report says it may involve illegal material or a child at risk."
    )
    return text, [
        SectionBlock(text=MarkdownTextObject(text=body)),
        ActionsBlock(elements=[view_details_button(concern)]),
    ]


def safeguarding_reported_at(concern: Concern, school: str) -> tuple[str, list[Block]]:
    """The trust's safeguarding lead's DM: that a school's safeguarding concern came, and that the school has it;
    never what it says nor whom it names (not even by who was alerted), and no button (the school's people act)."""
    text = f"Safeguarding concern {concern.reference} at {school}."
    body = (
        f":rotating_light: *Safeguarding concern {concern.reference}* was reported at *{school}*. {school}'s "
        "safeguarding team has it; it is in your policybot Home until it is resolved."
    )
    return text, [SectionBlock(text=MarkdownTextObject(text=body))]


def escalated_to_you(concern: Concern, by: str, target: str, note: str) -> tuple[str, list[Block]]:
    """The DM to whoever a concern is escalated to: who sent it and why (their note, as typed), and View details."""
    text = f"Concern {concern.reference} has been escalated to you."
    body = f"Concern *{concern.reference}* has been escalated to you ({target}) by {mention(by)}."
    why: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=f"{mention(by)}'s note:")]),
        SectionBlock(text=PlainTextObject(text=note.strip(), emoji=False)),
    ]
    return text, [
        SectionBlock(text=MarkdownTextObject(text=body)),
        *(why if note.strip() else [ContextBlock(elements=[MarkdownTextObject(text="They left no note.")])]),
        ActionsBlock(elements=[view_details_button(concern)]),
    ]


def status_update(concern: Concern, holder: str = "the leadership team") -> str:
    """What the reporter is told of a status change, naming who has it by role (concern_words.holder): never
    leadership's notes."""
    status = Status(concern.status)
    lines = {
        Status.ACKNOWLEDGED: f"has been acknowledged by {holder}.",
        Status.ESCALATED: f"has been escalated by {holder}.",
        Status.RESOLVED: f"has been resolved by {holder}. Thank you for reporting it.",
    }
    return f"Your concern {concern.reference} {lines.get(status, 'has been updated.')}"
