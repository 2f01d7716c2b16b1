"""Sending one row the sender has claimed (bot.delivery): a post (looked for in Slack first when an earlier attempt
may have landed), a redraw, a file, a deletion, or what a record stored before the outbox still had to send; and
recording Slack's answer, or the failure and when to try again."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot import landed, uploads
from bot.config import Settings
from bot.failures import when_failed
from bot.slack_api import SLACK_FAILURES
from bot.uploads import DocumentSource, LostClaim
from storage.models import OutboxMessage, Send, State
from storage.outbox import LEASE, Claimed, OutboxStore
from storage.outbox_messages import Message

log = logging.getLogger("bot.delivery")  # the sender's lines keep its name (operators alert on them)

RECORD_TRIES = 5  # writes of "sent" tried this often (a second apart) before the lease and the metadata take over


class RowSending:
    """What bot.delivery.Delivery does with each row it holds; its parts are Delivery's."""

    settings: Settings
    outbox: OutboxStore
    client: WebClient
    clock: Callable[[], datetime]
    documents: DocumentSource
    draw_remaining: Callable[[OutboxMessage], list[Message]]
    _stopped: threading.Event

    def kick(self) -> None:
        raise NotImplementedError  # Delivery's: wake the sender

    def _let_go(self, claimed: Claimed) -> None:
        self.outbox.retry(claimed.row, self.clock(), unsure=claimed.was_unsure)

    def _deliver(self, claimed: Claimed) -> bool:
        """Send a row this process holds. True when Slack has it now. Never raises."""
        row = claimed.row
        try:
            if self._stopped.is_set():
                self._let_go(claimed)
                return False
            try:
                if row.send is Send.UPDATE:
                    return self._update(row)
                if row.send is Send.FILE:
                    return self._file(row, claimed.was_unsure)
                if row.send is Send.DELETE:
                    return self._delete(row)
                if row.send is Send.REMAINING:
                    return self._remaining(row, claimed.was_unsure)
                return self._post(row, claimed.was_unsure)
            except SLACK_FAILURES as error:
                self._failed(row, error, claimed.was_unsure)
                return False
        except LostClaim:
            log.warning("outbox %s: taken over by another process", row.id)
            return False
        except SQLAlchemyError as error:  # the row's lease lapses; if a post landed, its metadata finds it
            log.error("outbox %s: paused, the database is unavailable (%s)", row.id, type(error).__name__)
            return False
        except Exception as error:  # noqa: BLE001 - one bad row must not stop the others
            log.error("outbox %s: unexpected %s", row.id, type(error).__name__)
            return False

    def _post(self, row: OutboxMessage, was_unsure: bool) -> bool:
        channel, thread_ts = row.channel, None
        if row.thread_of:
            post = self.outbox.target(row.thread_of)
            if post is not None and post.state is State.PENDING:
                return self._wait_for_post(row, was_unsure)
            if post is not None and post.state is State.SENT and post.sent_channel:  # else: no post, so no thread
                channel, thread_ts = post.sent_channel, post.sent_ts
        if was_unsure:
            found = landed.find(self.client, row, channel, thread_ts, lambda: self._renew(row))
            if found:
                self._record(row, *found[0])
                landed.delete(self.client, row, found[1:])
                log.info("outbox %s: found in Slack, not sent again", row.id)
                return True
        self._renew(row)
        posted = self.client.chat_postMessage(
            channel=channel,
            text=row.text,
            blocks=json.loads(row.blocks) if row.blocks else None,
            thread_ts=thread_ts,
            metadata=landed.metadata(row),
        )
        self._record(row, posted["channel"], posted["ts"])
        if was_unsure:  # an earlier copy may surface now that this one is there: keep one
            copies = landed.find(self.client, row, channel, thread_ts, lambda: self._renew(row))
            landed.delete(self.client, row, [copy for copy in copies if copy[1] != posted["ts"]])
        return True

    def _update(self, row: OutboxMessage) -> bool:
        post = self.outbox.target(row.thread_of or "")
        if post is not None and post.state is State.PENDING:
            return self._wait_for_post(row, False)
        if post is None or post.state is State.GONE or not (post.sent_channel and post.sent_ts):
            self.outbox.gone(row, self.clock())
            return False
        self.client.chat_update(
            channel=post.sent_channel,
            ts=post.sent_ts,
            text=row.text,
            blocks=json.loads(row.blocks) if row.blocks else None,
        )
        self._record(row, post.sent_channel, post.sent_ts)
        return True

    def _file(self, row: OutboxMessage, was_unsure: bool) -> bool:
        try:
            conversation = uploads.share(
                self.client, self.outbox, self.documents, row, was_unsure, lambda: self._renew(row)
            )
        except ValueError:
            self.outbox.gone(row, self.clock())
            log.error("outbox %s: a document policybot cannot draw; given up", row.id)
            return False
        self._record(row, conversation, None)
        return True

    def _delete(self, row: OutboxMessage) -> bool:
        """A message the bot sent, taken away (retention): one that is gone already counts as done (as does a
        deletion that names no message)."""
        try:
            if row.deletes_ts:
                self.client.chat_delete(channel=row.channel, ts=row.deletes_ts)
        except SlackApiError as error:
            if error.response.status_code != 200 or error.response.get("error") != "message_not_found":
                raise
        self._record(row, None, None)
        return True

    def _remaining(self, row: OutboxMessage, was_unsure: bool) -> bool:
        """What a record stored before the outbox still had to send, drawn now from the record as it stands: the
        messages take the row's place and go as any other, at once (looked for in Slack first when the row was
        unsure: a restored backup). False: nothing was sent to Slack yet."""
        if not self.outbox.remaining_drawn(row, self.draw_remaining(row), self.clock(), unsure=was_unsure):
            raise LostClaim
        self.kick()
        return False

    def _renew(self, row: OutboxMessage) -> None:
        """Hold the row for another lease before the next Slack call, once a third of the lease has gone (a fresh
        claim needs no write)."""
        now = self.clock()
        if row.claimed_until is not None and row.claimed_until - now < LEASE * 2 / 3:
            if not self.outbox.renew(row, now):
                raise LostClaim  # another process took the row over: it carries on, this one stops
            row.claimed_until = now + LEASE

    def _wait_for_post(self, row: OutboxMessage, was_unsure: bool) -> bool:
        self.outbox.retry(row, self.clock() + timedelta(seconds=1), unsure=was_unsure)
        return False

    def _record(self, row: OutboxMessage, channel: str | None, ts: str | None) -> None:
        """Slack has it: write that down, trying again while the database is briefly away (the call is not
        repeated; if every try fails the lease lapses and the next attempt finds the message by its metadata)."""
        for attempt in range(RECORD_TRIES):
            try:
                if not self.outbox.sent(row, channel, ts, self.clock()) and channel and ts:
                    if self.outbox.landed_too_late(row, channel, ts, self.clock()):
                        log.warning("outbox %s: its record was redacted as it was sent; it is deleted", row.id)
                        self.kick()
                return
            except SQLAlchemyError as error:
                if attempt == RECORD_TRIES - 1:
                    raise
                log.warning("outbox %s: sent, not yet recorded (%s)", row.id, type(error).__name__)
                time.sleep(1)

    def _failed(self, row: OutboxMessage, error: Exception, was_unsure: bool) -> None:
        when_failed(self.outbox, row, error, was_unsure, self.clock(), self.backoff(row.attempts), self.settings)

    def backoff(self, attempts: int) -> timedelta:
        """A second after the first failure, doubling, never longer than DELIVERY_RETRY_SECONDS."""
        most = self.settings.delivery_retry_seconds
        return timedelta(seconds=min(min(1.0, most) * 2 ** max(attempts - 1, 0), most))
