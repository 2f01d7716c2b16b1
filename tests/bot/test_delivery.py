"""The sender against the database failing around a Slack call, on a fake clock: a message Slack took is never sent
again, whether its "sent" is written on a second try or only found later by its metadata; and a message waits for
its post, and for the late answer of an attempt that may have landed."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import OperationalError

from bot import landed
from bot.deps import Deps
from bot.uploads import LostClaim
from flows.permissions import RecordKind
from sandbox.slack import LocalSlack
from storage.db import plain_writing, transaction
from storage.models import OutboxMessage, Send, State
from storage.outbox import HELD_LOOK, LEASE
from storage.outbox_messages import Message, card_key, home_key, post_key
from storage.outbox_messages import deletion as deletion_row
from tests.bot.helpers import CHANNEL, Clock, build
from tests.conftest import migrated_database_url


@pytest.fixture
def deps(fake: LocalSlack, tmp_path: Path) -> Iterator[Deps]:
    for url in migrated_database_url(tmp_path, "delivery"):
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
    monkeypatch.setattr("bot.sending.time.sleep", lambda _seconds: None)
    monkeypatch.setattr(deps.outbox, "sent", database_away(2)(deps.outbox.sent))
    post(deps)
    assert deps.delivery.run_pass() == 1
    assert len(fake.visible(CHANNEL)) == 1 and len(fake.of("chat.postMessage")) == 1
    assert deps.outbox.earliest(deps.clock()) is None  # nothing left to send


def test_a_database_away_longer_than_the_tries_leaves_the_post_to_be_found_not_sent_again(
    deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.sending.time.sleep", lambda _seconds: None)
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
    assert deps.outbox.earliest(deps.clock()) == deps.clock() + timedelta(seconds=7)
    clock: Any = deps.clock
    clock.now += timedelta(seconds=7)
    assert deps.delivery.run_pass() == 1 and fake.of("conversations.history") == []


def test_a_5xx_on_a_post_waits_out_a_late_answer_then_looks(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 503, times=1)
    post(deps)
    deps.delivery.run_pass()
    timeout = timedelta(seconds=deps.settings.slack_timeout_seconds)
    assert deps.outbox.earliest(deps.clock()) == deps.clock() + timeout
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


# --- the loops, and each kind of row, one by one --------------------------------------------------------------------


def wait_until(condition: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.01)


@pytest.fixture
def quick(fake: LocalSlack, tmp_path: Path) -> Iterator[Deps]:
    """A sender whose loops look for due rows every 0.2 s unkicked (a school's look every minute)."""
    for url in migrated_database_url(tmp_path, "quick"):
        built = build(fake, url, Clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC)), DELIVERY_RETRY_SECONDS="0.2")
        yield built
        built.delivery.stop()
        built.engine.dispose()


def test_the_loops_send_what_falls_due_unkicked_and_stop_when_told(quick: Deps, fake: LocalSlack) -> None:
    drawn: list[str] = []
    quick.delivery.draw_home = drawn.append
    quick.delivery.start()
    threads = [quick.delivery._thread, quick.delivery._homes]
    assert [(t.name, t.daemon, t.is_alive()) for t in threads if t] == [
        ("policybot-delivery", True, True),  # a daemon: never keeps a stopping process alive
        ("policybot-homes", True, True),
    ]
    post(quick)
    quick.outbox.put([Message(home_key("USTAFF9"), None, "USTAFF9", "", send=Send.HOME)], quick.clock())
    wait_until(lambda: len(fake.visible(CHANNEL)) == 1 and drawn == ["USTAFF9"])
    quick.delivery.stop()
    assert not any(t.is_alive() for t in threads if t)


def test_a_kick_sends_at_once_and_a_stop_wakes_the_loops(deps: Deps, fake: LocalSlack) -> None:
    drawn: list[str] = []
    deps.delivery.draw_home = drawn.append
    passes: list[datetime] = []
    deps.delivery.on_pass = passes.append
    deps.delivery.start()  # idle for DELIVERY_RETRY_SECONDS (60) once nothing is due
    wait_until(lambda: passes == [deps.clock()])
    post(deps)
    deps.outbox.put([Message(home_key("USTAFF9"), None, "USTAFF9", "", send=Send.HOME)], deps.clock())
    deps.delivery.kick()
    wait_until(lambda: len(fake.visible(CHANNEL)) == 1 and drawn == ["USTAFF9"])
    began = time.monotonic()
    deps.delivery.stop()
    assert time.monotonic() - began < 5 and not deps.delivery._thread.is_alive()  # type: ignore[union-attr]
    assert not deps.delivery._homes.is_alive()  # type: ignore[union-attr]


