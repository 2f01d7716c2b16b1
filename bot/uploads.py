"""A file through the outbox (Send.FILE): drawn when it is sent, uploaded and shared with Slack's upload flow
(files.getUploadURLExternal, the upload itself, files.completeUploadExternal), exactly once.

slack_sdk's files_upload_v2 makes the same three calls in one, so a lost answer to the last would leave no file id
to look for. Here the file id is written to the row as soon as the content is with Slack; an attempt that may have
shared it (no answer, a 5xx, a crash) first looks in the conversation for a message carrying that file, and shares
it only if none is there. Slack shares a file asynchronously, so the share's message time is not known when it is
sent: the row records the conversation only.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import landed
from storage.models import OutboxMessage
from storage.outbox import OutboxStore

log = logging.getLogger(__name__)

# completeUploadExternal's answers that mean the uploaded content is gone: upload it again.
UPLOAD_LOST = frozenset({"file_not_found", "file_deleted", "invalid_file_id", "file_upload_expired"})


@dataclass(frozen=True)
class Document:
    filename: str
    title: str
    content: bytes


class DocumentSource(Protocol):
    def title(self, spec: str) -> str:
        """The title a document is shared under (cheap: no drawing)."""

    def draw(self, spec: str) -> Document:
        """The document, drawn now. Raises ValueError for a spec it does not know."""


class LostClaim(Exception):
    """Another process holds the row now: it carries on."""


def share(
    client: WebClient,
    outbox: OutboxStore,
    documents: DocumentSource,
    row: OutboxMessage,
    was_unsure: bool,
    renew: Callable[[], None],
) -> str:
    """Share the row's document in its conversation; returns the conversation's id. Raises what Slack raises."""
    conversation = landed.conversation(client, row.channel, renew)
    if was_unsure and row.file_id and landed.find_file(client, row, conversation, row.file_id, renew):
        log.info("outbox %s: the file is in Slack already, not shared again", row.id)
        return conversation
    file_id = row.file_id or _upload(client, outbox, documents.draw(row.document), row, renew)
    renew()
    try:
        client.files_completeUploadExternal(
            files=[{"id": file_id, "title": documents.title(row.document)}],
            channel_id=conversation,
            initial_comment=row.text,
        )
    except SlackApiError as error:
        if error.response.status_code == 200 and error.response.get("error") in UPLOAD_LOST:
            outbox.uploaded(row, None)  # the next attempt uploads it afresh
            row.file_id = None
        raise
    return conversation


def _upload(
    client: WebClient, outbox: OutboxStore, document: Document, row: OutboxMessage, renew: Callable[[], None]
) -> str:
    renew()
    slot = client.files_getUploadURLExternal(filename=document.filename, length=len(document.content))
    file_id, url = str(slot["file_id"]), str(slot["upload_url"])
    renew()
    request = urllib.request.Request(
        url, data=document.content, method="POST", headers={"Content-Type": "application/octet-stream"}
    )
    with urllib.request.urlopen(request, timeout=client.timeout) as answer:  # noqa: S310 - Slack's upload URL
        if answer.status != 200:
            raise OSError(f"upload answered {answer.status}")
    if not outbox.uploaded(row, file_id):
        raise LostClaim
    row.file_id = file_id
    return file_id
