"""What people must be told when a record is stored or changes, drawn as outbox messages: a concern's alerts, post
and receipt, its redraws, the reporter's updates and the escalation DMs; a contact request's and a declaration's
post, redraws and the member of staff's answer. Drawing only: storage writes these in the same transaction as the
change (storage.outbox), and bot.delivery sends them. Who is told is flows.permissions' answer, through the directory.

Each message's key says what it is, so that the same message is never written twice: a retried change finds its
key taken. A redraw's key is the post's own card, replaced by each newer state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot.config import Settings
from bot.directory import Directory
from bot.views import concern_card, concern_words, contact_card, notices
from flows.contact import RuleSet, assess
from flows.escalation import Status, recipients
from flows.permissions import POLICYBOT, Act, Placement, RecordKind, who
from flows.taxonomy import EscalationTarget
from storage.contact_checks import question_of
from storage.models import Concern, ContactCheck, ContactPermission, Declaration, Send
from storage.outbox_messages import Message, card_key, home_key, post_key
from storage.records import facts
from storage.retention import REDACTED


def drawn(blocks: Sequence[Block | dict[str, Any]]) -> str:
    """Block Kit as the outbox keeps it (JSON)."""
    return json.dumps([b.to_dict() if isinstance(b, Block) else b for b in blocks])


MOST_REDRAWN = 25  # Homes redrawn after one change (views.publish is rate limited); the rest, when next opened
SETTLE = timedelta(seconds=1)  # others' Homes wait this long after a change: a busy minute's are drawn together
# Whose Home shows a record: whoever may act on it or decide it, is told of it, holds its safeguarding queue or
# sees its patterns (the permission table says who, record by record).
SHOWN_TO = (
    Act.RESOLVE,
    Act.VIEW_DETAILS,
    Act.DECIDE,
    Act.ACKNOWLEDGE,
    Act.TOLD_OF_CHANGES,
    Act.ESCALATED_TO_SAFEGUARDING,
    Act.SEE_PATTERNS,
)


class Telling:
    def __init__(self, settings: Settings, directory: Directory, rules: RuleSet) -> None:
        self.settings = settings
        self.directory = directory
        self.rules = rules

    # --- concerns -------------------------------------------------------------------------------------------------

    def concern_stored(self, concern: Concern) -> list[Message]:
        """Safeguarding alerts first (the most urgent), then the post, then the reporter's receipt. A post to the
        leadership channel goes to the headteacher by DM if the channel is gone for good."""
        assert concern.id is not None
        subject = (RecordKind.CONCERN, concern.id)
        messages = []
        if concern.safeguarding:  # the school's leads, then the trust's (told only that it came, and where)
            for act, name, (text, blocks) in (
                (Act.ALERT, "alert", notices.safeguarding_alert(concern)),
                (Act.TRUST_ALERT, "trust-alert", notices.safeguarding_reported_at(concern, self.settings.school_name)),
            ):
                for lead in sorted(self.directory.who(facts(concern), act)):
                    messages.append(Message(f"concern:{concern.id}:{name}:{lead}", subject, lead, text, drawn(blocks)))
        direct = concern.route_kind == Placement.DIRECT
        channel = (concern.route_recipient or self.settings.headteacher_id) if direct else None
        messages.append(
            Message(
                post_key(RecordKind.CONCERN, concern.id),
                subject,
                channel or self.settings.leadership_channel_id,
                *self.card(concern),
                fallback=None if direct else self.settings.headteacher_id,
            )
        )
        text, blocks = self.receipt(concern)
        messages.append(Message(f"concern:{concern.id}:receipt", subject, concern.reporter_id, text, drawn(blocks)))
        return messages

    def receipt(self, concern: Concern) -> tuple[str, list[Block]]:
        """The reporter's receipt: who has it now, by role, and what to do meanwhile (in the DM and the form)."""
        people, record = self.directory.people(), facts(concern)
        told = concern.reporter_id in self.directory.who(record, Act.TOLD_OF_CHANGES)
        holder = concern_words.holder(people, record)
        return notices.receipt(concern, self.settings.platforms, holder, told_of_changes=told)

    def card(self, concern: Concern) -> tuple[str, str]:
        """The concern's post as it stands: its notification text and blocks, saying why it came to whoever has it
        when it was placed with one person."""
        people, record = self.directory.people(), facts(concern)
        why = concern_words.why_direct(people, record) if record.placement is Placement.DIRECT else None
        platform = self.settings.platforms.label(concern.platform)
        blocks = concern_card.blocks(concern, platform, self._alerted(concern), why)
        return concern_card.fallback(concern), drawn(blocks)

    def _alerted(self, concern: Concern) -> bool:
        """The safeguarding lead(s) are alerted directly (never a lead the concern names)."""
        return concern.safeguarding and bool(self.directory.who(facts(concern), Act.ALERT))

    def concern_redrawn(self, concern: Concern) -> list[Message]:
        """The post as the concern stands now (replacing any older drawing not yet sent)."""
        assert concern.id is not None
        return [
            Message(
                card_key(RecordKind.CONCERN, concern.id),
                (RecordKind.CONCERN, concern.id),
                self.settings.leadership_channel_id,
                *self.card(concern),
                send=Send.UPDATE,
                thread_of=post_key(RecordKind.CONCERN, concern.id),
            )
        ]

    def concern_changed(self, concern: Concern, note: str = "") -> list[Message]:
        """Once a concern has moved: the post, the reporter (never the note), and whoever it was escalated to, with
        the note (never the person involved, nor the leader who escalated)."""
        assert concern.id is not None
        subject, version = (RecordKind.CONCERN, concern.id), concern.version
        messages = self.concern_redrawn(concern)
        update = notices.status_update(concern, concern_words.handled_by(self.directory.people(), facts(concern)))
        for reporter in sorted(self.directory.who(facts(concern), Act.TOLD_OF_CHANGES)):
            messages.append(Message(f"concern:{concern.id}:told:{version}:{reporter}", subject, reporter, update))
        target = EscalationTarget(concern.escalated_to) if concern.escalated_to else None
        if concern.status == Status.ESCALATED and target is not None and concern.last_actor_id:
            people, record = self.directory.people(), facts(concern)
            reached = recipients(people, record, target, concern.last_actor_id)
            label = concern_words.target_label(target, people, reached)
            text, blocks = notices.escalated_to_you(concern, concern.last_actor_id, label, note)
            shown = "sent_note" if note.strip() else ""
            for user in sorted(reached):
                key = f"concern:{concern.id}:escalated:{version}:{user}"
                messages.append(Message(key, subject, user, text, drawn(blocks), audited_as=shown))
        return messages

    # --- App Homes ----------------------------------------------------------------------------------------------------

    def homes(self, row: Any, actor: str, now: datetime) -> list[Message]:
        """The App Homes that show `row` (as it is now), each drawn by the sender once: the person who changed it at
        once, the others a moment later (SETTLE), so that a busy minute's changes are drawn together."""
        first = {actor} - {POLICYBOT}
        if not isinstance(row, Concern | ContactCheck | Declaration):
            return self.home_messages(first, now)
        people, record = self.directory.people(), facts(row)
        shown: set[str] = set().union(*(who(people, record, act) for act in SHOWN_TO))
        others = sorted(shown - {actor, POLICYBOT, REDACTED})[: MOST_REDRAWN - 1]
        return self.home_messages(first, now) + self.home_messages(set(others), now + SETTLE)

    @staticmethod
    def home_messages(people: set[str], due: datetime) -> list[Message]:
        return [Message(home_key(user), None, user, "", send=Send.HOME, due=due) for user in sorted(people)]

    # --- contact requests and declarations ------------------------------------------------------------------------

    def where(self, check: ContactCheck) -> str:
        """The platform a contact question is on, as people read it ('' when it was not said)."""
        return self.settings.platforms.label(check.platform, check.platform_other) if check.platform else ""

    def request_drawing(self, check: ContactCheck, granted: ContactPermission | None) -> tuple[str, str]:
        answer = assess(question_of(check), self.rules)
        blocks = contact_card.request_blocks(check, answer, granted, self.where(check))
        return contact_card.request_fallback(check), drawn(blocks)

    def declaration_drawing(self, row: Declaration) -> tuple[str, str]:
        return contact_card.declaration_fallback(row), drawn(contact_card.declaration_blocks(row))

    def posted(self, kind: RecordKind, record_id: int, drawing: tuple[str, str]) -> list[Message]:
        """A contact request or a declaration, to the leadership channel."""
        channel = self.settings.leadership_channel_id
        return [Message(post_key(kind, record_id), (kind, record_id), channel, *drawing)]

    def redrawn(self, kind: RecordKind, record_id: int, drawing: tuple[str, str]) -> list[Message]:
        channel = self.settings.leadership_channel_id
        key, post = card_key(kind, record_id), post_key(kind, record_id)
        return [Message(key, (kind, record_id), channel, *drawing, send=Send.UPDATE, thread_of=post)]

    def request_decided(self, check: ContactCheck, granted: ContactPermission | None, note: str) -> list[Message]:
        """The post shows the decision; the member of staff is told, once."""
        assert check.id is not None
        answer = contact_card.decision_message(check, granted, note, self.where(check))
        told = Message(f"check:{check.id}:decision", (RecordKind.CONTACT_REQUEST, check.id), check.asked_by, answer)
        return [*self.redrawn(RecordKind.CONTACT_REQUEST, check.id, self.request_drawing(check, granted)), told]

    def declaration_acknowledged(self, row: Declaration) -> list[Message]:
        assert row.id is not None
        text = f"Leadership acknowledged your declared connection D-{row.id:04d}."
        told = Message(f"declaration:{row.id}:acknowledged", (RecordKind.DECLARATION, row.id), row.staff_id, text)
        return [*self.redrawn(RecordKind.DECLARATION, row.id, self.declaration_drawing(row)), told]
