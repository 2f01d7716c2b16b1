"""A Slack answer only a workspace admin can change (the installed app lacks a scope, its token was revoked) is not
retried without end: the message is kept, tried again hourly, said at ERROR with what to do, and /healthz shows it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.health import health
from sandbox.slack import LocalSlack
from storage.outbox_messages import Message
from tests.bot.helpers import LEAD, Clock, build, settle


@pytest.mark.parametrize("refusal", ["missing_scope", "token_revoked", "account_inactive"])
def test_a_refusal_only_an_admin_can_change_waits_an_hour_and_is_said(
    fake: LocalSlack, database: str, caplog: pytest.LogCaptureFixture, refusal: str
) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    fake.fail("chat.postMessage", 200, times=1, error=refusal)
    deps.outbox.put([Message("admin:1", None, LEAD, "A message for the lead.")], clock())
    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        settle(deps)
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert f"Slack refused the app ({refusal})" in line and "reinstall it with the scopes in manifest.yml" in line
    assert len(fake.of("chat.postMessage")) == 1  # once: not again at the next pass
    assert deps.outbox.earliest(deps.clock()) == clock() + timedelta(hours=1)
    clock.now += timedelta(minutes=10)
    settle(deps)
    assert len(fake.of("chat.postMessage")) == 1
    assert health(deps.outbox, clock(), 300, None).reason is not None  # /healthz: 503 with the reason

    clock.now += timedelta(hours=1)  # the admin reinstalled the app meanwhile
    settle(deps)
    assert [m.text for m in fake.visible(LEAD)][-1] == "A message for the lead."
    assert health(deps.outbox, clock(), 300, None).reason is None