def test_the_sender_sleeps_until_the_next_row_falls_due_within_its_retry_interval(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert deps.delivery._idle_seconds(homes=False) == 60  # nothing pending: the retry interval
    later = Message("later", (RecordKind.CONCERN, 1), CHANNEL, "x", due=deps.clock() + timedelta(seconds=3))
    deps.outbox.put([later], deps.clock())
    assert deps.delivery._idle_seconds(homes=False) == 3
    clock: Any = deps.clock
    clock.now += timedelta(seconds=10)  # overdue: a moment, never a busy loop
    assert deps.delivery._idle_seconds(homes=False) == 0.05
    clock.now -= timedelta(minutes=5)
    assert deps.delivery._idle_seconds(homes=False) == 60

    def away(_now: object = None, _homes: bool | None = None) -> None:
        raise OperationalError("SELECT", (), Exception("down"))

    monkeypatch.setattr(deps.outbox, "earliest", away)
    assert deps.delivery._idle_seconds(homes=False) == 60


def test_each_persons_home_is_drawn_once_for_all_their_askings(deps: Deps) -> None:
    drawn: list[str] = []
    deps.delivery.draw_home = drawn.append
    askings = [Message(home_key(user), None, user, "", send=Send.HOME) for user in ("UB", "UA", "UB", "UC", "UA")]
    deps.outbox.put(askings * 2, deps.clock())  # ten askings: more than one claim's worth
    assert deps.delivery.draw_homes() == 3 and drawn == ["UA", "UB", "UC"]
    assert due_rows(deps, deps.clock() + timedelta(hours=1)) == []  # every asking answered


def test_a_home_slack_refuses_is_tried_again_and_a_database_away_is_a_log_line(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refused(user: str) -> None:
        if user == "UA":
            raise OSError("no network")

    deps.delivery.draw_home = refused
    deps.outbox.put([Message(home_key(u), None, u, "", send=Send.HOME) for u in ("UA", "UB")], deps.clock())
    assert deps.delivery.draw_homes() == 1
    assert due_rows(deps, deps.clock()) == []
    [again] = deps.outbox.claim_due(deps.clock() + timedelta(hours=1), None, 10)  # after its back-off
    assert again.row.channel == "UA"

    def away(*_args: Any) -> Any:
        raise OperationalError("UPDATE outbox_message", (), Exception("down"))

    monkeypatch.setattr(deps.outbox, "claim_due", away)
    caplog.clear()
    with caplog.at_level(logging.ERROR, "bot.delivery"):
        assert deps.delivery.draw_homes() == 0 and deps.delivery.run_pass() == 0
    assert [r.getMessage() for r in caplog.records] == [
        "App Homes' pass failed: OperationalError",
        "delivery pass failed: OperationalError",
    ]
    assert deps.delivery.last_pass_at is None  # a pass that failed is not a pass


def test_a_reply_goes_in_its_posts_thread_once_the_post_is_sent(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 500, times=1, when=lambda p: p["text"] == "post 1")
    post(deps)
    reply = Message("nudge", (RecordKind.CONCERN, 1), CHANNEL, "nudge", thread_of=post_key(RecordKind.CONCERN, 1))
    deps.outbox.put([reply], deps.clock())
    assert deps.delivery.run_pass() == 0  # the post failed; the reply waits a second for it, not unsure
    waiting = deps.outbox.target("nudge")
    assert waiting is not None and waiting.next_attempt_at == deps.clock() + timedelta(seconds=1)
    assert waiting.state is State.PENDING and not waiting.unsure and waiting.claimed_until is None
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    assert deps.delivery.run_pass() == 2
    [shown] = fake.visible(CHANNEL)
    assert [m.text for m in fake.visible(CHANNEL, shown.ts)] == ["nudge"]


def test_a_reply_to_a_post_that_never_went_is_sent_on_its_own(deps: Deps, fake: LocalSlack) -> None:
    reply = Message("nudge", (RecordKind.CONCERN, 1), CHANNEL, "nudge", thread_of=post_key(RecordKind.CONCERN, 9))
    deps.outbox.put([reply], deps.clock())
    assert deps.delivery.run_pass() == 1
    assert [m.text for m in fake.visible(CHANNEL)] == ["nudge"]


def test_a_redraw_waiting_for_its_post_is_not_unsure_and_one_whose_post_never_went_is_given_up(
    deps: Deps, fake: LocalSlack
) -> None:
    fake.fail("chat.postMessage", 500, times=1)
    post(deps)
    redraw = Message(card_key(RecordKind.CONCERN, 1), (RecordKind.CONCERN, 1), CHANNEL, "new", send=Send.UPDATE)
    deps.outbox.put([replace(redraw, thread_of=post_key(RecordKind.CONCERN, 1))], deps.clock())
    orphan = replace(redraw, key=card_key(RecordKind.CONCERN, 2), thread_of=post_key(RecordKind.CONCERN, 2))
    deps.outbox.put([orphan], deps.clock())
    assert deps.delivery.run_pass() == 0
    waiting = deps.outbox.target(card_key(RecordKind.CONCERN, 1))
    assert waiting is not None and waiting.state is State.PENDING and not waiting.unsure
    assert waiting.next_attempt_at == deps.clock() + timedelta(seconds=1)
    given_up = deps.outbox.target(card_key(RecordKind.CONCERN, 2))
    assert given_up is not None and given_up.state is State.GONE and fake.of("chat.update") == []


def test_a_redraw_of_a_cancelled_post_is_given_up_without_asking_slack(deps: Deps, fake: LocalSlack) -> None:
    post(deps)
    redraw = Message(card_key(RecordKind.CONCERN, 1), (RecordKind.CONCERN, 1), CHANNEL, "new", send=Send.UPDATE)
    deps.outbox.put([replace(redraw, thread_of=post_key(RecordKind.CONCERN, 1))], deps.clock())
    with transaction(deps.engine) as session:  # the post was cancelled before it went (its record redacted, say)
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == post_key(RecordKind.CONCERN, 1))  # type: ignore[arg-type]
            .values(state=State.CANCELLED)
        )
    assert deps.delivery.run_pass() == 0 and fake.of("chat.update") == [] and fake.visible(CHANNEL) == []
    card = deps.outbox.target(card_key(RecordKind.CONCERN, 1))
    assert card is not None and card.state is State.GONE


