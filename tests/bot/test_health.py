"""/healthz and `policybot status` mean delivery: 503, with the reason, once a message has waited to be sent past
HEALTHZ_MAX_PENDING_SECONDS (Slack unreachable, say), and 200 again once it is sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.health import health
from bot.server import _health
from sandbox.slack import LocalSlack
from storage.db import make_engine, upgrade
from storage.models import Send
from storage.outbox import OutboxStore
from storage.outbox_messages import Message
from tests.bot.helpers import LEAD, Clock, build, settle
from tests.conftest import school_engine


def healthz(deps: Any) -> tuple[str, dict[str, Any]]:
    answered: list[str] = []
    body = b"".join(_health(deps, lambda status, headers: answered.append(status)))
    return answered[0], json.loads(body)


def test_a_message_that_waits_too_long_turns_healthz_503_until_it_is_sent(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock, HEALTHZ_MAX_PENDING_SECONDS="120")
    status, body = healthz(deps)
    assert status.startswith("200") and (body["waiting"], body["oldest_waiting_seconds"]) == (0, None)

    fake.fail("chat.postMessage", 500, times=100)  # Slack will not take it
    deps.outbox.put([Message("health:1", None, LEAD, "An alert that must reach its lead.")], clock())
    settle(deps)
    clock.now += timedelta(seconds=119)
    status, body = healthz(deps)
    assert status.startswith("200") and (body["waiting"], body["oldest_waiting_seconds"]) == (1, 119)
    clock.now += timedelta(seconds=2)
    status, body = healthz(deps)
    assert status.startswith("503") and body["status"] == "unhealthy"
    assert body["reason"].startswith("a message has waited 121 s to be sent (over 120 s)")

    fake.recover()
    clock.now += timedelta(hours=1)  # past the retry's back-off
    settle(deps)
    status, body = healthz(deps)
    assert status.startswith("200") and body["waiting"] == 0 and body["reason"] is None


def test_a_database_that_does_not_answer_is_the_reason(tmp_path: Path) -> None:
    gone = OutboxStore(make_engine(f"sqlite:///{tmp_path}/no/such/folder/policybot.db"))
    found = health(gone, datetime.now(UTC), 300, None)
    assert (found.database, found.reason) == (False, "the database does not answer")
    assert found.as_dict()["status"] == "unhealthy"


def test_a_database_without_the_schema_says_to_upgrade(tmp_path: Path) -> None:
    empty = OutboxStore(make_engine(f"sqlite:///{tmp_path}/empty.db"))
    found = health(empty, datetime.now(UTC), 300, None)
    assert found.reason == "the database has no policybot schema yet: run `policybot db upgrade`"


def test_a_card_redrawn_months_after_it_was_first_drawn_has_waited_only_since_the_redraw(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/redraw.db"
    upgrade(url)
    outbox, now = OutboxStore(school_engine(url)), datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    redraw = Message("concern:1:card", None, "CLEAD1", "the card", send=Send.UPDATE, thread_of="concern:1:post")
    outbox.put([redraw], now)
    [claimed] = outbox.claim_due(now, replies=True, limit=10)
    assert outbox.sent(claimed.row, "CLEAD1", "1.1", now)
    later = now + timedelta(days=90)
    outbox.put([redraw], later)  # drawn again: the concern moved on
    assert health(outbox, later + timedelta(seconds=1), 300, None).oldest_waiting_seconds == 1
    outbox.put([redraw], later + timedelta(seconds=5))  # and again while the first is still waiting
    assert health(outbox, later + timedelta(seconds=10), 300, None).oldest_waiting_seconds == 10
