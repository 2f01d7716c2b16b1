"""The door in front of Bolt over HTTP: only a bounded, signed, readable request reaches the app.

Bolt's own HTTP adapters decode and parse the body before they check its signature, so a body that is not UTF-8 or
not JSON raised (a 500 and a traceback for anyone who can reach the URL); and Bolt takes any form body containing the
word "payload" for an interactive payload, so `/report-concern payload` was lost. Here the order is: size, then
Slack's signature over the raw bytes, then parsing, and Bolt is handed the body already parsed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20  # Slack's largest payload (a submitted modal of 100 blocks) is far smaller
MAX_DEPTH = 40  # Slack's payloads nest about ten deep
SIGNATURE_WINDOW_SECONDS = 300  # Slack's own advice: refuse anything signed more than five minutes ago

# The only headers passed on to Bolt: Slack's. Headers are not covered by the signature, and Bolt acts on some of
# its own (x-slack-bolt-lazy-only) that must never come from outside.
SLACK_HEADERS = (
    "content-type",
    "x-slack-request-timestamp",
    "x-slack-signature",
    "x-slack-retry-num",
    "x-slack-retry-reason",
)


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # for the log line: never a value from the request


def too_large(content_length: str | None) -> Refusal | None:
    """413 for a declared length over the limit, before anything is read."""
    if content_length and content_length.isdigit() and int(content_length) > MAX_BODY_BYTES:
        return Refusal(413, "body over the size limit")
    return None


def signature_refusal(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> Refusal | None:
    """None when Slack signed this body within the last five minutes; the signature covers the raw bytes."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp.isdigit() or len(timestamp) > 12 or not signature.startswith("v0="):
        return Refusal(401, "unsigned")
    if abs(now - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        return Refusal(401, "stale signature")
    expected = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest("v0=" + expected, signature):
        return Refusal(401, "bad signature")
    return None


def parse(body: bytes, content_type: str) -> dict[str, Any] | None:
    """The request as Slack means it: an Events API JSON object, an interactive `payload`, or a slash command's
    form fields. None for anything else (not UTF-8, not JSON, not an object, nested too deep)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if content_type.split(";")[0].strip() == "application/json" or text.lstrip().startswith("{"):
        return _json_object(text)
    fields = dict(parse_qsl(text, keep_blank_values=True))
    if "command" not in fields and "payload" in fields:  # block_actions, view_submission, view_closed, ...
        return _json_object(fields["payload"])
    return fields  # a slash command (whatever its text says), or Slack's ssl_check


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) and _depth_within(found, MAX_DEPTH) else None


def _depth_within(value: object, limit: int) -> bool:
    """Without recursion: a JSON value nested no deeper than `limit`."""
    level: list[object] = [value]
    for _ in range(limit + 1):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())
        ]
        if not level:
            return True
    return False


def slack_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """Slack's request headers from a WSGI environ, lower-cased."""
    found = {"content-type": str(environ.get("CONTENT_TYPE") or "")}
    for name in SLACK_HEADERS[1:]:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"))
        if isinstance(value, str):
            found[name] = value
    return found
