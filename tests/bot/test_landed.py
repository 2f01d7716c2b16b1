"""Finding in Slack what the sender may have posted (bot.landed), against the fake Slack in this process: only a
message carrying this row's own mark (its id and when it was written) is it, looked for from a minute before the
row was written, in the thread when it is a reply and in the DM when it went to a person; a shared file is found by
its id; each second copy is deleted."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient

from bot import landed
from sandbox.slack import LocalSlack
from storage.models import OutboxMessage, Send
from tests.bot.conftest import CHANNEL


def a_row(row_id: int = 5, written: datetime | None = None) -> OutboxMessage:
    written = written or datetime.now(UTC)  # the fake Slack's ts are the real time
    return OutboxMessage(
        id=row_id, key=f"k{row_id}", send=Send.POST, channel=CHANNEL, created_at=written, next_attempt_at=written
    )


@pytest.fixture
def client(fake: LocalSlack) -> Iterator[WebClient]:
    yield WebClient(token=fake.token, base_url=fake.api_url)


class Calls:
    """before_each_call: how often it was called (the row's lease is kept before each Slack call)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def posted(client: WebClient, metadata: Any = None, channel: str = CHANNEL, thread_ts: str | None = None) -> str:
    extra = {"metadata": metadata} if metadata is not None else {}
    return str(client.chat_postMessage(channel=channel, text="t", thread_ts=thread_ts, **extra)["ts"])


def test_only_a_message_carrying_this_rows_own_mark_is_it_oldest_first(client: WebClient, fake: LocalSlack) -> None:
    row = a_row()
    mark = landed.metadata(row)
    payload = mark["event_payload"]
    first = posted(client, mark)
    posted(client, {**mark, "event_payload": {**payload, "outbox": 6}})  # another row
    posted(client, {**mark, "event_payload": {**payload, "written": payload["written"] + 1}})  # an older database's
    posted(client, {**mark, "event_payload": {"outbox": 5}})  # a mark without when
    posted(client, {**mark, "event_type": "someone_elses"})  # another app's
    posted(client)  # no metadata
    second = posted(client, mark)
    calls = Calls()
    assert landed.find(client, row, CHANNEL, None, calls) == [(CHANNEL, first), (CHANNEL, second)]
    assert calls.count == 1 and fake.of("conversations.open") == []
    [looked] = fake.of("conversations.history")
    assert looked.params["oldest"] == f"{(row.created_at - timedelta(minutes=1)).timestamp():.6f}"
    assert (looked.params["include_all_metadata"], looked.params["limit"]) == ("1", "200")  # metadata is asked for


def test_a_message_from_before_the_row_was_written_is_not_looked_at(client: WebClient) -> None:
    row = a_row(written=datetime.now(UTC) + timedelta(minutes=2))
    posted(client, landed.metadata(row))  # three minutes before it was written, less one: too early to be it
    assert landed.find(client, row, CHANNEL, None, Calls()) == []


def test_a_reply_is_looked_for_in_its_thread_only(client: WebClient, fake: LocalSlack) -> None:
    row = a_row()
    mark = landed.metadata(row)
    parent = posted(client)
    posted(client, mark)  # the same mark outside the thread is not this reply
    reply = posted(client, mark, thread_ts=parent)
    posted(client, mark, thread_ts=posted(client))  # nor in another thread
    assert landed.find(client, row, CHANNEL, parent, Calls()) == [(CHANNEL, reply)]
    [looked] = fake.of("conversations.replies")
    assert (looked.params["include_all_metadata"], looked.params["limit"]) == ("1", "200")  # metadata is asked for
    assert fake.of("conversations.history") == []


@pytest.mark.parametrize("person", ["UREP1", "WREP1"])
def test_a_direct_message_is_looked_for_in_the_persons_dm(client: WebClient, fake: LocalSlack, person: str) -> None:
    row = a_row()
    dm = "D" + person[1:]
    ts = posted(client, landed.metadata(row), channel=person)
    calls = Calls()
    assert landed.find(client, row, person, None, calls) == [(dm, ts)]
    assert calls.count == 2 and [c.params["users"] for c in fake.of("conversations.open")] == [person]
    assert landed.conversation(client, CHANNEL, calls) == CHANNEL and calls.count == 2  # a channel is its own


def test_a_shared_file_is_found_by_its_id(client: WebClient, fake: LocalSlack) -> None:
    row = a_row()
    for content in (b"ours", b"another"):
        client.files_upload_v2(channel=CHANNEL, content=content, filename="pack.txt", title="Pack")
    posted(client, landed.metadata(row))  # a mark is not a file
    ours, other = (m.files[0]["id"] for m in fake.visible(CHANNEL)[:2])
    assert ours != other
    [sharing] = [m.ts for m in fake.visible(CHANNEL) if m.files and m.files[0]["id"] == ours]
    calls = Calls()
    assert landed.find_file(client, row, CHANNEL, ours, calls) == [(CHANNEL, sharing)] and calls.count == 1
    assert landed.find_file(client, row, "UREP1", ours, calls) == []  # looked for in the DM, where it is not
    assert [c.params["users"] for c in fake.of("conversations.open")] == ["UREP1"]


def test_each_second_copy_is_deleted_and_logged_by_its_row(
    client: WebClient, fake: LocalSlack, caplog: pytest.LogCaptureFixture
) -> None:
    row = a_row()
    kept, *copies = (posted(client, landed.metadata(row)) for _ in range(3))
    with caplog.at_level(logging.WARNING, "bot.landed"):
        landed.delete(client, row, [(CHANNEL, ts) for ts in copies])
    assert [m.ts for m in fake.visible(CHANNEL)] == [kept]
    assert [r.getMessage() for r in caplog.records] == ["outbox 5: a second copy was deleted"] * 2
