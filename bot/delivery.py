"""Getting a stored concern in front of people, and keeping its post current.

A concern is stored before anything is sent. Delivery then posts it (to the leadership channel, or by DM on a
conflict-of-interest route), alerts the safeguarding lead(s) where needed and sends the reporter a receipt; each
step is remembered as it succeeds. If Slack fails, the concern stays undelivered and the delivery job tries again:
nothing is lost and no step is sent twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.directory import Directory
from bot.slack_api import SLACK_FAILURES, post_unless_gone, quietly, slack_reason
from bot.views import concern_card, notices
from flows.permissions import Act, Placement
from flows.taxonomy import EscalationTarget
from storage.concerns import ConcernStore
from storage.models import Concern
from storage.records import facts

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)


class Delivery:
    def __init__(
        self,
        settings: Settings,
        store: ConcernStore,
        directory: Directory,
        client: WebClient,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.store = store
        self.directory = directory
        self.client = client
        self.clock = clock
        self._locks_guard = threading.Lock()
        self._locks: dict[int, threading.Lock] = {}
        self._drawn: dict[int, int] = {}  # concern id -> the newest version drawn by this process
        self.last_pass_at: datetime | None = None  # when the delivery job last finished a pass (for /healthz)

    def deliver(self, concern_id: int) -> bool:
        """Deliver one concern if it is due and nobody else is delivering it. True when fully delivered. Never
        raises: what is not delivered now, the delivery job delivers later."""
        try:
            concern = self.store.claim_delivery(concern_id, self.clock(), CLAIM_LEASE)
            if concern is None:
                return False
            try:
                self._send(concern)
            except SLACK_FAILURES as error:
                retry_at = self.clock() + self._backoff(concern.delivery_attempts)
                self.store.delivery_failed(concern_id, self.clock(), retry_at)
                log.warning(
                    "concern %s not delivered (%s); next try at %s",
                    concern_id,
                    slack_reason(error),
                    retry_at.isoformat(),
                )
                return False
            self.store.finish_delivery(concern_id, self.clock())
        except SQLAlchemyError as error:  # the concern is stored; its claim lapses and the job takes it up
            log.error("concern %s: delivery paused, the database is unavailable (%s)", concern_id, type(error).__name__)
            return False
        log.info("concern %s delivered", concern_id)
        return True

    def deliver_due(self) -> int:
        """The delivery job: every concern whose delivery is due. Returns how many were delivered."""
        return sum(self.deliver(concern_id) for concern_id in self.store.due_deliveries(self.clock()))

    def _backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.settings.delivery_retry_seconds * min(2**attempts, 60))

    def _send(self, concern: Concern) -> None:
        """Safeguarding alerts first (the most urgent), then the post, then the reporter's receipt. Each step is
        stored as it succeeds; a step Slack will never accept (an archived channel, a deactivated account) is not
        retried for ever: the post falls back to the headteacher by DM, an alert or receipt is skipped, and both
        are logged as errors."""
        assert concern.id is not None
        if concern.safeguarding and concern.alert_sent_at is None:
            self._alert(concern)
        if concern.post_ts is None:
            self._post(concern)
        if concern.receipt_sent_at is None:
            text, blocks = notices.receipt(concern)
            what = f"concern {concern.id}: receipt"
            post_unless_gone(self.client, what, channel=concern.reporter_id, text=text, blocks=blocks)
            self.store.record_delivery_step(concern.id, receipt_sent_at=self.clock())

    def _alert(self, concern: Concern) -> None:
        assert concern.id is not None
        text, blocks = notices.safeguarding_alert(concern)
        leads = self.directory.who(facts(concern), Act.ALERT)
        done = set(concern.alerted_ids)
        for lead in sorted(leads - done):
            post_unless_gone(self.client, f"concern {concern.id}: alert", channel=lead, text=text, blocks=blocks)
            done.add(lead)
            concern.alerted_ids = frozenset(done)
            self.store.record_delivery_step(concern.id, alerted_ids=concern.alerted_ids)
        self.store.record_delivery_step(concern.id, alert_sent_at=self.clock())

    def _post(self, concern: Concern) -> None:
        assert concern.id is not None
        direct = concern.route_kind == Placement.DIRECT.value
        channel = (
            (concern.route_recipient or self.settings.headteacher_id)
            if direct
            else (self.settings.leadership_channel_id)
        )
        card: dict[str, Any] = {"text": concern_card.fallback(concern), "blocks": concern_card.blocks(concern)}
        if direct:
            posted = self.client.chat_postMessage(channel=channel, **card)
        else:  # a channel that is gone for good: the headteacher has it instead
            what = f"concern {concern.id}: the leadership channel (the headteacher has it instead)"
            posted = post_unless_gone(self.client, what, channel=channel, **card) or self.client.chat_postMessage(
                channel=self.settings.headteacher_id, **card
            )
        self.store.record_delivery_step(concern.id, post_channel=posted["channel"], post_ts=posted["ts"])

    def refresh_post(self, concern: Concern) -> None:
        """Redraw the post from a concern as stored (status, who, when). Redraws of one concern are serialised in
        this process and an older version never overwrites a newer one. An undelivered concern has no post yet."""
        channel, ts = concern.post_channel, concern.post_ts
        if concern.id is None or channel is None or ts is None:
            return
        with self._locks_guard:
            lock = self._locks.setdefault(concern.id, threading.Lock())
        with lock:
            if concern.version < self._drawn.get(concern.id, 0):
                return
            self._drawn[concern.id] = concern.version
            quietly(
                f"concern {concern.id}: redraw",
                lambda: self.client.chat_update(
                    channel=channel,
                    ts=ts,
                    text=concern_card.fallback(concern),
                    blocks=concern_card.blocks(concern),
                ),
            )

    def tell_escalation(self, concern: Concern, actor: str) -> None:
        """Escalated to the safeguarding lead or the headteacher: they hear of it at once (never the person
        involved, nor the leader who escalated)."""
        target = EscalationTarget(concern.escalated_to) if concern.escalated_to else None
        act = {
            EscalationTarget.SAFEGUARDING_LEAD: Act.ESCALATED_TO_SAFEGUARDING,
            EscalationTarget.HEADTEACHER: Act.ESCALATED_TO_HEAD,
        }.get(target) if target else None
        if target is None or act is None:
            return
        text, blocks = notices.escalated_to_you(concern, actor, target.label)
        for user in sorted(self.directory.who(facts(concern), act) - {actor}):
            quietly(
                f"concern {concern.id}: escalation told",
                partial(self.client.chat_postMessage, channel=user, text=text, blocks=blocks),
            )

    def tell_reporter(self, concern: Concern) -> None:
        for reporter in self.directory.who(facts(concern), Act.TOLD_OF_CHANGES):
            quietly(
                f"concern {concern.id}: reporter told",
                partial(self.client.chat_postMessage, channel=reporter, text=notices.status_update(concern)),
            )
