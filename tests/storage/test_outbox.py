"""The outbox as stored, on both databases: claims and their leases, a stale holder's writes refused,
a redraw replaced while it is being sent, what "sent" clears and notes, fall-backs and giving up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.concerns import ConcernDraft
from flows.permissions import Placement, RecordKind
from flows.taxonomy import Area, Role
from flows.taxonomy import Kind as ConcernKind
from storage import audit
from storage.concerns import ConcernStore
from storage.models import Send, State
from storage.outbox import HELD_LOOK, LEASE, OutboxStore
from storage.outbox_messages import Message, card_key, post_key

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def message(n: int, **more: object) -> Message:
    fields = {"key": f"concern:{n}:post", "subject": (RecordKind.CONCERN, n), "channel": "CLEAD", "text": "t"}
    return Message(**(fields | more))  # type: ignore[arg-type]


def test_what_is_due_and_claimed_and_for_how_long(fresh_store: ConcernStore) -> None:
    outbox = OutboxStore(fresh_store.engine)
    outbox.put([message(1), message(2, key="later")], NOW)
    outbox.put([message(2, key="later2")], NOW + timedelta(minutes=5))
    outbox.put([message(1, key="reply", thread_of="concern:1:post")], NOW)
    assert outbox.earliest(NOW) == NOW
    [first] = outbox.claim_due(NOW, replies=False, limit=1)
    assert first.row.key == "concern:1:post" and not first.was_unsure
    assert first.row.attempts == 1 and first.row.claimed_until == NOW + LEASE
    assert [c.row.key for c in outbox.claim_due(NOW, replies=False, limit=10)] == ["later"]  # held ones are not
    assert outbox.claim_due(NOW, replies=False, limit=10) == []
    [reply] = outbox.claim_due(NOW, replies=True, limit=10)
    assert reply.row.key == "reply"
    lapsed = NOW + LEASE + timedelta(seconds=1)  # a holder that died: its rows are taken over, known to be unsure
    again = {c.row.key: c for c in outbox.claim_due(lapsed, replies=False, limit=10)}
    assert again["concern:1:post"].was_unsure and again["concern:1:post"].row.attempts == 2
    assert not outbox.sent(first.row, "C1", "1.1", lapsed)  # the stale holder's answer is not taken
    assert not outbox.renew(first.row, lapsed)


def test_sent_clears_the_text_and_notes_a_concerns_post_in_its_trail(fresh_store: ConcernStore) -> None:
    draft = ConcernDraft(
        "UREP", Area.CONDUCT, ConcernKind.AGGRESSIVE, "tiktok", frozenset({Role.PUPIL}), description="x"
    )
    concern, _ = fresh_store.create(
        draft, "V1", (Placement.CHANNEL, None), NOW, tell=lambda c: [message(c.id), message(c.id, key="receipt")]
    )
    outbox = OutboxStore(fresh_store.engine)
    claimed = {c.row.key: c.row for c in outbox.claim_due(NOW, replies=False, limit=10)}
    assert outbox.sent(claimed[post_key(RecordKind.CONCERN, concern.id or 0)], "CLEAD", "17.1", NOW)
    assert outbox.sent(claimed["receipt"], "DREP", "17.2", NOW)
    row = outbox.target(post_key(RecordKind.CONCERN, concern.id or 0))
    assert row is not None and row.state is State.SENT and (row.text, row.blocks, row.unsure) == ("", "", False)
    assert (row.sent_channel, row.sent_ts) == ("CLEAD", "17.1")
    delivered = [
        e for e in audit.trail(fresh_store.engine, RecordKind.CONCERN, concern.id or 0) if e.action == "delivered"
    ]
    assert len(delivered) == 1 and delivered[0].note == "" and delivered[0].actor_id == audit.SYSTEM_ACTOR


def test_a_redraw_replaced_while_it_is_sent_stays_pending_with_the_newest(fresh_store: ConcernStore) -> None:
    outbox = OutboxStore(fresh_store.engine)
    card = message(3, key=card_key(RecordKind.CONCERN, 3), send=Send.UPDATE, thread_of=post_key(RecordKind.CONCERN, 3))
    outbox.put([card], NOW)
    [sending] = outbox.claim_due(NOW, replies=True, limit=10)
    outbox.put([Message(**{**card.__dict__, "text": "newer"})], NOW)
    assert outbox.sent(sending.row, "C", "1.1", NOW)
    [again] = outbox.claim_due(NOW, replies=True, limit=10)
    assert again.row.text == "newer" and again.row.state is State.PENDING
    assert outbox.sent(again.row, "C", "1.1", NOW) and outbox.claim_due(NOW, replies=True, limit=10) == []
    assert outbox.target(card_key(RecordKind.CONCERN, 3)).state is State.SENT  # type: ignore[union-attr]


def test_a_message_slack_will_never_take_goes_to_its_fall_back_or_is_given_up(fresh_store: ConcernStore) -> None:
    outbox = OutboxStore(fresh_store.engine)
    outbox.put([message(4, fallback="UHEAD", thread_of="concern:9:post")], NOW)
    [claimed] = outbox.claim_due(NOW, replies=True, limit=10)
    assert outbox.gone(claimed.row, NOW + timedelta(seconds=1), " (why)") == "UHEAD"
    [moved] = outbox.claim_due(NOW + timedelta(seconds=1), replies=False, limit=10)
    assert (moved.row.channel, moved.row.fallback, moved.row.thread_of, moved.row.text) == (
        "UHEAD",
        None,
        None,
        "t (why)",
    )
    assert outbox.gone(moved.row, NOW) is None
    given_up = outbox.target("concern:4:post")
    assert given_up is not None and given_up.state is State.GONE and given_up.text == ""
    assert outbox.earliest(NOW) is None


def test_a_retry_keeps_what_is_known_of_the_attempt(fresh_store: ConcernStore) -> None:
    outbox = OutboxStore(fresh_store.engine)
    outbox.put([message(5)], NOW)
    [claimed] = outbox.claim_due(NOW, replies=False, limit=10)
    assert outbox.retry(claimed.row, NOW + timedelta(seconds=7), unsure=False)
    assert outbox.claim_due(NOW + timedelta(seconds=6), replies=False, limit=10) == []
    assert outbox.earliest(NOW) == NOW + timedelta(seconds=7)
    [again] = outbox.claim_due(NOW + timedelta(seconds=7), replies=False, limit=10)
    assert not again.was_unsure  # Slack said no (a 429): nothing to look for


def test_a_renewed_claim_is_held_for_a_lease_from_the_renewal(fresh_store: ConcernStore) -> None:
    outbox = OutboxStore(fresh_store.engine)
    outbox.put([message(4)], NOW)
    [held] = outbox.claim_due(NOW, replies=False, limit=10)
    renewed_at = NOW + timedelta(seconds=10)
    assert outbox.renew(held.row, renewed_at)
    after_first_lease = NOW + LEASE + timedelta(seconds=1)  # the claim's own lease is over; the renewal's is not
    assert outbox.claim_due(after_first_lease, False, 10) == []  # still held: the renewal wrote a new lease
    almost = renewed_at + LEASE - timedelta(seconds=0.5)
    assert outbox.earliest(almost) == renewed_at + LEASE  # it can be taken again when that lease runs out
    row = outbox.target("concern:4:post")
    assert row is not None and row.claimed_until == renewed_at + LEASE
    [taken] = outbox.claim_due(renewed_at + LEASE + timedelta(seconds=1), replies=False, limit=10)
    assert taken.was_unsure and taken.row.attempts == 2


def test_each_of_the_senders_loops_wakes_for_its_own_rows_when_they_can_be_taken(fresh_store: ConcernStore) -> None:
    outbox = OutboxStore(fresh_store.engine)
    outbox.put([message(6)], NOW)
    outbox.put([message(6, key="home:UHEAD1", channel="UHEAD1", send=Send.HOME)], NOW + timedelta(seconds=1))
    assert outbox.earliest(NOW, homes=False) == NOW and outbox.earliest(NOW, homes=True) == NOW + timedelta(seconds=1)
    [held] = outbox.claim_due(NOW, replies=False, limit=10)  # being sent: the messages' loop waits for its lease
    assert outbox.earliest(NOW, homes=False) == NOW + HELD_LOOK  # looked at again soon: it may be let go
    assert outbox.earliest(NOW + LEASE - timedelta(seconds=0.5), homes=False) == NOW + LEASE  # else at its lease end
    assert outbox.sent(held.row, "CLEAD", "1.0", NOW)
    assert outbox.earliest(NOW, homes=False) is None and outbox.earliest(NOW, homes=True) == NOW + timedelta(seconds=1)
