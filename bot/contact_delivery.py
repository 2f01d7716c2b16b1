"""Getting contact requests and declarations in front of leadership, and keeping their posts current.

As with concerns, the row is stored first; posting is claimed in the database, and a post Slack refused is made
later by the delivery job: a request is never left pending with nobody knowing of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.slack_api import SLACK_FAILURES, is_permanent, quietly, slack_reason
from bot.views import contact_card
from flows.contact import RuleSet, assess
from storage.checks import CheckStore, question_of
from storage.models import ContactCheck, Declaration
from storage.posts import PostStore

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)


class ContactDelivery:
    def __init__(
        self,
        settings: Settings,
        checks: CheckStore,
        posts: PostStore,
        rules: RuleSet,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.checks = checks
        self.posts = posts
        self.rules = rules
        self.client = client
        self.clock = clock

    def post(self, model: type[ContactCheck] | type[Declaration], row_id: int) -> bool:
        """Post one request or declaration to the leadership channel, if nobody has. True when posted."""
        row = self.posts.claim_post(model, row_id, self.clock(), CLAIM_LEASE)
        if row is None:
            return False
        text, blocks = self.drawing(row)
        try:
            posted = self.client.chat_postMessage(channel=self.settings.leadership_channel_id, text=text, blocks=blocks)
        except SLACK_FAILURES as error:
            self.posts.record_post(model, row_id, None, None)
            log.warning(
                "%s %s not posted (%s); the delivery job tries again", model.__name__, row_id, type(error).__name__
            )
            return False
        self.posts.record_post(model, row_id, posted["channel"], posted["ts"])
        return True

    def post_due(self) -> int:
        """The delivery job: posts Slack refused earlier, and decisions the member of staff has not been told."""
        posted = sum(self.post(model, row_id) for model, row_id in self.posts.due_posts(self.clock()))
        return posted + sum(self.tell_decision(check_id) for check_id in self.posts.decisions_to_tell())

    def tell_decision(self, check_id: int) -> bool:
        """Tell the member of staff what leadership decided, once; if Slack refuses, the delivery job tries again."""
        if not self.posts.take_telling(check_id):
            return False  # told already, or another process is telling
        check = self.checks.check(check_id)
        if check is None:
            return False
        granted = self.checks.permission_of(check_id)
        text = contact_card.decision_message(check, granted, self.checks.decision_note(check_id))
        try:
            self.client.chat_postMessage(channel=check.asked_by, text=text)
        except SLACK_FAILURES as error:
            if not (isinstance(error, SlackApiError) and is_permanent(error)):
                self.posts.take_telling(check_id, pending=True)  # back, for the next pass
            log.warning("contact check %s: decision not told (%s)", check_id, slack_reason(error))
            return False
        return True

    def drawing(self, row: ContactCheck | Declaration) -> tuple[str, list[Any]]:
        if isinstance(row, Declaration):
            return contact_card.declaration_fallback(row), contact_card.declaration_blocks(row)
        granted = self.checks.permission_of(row.id) if row.id is not None else None
        answer = assess(question_of(row), self.rules)
        return contact_card.request_fallback(row), contact_card.request_blocks(row, answer, granted)

    def redraw(self, row: ContactCheck | Declaration) -> None:
        channel, ts = row.post_channel, row.post_ts
        if not (channel and ts):
            return
        text, blocks = self.drawing(row)
        quietly(
            f"{type(row).__name__} {row.id}: redraw",
            lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
        )

    def tell(self, user: str, text: str) -> None:
        quietly("a contact message", lambda: self.client.chat_postMessage(channel=user, text=text))