def test_a_redraw_is_recorded_where_its_post_is(deps: Deps, fake: LocalSlack) -> None:
    post(deps)
    deps.delivery.run_pass()
    redraw = Message(card_key(RecordKind.CONCERN, 1), (RecordKind.CONCERN, 1), CHANNEL, "new", send=Send.UPDATE)
    deps.outbox.put([replace(redraw, thread_of=post_key(RecordKind.CONCERN, 1))], deps.clock())
    assert deps.delivery.run_pass() == 1
    [shown] = fake.visible(CHANNEL)
    card = deps.outbox.target(card_key(RecordKind.CONCERN, 1))
    assert card is not None and (card.state, card.sent_channel, card.sent_ts) == (State.SENT, CHANNEL, shown.ts)


def deletion(deps: Deps, ts: str, key: str = "redacted:1:delete") -> None:
    """A deletion as retention writes it (storage.outbox_messages.deletion: the ts in deletes_ts)."""
    with plain_writing(deps.engine) as connection:
        connection.execute(
            insert(OutboxMessage.__table__),  # type: ignore[attr-defined]
            [deletion_row(key, (RecordKind.CONCERN, 1), CHANNEL, ts, deps.clock()) | {"school_id": deps.outbox.school}],
        )


def due_rows(deps: Deps, at: datetime) -> list[int]:
    """The pending rows due by `at` that nobody holds (what a pass would claim)."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    c = table.c
    free = or_(c.claimed_until.is_(None), c.claimed_until < at)
    with deps.engine.connect() as connection:
        found = connection.execute(select(c.id).where(c.state == "pending", c.next_attempt_at <= at, free))
        return [row_id for (row_id,) in found]


def test_a_deletion_of_a_message_already_gone_is_done(deps: Deps, fake: LocalSlack) -> None:
    post(deps)
    deps.delivery.run_pass()
    [shown] = fake.visible(CHANNEL)
    deletion(deps, shown.ts)
    assert deps.delivery.run_pass() == 1 and fake.visible(CHANNEL) == []
    deletion(deps, shown.ts, "redacted:2:delete")
    assert deps.delivery.run_pass() == 1  # message_not_found: what was asked for is so
    for key in ("redacted:1:delete", "redacted:2:delete"):
        row = deps.outbox.target(key)
        assert row is not None and (row.state, row.channel, row.document) == (State.SENT, "redacted", "")


@pytest.mark.parametrize(
    "status, error", [(200, "cant_delete_message"), (500, "fake_failure"), (404, "message_not_found")]
)
def test_a_deletion_slack_refuses_otherwise_is_not_done(deps: Deps, fake: LocalSlack, status: int, error: str) -> None:
    post(deps)
    deps.delivery.run_pass()
    [shown] = fake.visible(CHANNEL)
    deletion(deps, shown.ts)
    fake.fail("chat.delete", status, times=1, error=error)
    assert deps.delivery.run_pass() == 0
    row = deps.outbox.target("redacted:1:delete")
    assert row is not None and row.state is not State.SENT and row.document in ("", shown.ts)


def test_a_post_carries_its_blocks_and_a_post_found_in_slack_says_so(
    deps: Deps, fake: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*post 1*"}}]
    message = Message(post_key(RecordKind.CONCERN, 1), (RecordKind.CONCERN, 1), CHANNEL, "post 1", json.dumps(blocks))
    deps.outbox.put([message], deps.clock())
    fake.fail("chat.postMessage", 500, times=1, applied=True)
    deps.delivery.run_pass()
    [shown] = fake.visible(CHANNEL)
    assert shown.blocks == blocks and shown.thread_ts is None
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    with caplog.at_level(logging.INFO, "bot.delivery"):
        assert deps.delivery.run_pass() == 1
    assert "outbox 1: found in Slack, not sent again" in [r.getMessage() for r in caplog.records]


def test_a_stale_holder_stops_and_another_process_sends_the_row(
    deps: Deps, fake: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    post(deps)
    [stale] = deps.outbox.claim_due(deps.clock(), replies=False, limit=10)
    clock: Any = deps.clock
    clock.now += LEASE + timedelta(seconds=1)  # its lease lapsed while it was away
    [taken] = deps.outbox.claim_due(deps.clock(), replies=False, limit=10)
    with caplog.at_level(logging.WARNING, "bot.delivery"):
        assert deps.delivery._deliver(stale) is False
    assert [r.getMessage() for r in caplog.records] == ["outbox 1: taken over by another process"]
    assert fake.of("chat.postMessage") == [] and deps.delivery._deliver(taken) is True
    assert len(fake.visible(CHANNEL)) == 1


def test_a_row_is_held_for_another_lease_once_a_third_of_it_has_gone(deps: Deps) -> None:
    post(deps)
    [claimed] = deps.outbox.claim_due(deps.clock(), replies=False, limit=10)
    row = claimed.row
    began: datetime = deps.clock()
    clock: Any = deps.clock
    clock.now = began + LEASE / 3  # two thirds left: held as it is
    deps.delivery._renew(row)
    assert row.claimed_until == began + LEASE
    clock.now = began + LEASE / 3 + timedelta(milliseconds=1)
    deps.delivery._renew(row)
    assert row.claimed_until == deps.clock() + LEASE
    stored = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert stored is not None and stored.claimed_until == deps.clock() + LEASE
    clock.now += LEASE + timedelta(seconds=1)
    deps.outbox.claim_due(deps.clock(), replies=False, limit=10)  # another process takes it over
    with pytest.raises(LostClaim):
        deps.delivery._renew(row)


def test_a_row_that_cannot_be_read_or_drawn_is_a_log_line_and_the_others_go(
    deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bad = Message(post_key(RecordKind.CONCERN, 1), (RecordKind.CONCERN, 1), CHANNEL, "post 1", "{not json")
    reply = Message("nudge", (RecordKind.CONCERN, 2), CHANNEL, "nudge", thread_of=post_key(RecordKind.CONCERN, 2))
    deps.outbox.put([bad, reply], deps.clock())
    post(deps, 3)
    real_target = deps.outbox.target

    def target(key: str) -> Any:
        if key == post_key(RecordKind.CONCERN, 2):
            raise OperationalError("SELECT outbox_message", (), Exception("down"))
        return real_target(key)

    monkeypatch.setattr(deps.outbox, "target", target)
    with caplog.at_level(logging.ERROR, "bot.delivery"):
        assert deps.delivery.run_pass() == 1
    assert [m.text for m in fake.visible(CHANNEL)] == ["post 3"]
    assert sorted(r.getMessage() for r in caplog.records) == [
        "outbox 1: unexpected JSONDecodeError",
        "outbox 2: paused, the database is unavailable (OperationalError)",
    ]


def test_a_write_of_sent_is_tried_five_times_a_second_apart(
    deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("bot.sending.time.sleep", waits.append)
    monkeypatch.setattr(deps.outbox, "sent", database_away(4)(deps.outbox.sent))
    post(deps)
    with caplog.at_level(logging.WARNING, "bot.delivery"):
        assert deps.delivery.run_pass() == 1  # the fifth try is written
    assert waits == [1, 1, 1, 1]
    assert [r.getMessage() for r in caplog.records] == ["outbox 1: sent, not yet recorded (OperationalError)"] * 4
    row = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert row is not None and row.state is State.SENT


def test_a_post_whose_record_was_redacted_as_it_was_sent_is_deleted_in_turn(
    deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    late: list[tuple[str, str]] = []

    def landed_too_late(row: Any, channel: str, ts: str, now: datetime) -> bool:
        late.append((channel, ts))
        return True

    monkeypatch.setattr(deps.outbox, "sent", lambda *_args: False)  # its row was cancelled under the send
    monkeypatch.setattr(deps.outbox, "landed_too_late", landed_too_late)
    post(deps)
    with caplog.at_level(logging.WARNING, "bot.delivery"):
        deps.delivery.run_pass()
    [shown] = fake.visible(CHANNEL)
    assert late == [(CHANNEL, shown.ts)] and deps.delivery._wake.is_set()  # its deletion is sent at once
    assert [r.getMessage() for r in caplog.records] == [
        "outbox 1: its record was redacted as it was sent; it is deleted"
    ]


def test_a_stopping_process_lets_go_of_a_batch_it_cannot_start(
    deps: Deps, fake: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    post(deps)
    deps.delivery._pool.shutdown()
    with caplog.at_level(logging.ERROR, "bot.delivery"):
        assert deps.delivery.run_pass() == 0
    assert [r.getMessage() for r in caplog.records] == ["delivery pass failed: RuntimeError"]
    row = deps.outbox.target(post_key(RecordKind.CONCERN, 1))
    assert row is not None and row.claimed_until is None and row.next_attempt_at == deps.clock()
    assert fake.of("chat.postMessage") == [] and due_rows(deps, deps.clock()) != []  # another process may send it


def test_each_pass_is_told_when_it_began(deps: Deps) -> None:
    passes: list[datetime] = []
    deps.delivery.on_pass = passes.append
    for n in range(1, 18):  # more than a claim's worth, then replies
        post(deps, n)
    deps.outbox.put(
        [Message("nudge", (RecordKind.CONCERN, 1), CHANNEL, "nudge", thread_of=post_key(RecordKind.CONCERN, 1))],
        deps.clock(),
    )
    assert deps.delivery.run_pass() == 18 and passes == [deps.clock()] and deps.delivery.last_pass_at == passes[0]


def test_a_home_slack_answered_with_an_error_is_drawn_again_after_its_back_off(deps: Deps) -> None:
    def refused(user: str) -> None:
        data = {"ok": False, "error": "internal_error"}
        answer = SlackResponse(
            client=None, http_verb="POST", api_url="", req_args={}, data=data, headers={}, status_code=200
        )
        raise SlackApiError("refused", answer)

    deps.delivery.draw_home = refused
    deps.outbox.put([Message(home_key("UA"), None, "UA", "", send=Send.HOME)], deps.clock())
    assert deps.delivery.draw_homes() == 0
    assert due_rows(deps, deps.clock() + timedelta(milliseconds=999)) == []
    [again] = deps.outbox.claim_due(deps.clock() + timedelta(seconds=1), None, 10)  # its answer came: not unsure
    assert again.row.channel == "UA" and not again.was_unsure


def a_file(deps: Deps, document: str = "pack:2025-11-26:2026-11-25") -> None:
    message = Message(
        "pack:UGOV9:1", (RecordKind.REVIEW, 20270301), "UGOV9", "the pack", send=Send.FILE, document=document
    )
    deps.outbox.put([message], deps.clock())


def test_a_file_is_recorded_in_the_conversation_it_was_shared_in(deps: Deps, fake: LocalSlack) -> None:
    a_file(deps)
    assert deps.delivery.run_pass() == 1
    row = deps.outbox.target("pack:UGOV9:1")
    assert row is not None and (row.state, row.sent_channel, row.sent_ts) == (State.SENT, "DGOV9", None)
    assert [m.text for m in fake.visible("UGOV9")] == ["the pack"]


def test_a_document_policybot_cannot_draw_is_given_up_and_logged(
    deps: Deps, fake: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    a_file(deps, "pack:2027-13-01:2027-01-01")
    with caplog.at_level(logging.ERROR, "bot.delivery"):
        assert deps.delivery.run_pass() == 0
    assert [r.getMessage() for r in caplog.records] == ["outbox 1: a document policybot cannot draw; given up"]
    row = deps.outbox.target("pack:UGOV9:1")
    assert row is not None and row.state is State.GONE and fake.of("files.getUploadURLExternal") == []


def test_a_slow_upload_keeps_its_claim_so_no_other_process_shares_it_too(deps: Deps, fake: LocalSlack) -> None:
    clock: Any = deps.clock
    taken_over: list[Any] = []

    def slow(params: Any) -> bool:  # each of the upload's three calls takes six seconds: more than the lease in all
        clock.now += timedelta(seconds=6)
        taken_over.extend(deps.outbox.claim_due(clock.now, replies=False, limit=10))  # another process looks
        return False

    for method in ("files.getUploadURLExternal", "upload", "files.completeUploadExternal"):
        fake.fail(method, 200, error="", when=slow)
    a_file(deps)
    assert deps.delivery.run_pass() == 1 and taken_over == []
    assert len(fake.of("files.completeUploadExternal")) == 1


def test_a_pass_claims_a_batch_at_a_time_leaving_the_rest_to_any_process(deps: Deps, fake: LocalSlack) -> None:
    for n in range(1, 21):
        post(deps, n)
    unclaimed: list[int] = []

    def looking(params: Any) -> bool:  # while the first batch is being sent
        unclaimed.append(len(due_rows(deps, deps.clock())))
        return False

    fake.fail("chat.postMessage", 200, error="", times=1, when=looking)
    assert deps.delivery.run_pass() == 20 and unclaimed[0] == 20 - 16


def test_the_app_homes_are_claimed_eight_at_a_time(deps: Deps) -> None:
    unclaimed: list[int] = []
    deps.delivery.draw_home = lambda user: unclaimed.append(len(due_rows(deps, deps.clock())))
    deps.outbox.put([Message(home_key(f"U{n}"), None, f"U{n}", "", send=Send.HOME) for n in range(10)], deps.clock())
    assert deps.delivery.draw_homes() == 10 and unclaimed[0] == 10 - 8


def reply_to_post_1(deps: Deps) -> None:
    post(deps)
    deps.delivery.run_pass()
    reply = Message("nudge", (RecordKind.CONCERN, 1), CHANNEL, "nudge", thread_of=post_key(RecordKind.CONCERN, 1))
    deps.outbox.put([reply], deps.clock())


def test_an_unsure_reply_is_looked_for_in_its_thread(deps: Deps, fake: LocalSlack) -> None:
    reply_to_post_1(deps)
    fake.fail("chat.postMessage", 500, times=1, applied=True)  # the reply landed; the bot heard 500
    deps.delivery.run_pass()
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    assert deps.delivery.run_pass() == 1
    [shown] = fake.visible(CHANNEL)
    assert [m.text for m in fake.visible(CHANNEL, shown.ts)] == ["nudge"] and len(fake.of("chat.postMessage")) == 2


def test_a_second_copy_of_a_reply_is_deleted_from_its_thread(
    deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    reply_to_post_1(deps)
    fake.fail("chat.postMessage", 500, times=1, applied=True)
    deps.delivery.run_pass()
    [shown] = fake.visible(CHANNEL)
    [first] = fake.visible(CHANNEL, shown.ts)
    real_find, missed = landed.find, [True]

    def find_missing_once(*args: Any) -> Any:  # the look before posting misses it (a lagging thread)
        if missed.pop() if missed else False:
            return []
        return real_find(*args)

    monkeypatch.setattr(landed, "find", find_missing_once)
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    with caplog.at_level(logging.WARNING, "bot"):
        assert deps.delivery.run_pass() == 1
    [kept] = fake.visible(CHANNEL, shown.ts)
    assert kept.ts != first.ts and [d.params["ts"] for d in fake.of("chat.delete")] == [first.ts]
    assert "outbox 2: a second copy was deleted" in [r.getMessage() for r in caplog.records]


def test_a_slow_look_for_an_unsure_post_keeps_its_claim(deps: Deps, fake: LocalSlack) -> None:
    fake.fail("chat.postMessage", 500, times=1)  # not done, but it might have been: looked for before and after
    deps.outbox.put([Message("concern:1:receipt", (RecordKind.CONCERN, 1), "UREP1", "your receipt")], deps.clock())
    deps.delivery.run_pass()
    clock: Any = deps.clock
    clock.now += timedelta(seconds=deps.settings.slack_timeout_seconds)
    taken_over: list[Any] = []

    def slow(params: Any) -> bool:  # each call takes eight seconds: the lease lapses twice over unless renewed
        clock.now += timedelta(seconds=8)
        taken_over.extend(deps.outbox.claim_due(clock.now, replies=False, limit=10))  # another process looks
        return False

    for method in ("conversations.open", "conversations.history", "chat.postMessage"):
        fake.fail(method, 200, error="", times=10, when=slow)
    assert deps.delivery.run_pass() == 1 and taken_over == []
    assert [m.text for m in fake.visible("UREP1")] == ["your receipt"]


def test_a_database_away_for_every_try_leaves_the_row_unrecorded_and_says_so(
    deps: Deps, fake: LocalSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("bot.sending.time.sleep", lambda _seconds: None)
    monkeypatch.setattr(deps.outbox, "sent", database_away(5)(deps.outbox.sent))
    post(deps)
    with caplog.at_level(logging.ERROR, "bot.delivery"):
        assert deps.delivery.run_pass() == 0  # Slack has it; the database does not know yet
    assert [r.getMessage() for r in caplog.records] == [
        "outbox 1: paused, the database is unavailable (OperationalError)"
    ]


def test_a_post_recorded_as_sent_is_not_looked_at_again(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[Any] = []
    monkeypatch.setattr(deps.outbox, "landed_too_late", lambda *args: looked.append(args))
    post(deps)
    assert deps.delivery.run_pass() == 1 and looked == []  # only a row that could not be recorded is


def test_neither_loop_wakes_again_and_again_for_what_only_the_other_can_take(deps: Deps) -> None:
    """A Home waiting to be drawn is not the messages' loop's to wait for, nor a message the Homes' (each woke 20
    times a second while the other's row waited: most of a trust's background process)."""
    most = float(deps.settings.delivery_retry_seconds)
    deps.outbox.put([Message(home_key("USTAFF9"), None, "USTAFF9", "", send=Send.HOME)], deps.clock())
    assert deps.delivery._idle_seconds(homes=False) == most
    assert deps.delivery._idle_seconds(homes=True) == 0.05  # due now: its own loop goes at once
    post(deps, 8)
    assert deps.outbox.claim_due(deps.clock(), False, 10)  # being sent (by another process, say)
    assert deps.delivery._idle_seconds(homes=False) == HELD_LOOK.total_seconds()  # looked at again in a second
