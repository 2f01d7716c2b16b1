"""The one sender: the only place that posts, redraws, uploads or deletes messages in Slack. It sends the outbox's rows
(storage.outbox), which are written in the same transaction as the change that calls for them.

Each row is claimed for a short lease, sent with one Slack call and no HTTP-level retry, and its answer recorded.
What Slack refuses for now (5xx, 429, the network) is tried again with back-off (429: after its Retry-After); what it
will never take (an archived channel, a deactivated account) goes to the row's fall-back or is given up, logged as an
error. A post carries its row's id in Slack message metadata; when an earlier attempt may have landed (no answer, a
5xx, a crash), the sender looks for it in the conversation first and records what it finds instead of posting again,
and deletes any second copy it sees. A thread reply or a redraw waits for its post. What a record stored before the
outbox still had to send (Send.REMAINING, left by migration 0011) is drawn into the messages it stands for, which
then go as any other.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.sending import RowSending
from bot.slack_api import SLACK_FAILURES
from bot.uploads import DocumentSource
from storage.models import OutboxMessage
from storage.outbox import Claimed, OutboxStore
from storage.outbox_messages import Message

log = logging.getLogger(__name__)

SENDERS = 4  # rows sent side by side in one pass (in a process of a trust's schools: by them all)
PASSES, HOME_PASSES = 4, 2  # a trust's schools: their passes over their outboxes (and Homes) at once, at most
CLAIMS = 4 * SENDERS  # rows claimed at a time: each is sent well inside its lease
HOMES = 8  # askings to draw App Homes claimed at a time; each person's Home drawn once for all of theirs


class Delivery(RowSending):
    def __init__(
        self,
        settings: Settings,
        outbox: OutboxStore,
        client: WebClient,
        clock: Callable[[], datetime],
        documents: DocumentSource,
    ):
        self.settings = settings
        self.documents = documents  # what Send.FILE rows draw (bot.documents)
        self.outbox = outbox
        self.client = client
        self.clock = clock
        self.last_pass_at: datetime | None = None  # when a whole pass last began and finished (for /healthz)
        self.on_pass: Callable[[datetime], None] = lambda began: None  # told of each whole pass (bot.supervisor)
        # Draws and publishes one person's App Home (bot.listeners.home.publish_home, set by Deps.build).
        self.draw_home: Callable[[str], None] = lambda user: None
        # Draws what a Send.REMAINING row stands for (bot.remaining.draw, set by Deps.build).
        self.draw_remaining: Callable[[OutboxMessage], list[Message]] = lambda row: []
        self._wake = threading.Event()
        self._homes_wake = threading.Event()
        self._stopped = threading.Event()
        self._pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="policybot-send")
        # A trust's schools share these (share_with): at most so many passes at once in the process, whatever the
        # number of schools, so that their database connections never run out; one school's are its own.
        self._passes: AbstractContextManager[Any] = nullcontext()
        self._home_passes: AbstractContextManager[Any] = nullcontext()
        self._thread: threading.Thread | None = None
        self._homes: threading.Thread | None = None

    # --- the loop -------------------------------------------------------------------------------------------------

    def kick(self) -> None:
        """Something was just written to the outbox: send it now, not at the next pass."""
        self._wake.set()
        self._homes_wake.set()

    def start(self) -> None:
        """The messages' loop, and beside it the App Homes' (a Home takes longer to draw than a message to send:
        no message waits for one)."""
        self._thread = threading.Thread(target=self._loop, name="policybot-delivery", daemon=True)
        self._thread.start()
        self._homes = threading.Thread(target=self._homes_loop, name="policybot-homes", daemon=True)
        self._homes.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop: the sends under way finish and are recorded; rows claimed and not yet begun are let go at once, so
        that another process (or the next start) sends them without waiting for the lease to run out."""
        self._stopped.set()
        self.kick()
        for thread in (self._thread, self._homes):
            if thread is not None:
                thread.join(timeout)

    def share_with(self, other: Delivery) -> None:
        """A trust's schools in one process: one set of sending threads, and a few passes at a time, for them all."""
        if isinstance(other._passes, nullcontext):
            other._passes, other._home_passes = threading.Semaphore(PASSES), threading.Semaphore(HOME_PASSES)
        self._pool.shutdown(wait=False)
        self._pool, self._passes, self._home_passes = other._pool, other._passes, other._home_passes

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self._wake.clear()  # before the pass: a kick during it wakes the next at once, never lost
            with self._passes:
                self.run_pass()
            self._wake.wait(self._idle_seconds(homes=False))

    def _homes_loop(self) -> None:
        while not self._stopped.is_set():
            self._homes_wake.clear()
            with self._home_passes:
                self.draw_homes()
            self._homes_wake.wait(self._idle_seconds(homes=True))

    def draw_homes(self) -> int:
        """Every App Home that is due (Send.HOME), each person's once however many times it was asked for, one
        after another. Never raises. Returns how many were drawn."""
        drawn = 0
        try:
            while claimed := self.outbox.claim_due(self.clock(), None, HOMES):
                for user in sorted({each.row.channel for each in claimed}):
                    began = self.clock()
                    try:
                        self.draw_home(user)
                    except SLACK_FAILURES as error:
                        for each in claimed:
                            if each.row.channel == user:
                                self._failed(each.row, error, False)
                        continue
                    self.outbox.homes_drawn(user, began)
                    drawn += 1
        except Exception as error:  # noqa: BLE001 - the loop must outlive a database hiccup
            log.error("App Homes' pass failed: %s", type(error).__name__)
        return drawn

    def _idle_seconds(self, homes: bool) -> float:
        """Until the loop's next row (a message, or a Home: `homes`) can be taken, and never longer than the retry
        interval (other processes write too)."""
        most = float(self.settings.delivery_retry_seconds)
        try:
            earliest = self.outbox.earliest(self.clock(), homes)
        except SQLAlchemyError:
            return most
        if earliest is None:
            return most
        return min(most, max(0.05, (earliest - self.clock()).total_seconds()))

    def run_pass(self) -> int:
        """Every row that is due: posts, direct messages and the replies and redraws whose post is sent, then the
        replies and redraws whose post is not yet (they wait for it), each claimed a batch at a time. Never raises.
        Returns how many were sent."""
        began = self.clock()
        sent = 0
        try:
            for replies in (False, True):  # messages, then replies that wait for their posts (Homes: draw_homes)
                while claimed := self.outbox.claim_due(began, replies, CLAIMS):
                    sent += sum(self._send_all(claimed))
                    if len(claimed) < CLAIMS:
                        break
            self.last_pass_at = began
            self.on_pass(began)
        except Exception as error:  # noqa: BLE001 - the loop must outlive a database hiccup
            log.error("delivery pass failed: %s", type(error).__name__)
        return sent

    def _send_all(self, claimed: list[Claimed]) -> list[bool]:
        try:
            return list(self._pool.map(self._deliver, claimed))
        except RuntimeError:  # the process is stopping and takes no more work: let go of the rows at once
            for each in claimed:
                self._let_go(each)
            raise
