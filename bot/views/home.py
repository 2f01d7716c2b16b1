"""The App Home's frame: the ways in, a member of staff's standing permissions and declared connections, and the
sections for their roles (bot.views.home_roles) in their places."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import ids
from bot.views.contact_words import PERSON_LABELS, question_phrase
from flows.contact import Channel, Person
from flows.contact_requests import RECONFIRM_NOTICE, Relationship
from flows.platforms import Platforms
from storage.models import ContactPermission, Declaration

_MAX_ROWS = 10  # each row is two blocks
MAX_BLOCKS = 100  # Slack's limit for a Home tab


def build(
    permissions: list[ContactPermission],
    declarations: list[Declaration],
    today: date,
    roles: tuple[list[Block], list[Block]] = ([], []),
    platforms: Platforms | None = None,
) -> View:
    """The Home: the ways in, what waits for the viewer (roles[0]), their permissions and declarations, then what is
    theirs and the governors' review (roles[1]); cut at Slack's 100 blocks with a line saying so."""
    return whole(sections(permissions, declarations, today, roles, platforms))


def whole(part: list[Block]) -> View:
    """One school's Home: the ways in, then its part (`sections`)."""
    return View(type="home", blocks=_cut([*frame(), *part]))


def frame() -> list[Block]:
    """The top of every Home: what policybot is, and the ways in."""
    return [
        HeaderBlock(text="policybot"),
        SectionBlock(
            text=MarkdownTextObject(
                text="The staff Social Media Policy, in Slack. `/report-concern` reports misuse privately; "
                "`/check-contact` tells you whether a contact is acceptable."
            )
        ),
        ActionsBlock(
            elements=[
                ButtonElement(action_id=ids.HOME_CHECK, text="Check a contact"),
                ButtonElement(action_id=ids.HOME_DECLARE, text="Declare a connection"),
            ]
        ),
    ]


def several(parts: list[tuple[str, list[Any]]], metadata: str, ways_in: bool = True) -> View:
    """The Home of someone at several of a trust's schools (or the trust's safeguarding lead): the ways in once, then
    each school's part under its name (`parts`: each school's name and its blocks, buttons already carrying its
    key); `metadata` says the view is several schools' (bot.stamps). `ways_in`: False for someone at no school (the
    trust's safeguarding lead): the forms are a school's staff's."""
    blocks: list[Any] = frame() if ways_in else frame()[:1]
    for name, part in parts:
        blocks += [DividerBlock(), *([HeaderBlock(text=name[:150])] if name else []), *part]
    return View(type="home", private_metadata=metadata, blocks=_cut(blocks))


def notice(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def sections(
    permissions: list[ContactPermission],
    declarations: list[Declaration],
    today: date,
    roles: tuple[list[Block], list[Block]] = ([], []),
    platforms: Platforms | None = None,
) -> list[Block]:
    """One school's part of a Home: what waits for the viewer (roles[0]), their permissions and declarations, then
    what is theirs and the governors' review (roles[1])."""
    first, after = roles
    blocks: list[Block] = [
        *first,
        DividerBlock(),
        HeaderBlock(text="Your standing permissions"),
    ]
    if not permissions:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="None yet.")]))
    for permission in permissions[-_MAX_ROWS:]:
        state = "*expired*, ask again" if permission.review_on < today else f"until {permission.review_on:%d %b %Y}"
        where = platforms.label(permission.platform) if platforms and permission.platform else ""
        phrase = question_phrase(Person(permission.person), Channel(permission.channel), where)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"You may {phrase} ({state})")))
        if permission.person_described:
            blocks.append(ContextBlock(elements=[PlainTextObject(text=permission.person_described, emoji=False)]))
    blocks += [DividerBlock(), HeaderBlock(text="Your declared connections")]
    if not declarations:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="None declared.")]))
    for row in declarations[-_MAX_ROWS:]:
        relationship = Relationship(row.relationship).label
        status = "acknowledged" if row.acknowledged_by else "waiting for leadership"
        text = (
            f"*{relationship}*: {PERSON_LABELS[Person(row.person)].lower()} ({status}); "
            f"re-confirm by {row.confirm_by:%d %b %Y}"
        )
        section = SectionBlock(text=MarkdownTextObject(text=text))
        if row.confirm_by - today <= RECONFIRM_NOTICE:
            section = SectionBlock(
                text=MarkdownTextObject(text=text + (" *(overdue)*" if row.confirm_by < today else "")),
                accessory=ButtonElement(action_id=ids.RECONFIRM_DECLARATION, text="Still true", value=str(row.id)),
            )
        blocks.append(section)
        blocks.append(ContextBlock(elements=[PlainTextObject(text=row.person_described, emoji=False)]))
    return blocks + after


def _cut(blocks: list[Any]) -> list[Any]:
    """At most Slack's 100 blocks, the last saying there is more."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    cut = ContextBlock(elements=[MarkdownTextObject(text="There is more than this page can show.")])
    return [*blocks[: MAX_BLOCKS - 1], cut]
