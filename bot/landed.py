"""Finding in Slack what the sender posted when its answer never came: every post carries its outbox row in Slack
message metadata (`metadata()`), and `find()` looks for it in the conversation (one page since the row was written,
or the thread) before the row is posted again; `delete()` takes away a second copy. A shared file is found by its
file id (`find_file()`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient

from storage.models import OutboxMessage

log = logging.getLogger(__name__)

EVENT_TYPE = "policybot_outbox"
LOOK_BACK = timedelta(minutes=1)  # a lost post is looked for from a minute before its row was written
PAGE = 200

Found = tuple[str, str]  # (conversation id, message ts)


def metadata(row: OutboxMessage) -> dict[str, Any]:
    """What a message carries to be found again: its row, and when the row was written (ids restart with a new
    database; the pair does not). Nothing personal."""
    mark = {"outbox": row.id, "written": int(row.created_at.timestamp() * 1_000_000)}
    return {"event_type": EVENT_TYPE, "event_payload": mark}


def find(
    client: WebClient, row: OutboxMessage, channel: str, thread_ts: str | None, before_each_call: Callable[[], None]
) -> list[Found]:
    """The messages in the conversation that carry this row's mark, oldest first. `before_each_call` keeps the
    row's lease."""
    mark = metadata(row)
    return _find(client, row, channel, thread_ts, before_each_call, lambda message: _marked(message, mark))


def find_file(
    client: WebClient, row: OutboxMessage, channel: str, file_id: str, before_each_call: Callable[[], None]
) -> list[Found]:
    """The messages in the conversation that share the file uploaded for this row (a file carries no metadata: its
    id, kept on the row before it was shared, is the mark)."""

    def sharing(message: dict[str, Any]) -> bool:
        return any(isinstance(f, dict) and f.get("id") == file_id for f in message.get("files") or [])

    return _find(client, row, channel, None, before_each_call, sharing)


def conversation(client: WebClient, channel: str, before_each_call: Callable[[], None]) -> str:
    """The conversation a message to `channel` lands in: for a person, their direct messages with the bot."""
    if channel[:1] not in ("U", "W"):
        return channel
    before_each_call()
    return str(client.conversations_open(users=channel)["channel"]["id"])


def _marked(message: dict[str, Any], mark: dict[str, Any]) -> bool:
    return isinstance(message.get("metadata"), dict) and {k: message["metadata"].get(k) for k in mark} == mark


def _find(
    client: WebClient,
    row: OutboxMessage,
    channel: str,
    thread_ts: str | None,
    before_each_call: Callable[[], None],
    wanted: Callable[[dict[str, Any]], bool],
) -> list[Found]:
    channel = conversation(client, channel, before_each_call)
    before_each_call()
    if thread_ts:
        found = client.conversations_replies(channel=channel, ts=thread_ts, include_all_metadata=True, limit=PAGE)
    else:
        oldest = f"{(row.created_at - LOOK_BACK).timestamp():.6f}"
        found = client.conversations_history(channel=channel, oldest=oldest, include_all_metadata=True, limit=PAGE)
    hits = [(channel, str(message["ts"])) for message in found.get("messages") or [] if wanted(message)]
    return sorted(hits, key=lambda hit: float(hit[1]))


def delete(client: WebClient, row: OutboxMessage, copies: list[Found]) -> None:
    for channel, ts in copies:
        client.chat_delete(channel=channel, ts=ts)
        log.warning("outbox %s: a second copy was deleted", row.id)
