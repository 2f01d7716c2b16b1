"""View details: the one place a concern's description, names and links are shown, as plain text, to its viewers,
with the notes leaders wrote with each decision (who wrote it, when) and its trail in sentences."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from bot import ids
from bot.text import escape, mention, when
from bot.views import concern_words
from bot.views.concern_card import roles_text, status_text
from flows.platforms import Platforms
from flows.taxonomy import Area, Kind
from storage.models import AuditEntry, Concern

_TEXT_LIMIT = 2900  # a section's text may hold 3000 characters
MOST_NOTES = 20  # two blocks each, within a modal's 100


def _plain(label: str, text: str) -> list[Block]:
    """What staff typed, as plain text: Slack shows it exactly, never as a mention or a link. Long text is split over
    several sections (each holds 3000 characters), at line breaks where it can be, so nothing is cut off."""
    body = text.strip() or "(none given)"
    chunks: list[str] = []
    while body:
        cut = len(body) if len(body) <= _TEXT_LIMIT else (body.rfind("\n", 0, _TEXT_LIMIT) + 1 or _TEXT_LIMIT)
        chunks.append(body[:cut])
        body = body[cut:]
    return [
        SectionBlock(text=MarkdownTextObject(text=f"*{label}*")),
        *(SectionBlock(text=PlainTextObject(text=chunk, emoji=False)) for chunk in chunks),
    ]


def _actor(actor_id: str) -> str:
    return mention(actor_id) if actor_id[:1] in ("U", "W") else actor_id


def notes(events: list[AuditEntry]) -> list[Block]:
    """Each note typed with a decision, under who wrote it, what they decided and when; the note as plain text."""
    written = [e for e in events if e.note.strip()]
    if not written:
        return []
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="*Notes with the decisions*"))]
    if len(written) > MOST_NOTES:
        earlier = concern_words.plural(len(written) - MOST_NOTES, "earlier note")
        newest = f"The newest {MOST_NOTES}; {earlier} in the export."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=newest)]))
    for event in written[-MOST_NOTES:]:
        said = f"{_actor(event.actor_id)} {concern_words.what_was_done(event.action, event.detail)}, {when(event.at)}:"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=said)]))
        blocks.append(SectionBlock(text=PlainTextObject(text=event.note.strip()[:_TEXT_LIMIT], emoji=False)))
    return blocks


def build(concern: Concern, events: list[AuditEntry], platforms: Platforms) -> View:
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{concern.reference}*: {Area(concern.area).label} · {Kind(concern.kind).label} on "
                f"{escape(platforms.label(concern.platform, concern.platform_other))}\n"
                f"*Reported by* {mention(concern.reporter_id)} "
                f"{when(concern.created_at)}\n*Involved:* {roles_text(concern)}"
                + (f" (staff: {mention(concern.involved_staff_id)})" if concern.involved_staff_id else "")
                + f"\n*Status:* {status_text(concern)}\n*Copy kept:* {'yes' if concern.kept_copy else 'no'}"
            )
        ),
        *_plain("What happened", concern.description),
        *_plain("Names", concern.names),
        *_plain("Links", concern.links),
        DividerBlock(),
        *notes(events),
    ]
    history = [
        f"{when(e.at, '{date_short} {time}')}: {_actor(e.actor_id)} {concern_words.what_was_done(e.action, e.detail)}"
        for e in events[-15:]
    ]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="*Audit trail*\n" + "\n".join(history))]))
    return View(
        type="modal",
        callback_id=ids.DETAILS_VIEW,
        title=PlainTextObject(text=concern.reference),
        close=PlainTextObject(text="Close"),
        blocks=blocks,
    )
