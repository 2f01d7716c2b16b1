"""The sender against the database failing around a Slack call, on a fake clock: a message Slack took is never sent
again, whether its "sent" is written on a second try or only found later by its metadata; and a message waits for
its post, and for the late answer of an attempt that may have landed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from bot import landed
from bot.deps import Deps
from bot.jobs import hand_over
from flows.concerns import ConcernDraft
from flows.permissions import RecordKind, place
from flows.taxonomy import Area, Role
from flows.taxonomy import Kind as ConcernKind
from sandbox.slack import LocalSlack
from storage.db import transaction, upgrade
from storage.models import Concern, Send, State
from storage.outbox import Message, card_key, post_key
from tests.bot.test_nudges import CHANNEL, DSL, LONDON, Clock, build
from tests.conftest import new_database_url


@pytest.fixture
def deps(fake: LocalSlack, tmp_path: Path) -> Iterator[Deps]:
    for url in new_database_url(tmp_path, "delivery"):
        upgrade(url)
        built = build(fake, url, Clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)))
        yield built
        built.engine.dispose()


def post(deps: Deps, n: int = 1) -> Message:
    message = Message(post_key(RecordKind.CONCERN, n), (RecordKind.CONCERN, n), CHANNEL, f"post {n}")
    deps.outbox.put([message], deps.clock())
    return message


def database_away(times: int) -> Any:
    """outbox.sent failing `times` times, as a database that does not answer, then working."""

    def failing(original: Any) -> Any:
        left = [times]

        def sent(*args: Any, **kwargs: Any) -> Any:
            if left[0] > 0:
                left[0] -= 1
                raise OperationalError("UPDATE outbox_message", (), Exception("down"))
            return original(*args, **kwargs)

        return sent

    return failing


def test_a_write_that_fails_after_slack_took_the_post_is_tried_again_and_nothing_is_sent_twice(
    deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.delivery.time.sleep", lambda _seconds: None)
    monkeypatch.setattr(deps.outbox, "sent", database_away(2)(deps.outbox.sent))
    post(deps)
    assert deps.delivery.run_pass() == 1
    assert len(fake.visible(CHANNEL)) == 1 and len(fake.of("chat.postMessage")) == 1
    assert deps.outbox.due(deps.clock() + timedelta(hours=1)) == []


def test_a_database_away_longer_than_the_tries_leaves_the_post_to_be_found_not_sent_again(
    deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.delivery.time.sleep", lambda _seconds: None)
    monkeypatch.setattr(deps.outbox, "sent", database_away(5)(deps.outbox.sent))
    post(deps)
    deps.delivery.run_pass()  # Slack took it; the database never heard
    assert len(fake.visible(CHANNEL)) == 1
    clock: Any = deps.clock
    clock.now += timedelta(seconds=16)  # the lease has lapsed: the next pass finds the post by its metadata
    deps.delivery.run_pass()
    assert len(fake.of("chat.postMessage")) == 1 and len(fake.visible(CHANNEL)) == 1
    assert fake.of("conversations.history")
    [row] = [deps.outbox.target(post_key(RecordKind.CONCERN, 1))]
    assert row is not None and row.state is State.SENT and row.sent_ts == fake.visible(CHANNEL)[0].ts


def test_a_redraw_waits_for_its_post_and_only_the_newest_drawing_is_sent(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 500, times=1)
    post(deps)
    for state in ("acknowledged", "escalated", "resolved"):
        redraw = Message(card_key(RecordKind.CONCERN, 1), (RecordKind.CONCERN, 1), CHANNEL, state, send=Send.UPDATE)
        deps.outbox.put([replace(redraw, thread_of=post_key(RecordKind.CONCERN, 1))], deps.clock())
    deps.delivery.run_pass()
    assert fake.visible(CHANNEL) == [] and fake.of("chat.update") == []  # the post failed: the redraw waits
    clock: Any = deps.clock
    clock.now += timedelta(seconds=11)  # after a late answer's window: looked for, not found, posted
    deps.delivery.run_pass()
    [shown] = fake.visible(CHANNEL)
    assert shown.text == "resolved" and len(fake.of("chat.update")) == 1  # three states, one redraw


def test_records_stored_before_the_outbox_are_handed_to_it_once_without_repeating_what_was_sent(
    deps: Deps, fake: LocalSlack
) -> None:
    draft = ConcernDraft(
        "USTAFF9",
        Area.CONDUCT,
        ConcernKind.AGGRESSIVE,
        "tiktok",
        frozenset({Role.PUPIL}),
        description="x",
        safeguarding=True,
    )
    where = place(deps.directory.people(), safeguarding=True, involved=None)
    old, _ = deps.store.create(draft, "VOLD", where, deps.clock(), LONDON)  # as stored before the outbox: no messages
    assert old.id is not None and old.delivered_at is None
    with transaction(deps.engine) as session:  # its receipt had gone; its alert and post had not
        session.execute(update(Concern).where(Concern.id == old.id).values(receipt_sent_at=deps.clock()))  # type: ignore[arg-type]
    assert hand_over(deps) == 1 and hand_over(deps) == 0  # once, however often the bot starts
    deps.delivery.run_pass()
    assert [m.text for m in fake.visible(DSL)] and len(fake.visible(CHANNEL)) == 1
    assert fake.visible("USTAFF9") == []  # the receipt was sent before: not again


def test_a_fresh_post_carries_its_mark_and_is_not_looked_for_first(deps: Deps, fake: LocalSlack) -> None:
    for n in range(1, 21):  # more than one batch of claims
        post(deps, n)
    assert deps.delivery.run_pass() == 20 and deps.delivery.last_pass_at == deps.clock()
    assert fake.of("conversations.history") == [] and len(fake.visible(CHANNEL)) == 20
    row = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert row is not None
    written = int(row.created_at.timestamp() * 1_000_000)
    [first] = [m for m in fake.visible(CHANNEL) if m.text == "post 1"]
    assert first.metadata == {  # the rows are sent four at a time: its message need not be the first to land
        "event_type": "policybot_outbox",
        "event_payload": {"outbox": row.id, "written": written},
    }


def test_slack_saying_when_to_come_back_is_waited_for_and_nothing_is_looked_for(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 429, times=1, retry_after=7)
    post(deps)
    assert deps.delivery.run_pass() == 0
    assert deps.outbox.due(deps.clock() + timedelta(seconds=6)) == []
    clock: Any = deps.clock
    clock.now += timedelta(seconds=7)
    assert deps.delivery.run_pass() == 1 and fake.of("conversations.history") == []


def test_a_5xx_on_a_post_waits_out_a_late_answer_then_looks(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 503, times=1)
    post(deps)
    deps.delivery.run_pass()
    timeout = timedelta(seconds=deps.settings.slack_timeout_seconds)
    assert deps.outbox.due(deps.clock() + timeout - timedelta(seconds=1)) == []
    assert deps.delivery.backoff(1) == timedelta(seconds=1) and deps.delivery.backoff(3) == timedelta(seconds=4)
    assert deps.delivery.backoff(50) == timedelta(seconds=deps.settings.delivery_retry_seconds)
    clock: Any = deps.clock
    clock.now += timeout
    assert deps.delivery.run_pass() == 1 and len(fake.of("conversations.history")) == 2  # before, and after


def test_a_second_copy_that_appears_is_deleted(deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.fail("chat.postMessage", 500, times=1, applied=True)  # Slack posted it; the bot heard 500
    post(deps)
    deps.delivery.run_pass()
    [first] = fake.visible(CHANNEL)
    real_find, missed = landed.find, [True]

    def find_missing_once(*args: Any) -> Any:  # the look before posting misses it (a lagging history)
        if missed.pop() if missed else False:
            return []
        return real_find(*args)

    monkeypatch.setattr(landed, "find", find_missing_once)
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    deps.delivery.run_pass()
    [kept] = fake.visible(CHANNEL)
    [deleted] = fake.of("chat.delete")
    assert deleted.params["ts"] == first.ts and kept.ts != first.ts
    row = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert row is not None and row.sent_ts == kept.ts


def test_a_direct_message_whose_answer_was_lost_is_found_in_the_dm(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 500, times=1, applied=True)
    deps.outbox.put([Message("concern:1:receipt", (RecordKind.CONCERN, 1), "UREP1", "your receipt")], deps.clock())
    deps.delivery.run_pass()
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    deps.delivery.run_pass()
    assert fake.of("conversations.open") and len(fake.of("chat.postMessage")) == 1
    assert [m.text for m in fake.visible("UREP1")] == ["your receipt"]


def test_a_redraw_of_a_post_slack_would_never_take_is_given_up_with_it(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 200, times=1, error="channel_not_found", when=lambda p: p["channel"] == CHANNEL)
    post(deps)
    deps.outbox.put(
        [
            Message("nudge", (RecordKind.CONCERN, 1), CHANNEL, "nudge", thread_of=post_key(RecordKind.CONCERN, 1)),
            Message(
                card_key(RecordKind.CONCERN, 1),
                (RecordKind.CONCERN, 1),
                CHANNEL,
                "new",
                send=Send.UPDATE,
                thread_of=post_key(RecordKind.CONCERN, 1),
            ),
        ],
        deps.clock(),
    )
    deps.delivery.run_pass()  # the post is given up (no fall-back); its redraw with it; the reply goes on its own
    assert fake.of("chat.update") == []
    card = deps.outbox.target(card_key(RecordKind.CONCERN, 1))
    assert card is not None and card.state is State.GONE


def test_a_stopping_sender_lets_go_of_what_it_has_not_begun(deps: Deps, fake: LocalSlack) -> None:
    post(deps)
    [claimed] = deps.outbox.claim_due(deps.clock(), replies=False, limit=10)
    deps.delivery.stop()
    assert deps.delivery._deliver(claimed) is False and fake.of("chat.postMessage") == []
    row = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert row is not None and row.claimed_until is None and row.state is State.PENDING


def test_an_unsure_post_found_twice_keeps_the_first_copy_and_deletes_the_others(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 500, times=1, applied=True)  # Slack posted it; the bot heard 500
    post(deps)
    deps.delivery.run_pass()
    row = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert row is not None and row.state is State.PENDING
    for _ in range(2):  # two more attempts landed as well (another process's, say), unheard
        deps.client.chat_postMessage(channel=CHANNEL, text="post 1", metadata=landed.metadata(row))
    first, *others = fake.visible(CHANNEL)
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    assert deps.delivery.run_pass() == 1
    assert fake.visible(CHANNEL) == [first] and len(fake.of("chat.postMessage")) == 3  # found, not posted again
    assert sorted(call.params["ts"] for call in fake.of("chat.delete")) == sorted(other.ts for other in others)
    row = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert row is not None and row.state is State.SENT and row.sent_ts == first.ts


def test_an_unsure_post_is_not_taken_for_another_rows_message(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 500, times=1, when=lambda p: p["text"] == "post 1")  # not done: nothing landed
    post(deps, 1)
    post(deps, 2)
    deps.delivery.run_pass()
    [other] = fake.visible(CHANNEL)
    assert other.text == "post 2" and other.metadata is not None
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    deps.delivery.run_pass()  # looked for: only post 2's message is there, so post 1 is posted
    assert fake.of("conversations.history") and sorted(m.text for m in fake.visible(CHANNEL)) == ["post 1", "post 2"]
    row = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert row is not None and row.state is State.SENT and row.sent_ts != other.ts


def test_a_redraw_is_recorded_only_once_slack_has_it(deps: Deps, fake: LocalSlack) -> None:
    post(deps)
    deps.delivery.run_pass()
    redraw = Message(card_key(RecordKind.CONCERN, 1), (RecordKind.CONCERN, 1), CHANNEL, "resolved", send=Send.UPDATE)
    deps.outbox.put([replace(redraw, thread_of=post_key(RecordKind.CONCERN, 1))], deps.clock())
    fake.fail("chat.update", 500, times=1)
    deps.delivery.run_pass()
    assert [m.text for m in fake.visible(CHANNEL)] == ["post 1"]
    card = deps.outbox.target(card_key(RecordKind.CONCERN, 1))
    assert card is not None and card.state is State.PENDING  # not shown, so not recorded: tried again
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    assert deps.delivery.run_pass() == 1
    assert [m.text for m in fake.visible(CHANNEL)] == ["resolved"]
    card = deps.outbox.target(card_key(RecordKind.CONCERN, 1))
    assert card is not None and card.state is State.SENT and card.claimed_until is None
    clock.now += timedelta(minutes=1)  # long after its lease: recorded, so never redrawn again
    assert deps.delivery.run_pass() == 0 and len(fake.of("chat.update")) == 2
