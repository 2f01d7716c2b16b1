"""What the sender does with a Slack call that did not succeed (bot.delivery): Slack says when to come back (429),
the row goes to its fall-back or is given up (an answer no retry will change), or it is tried again with back-off,
marked "may have landed" when the call may have been done all the same (a 5xx, no answer)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.slack_api import is_permanent, slack_reason
from storage.models import OutboxMessage, Send
from storage.outbox import OutboxStore

log = logging.getLogger("bot.delivery")

GONE_MESSAGE = frozenset({"message_not_found", "cant_update_message", "thread_not_found"})
# Slack's answers that only an admin can change (a scope the installed app lacks, a token revoked or of the wrong kind).
NEEDS_AN_ADMIN = frozenset(
    {"missing_scope", "not_allowed_token_type", "token_revoked", "invalid_auth", "not_authed", "account_inactive"}
)
ADMIN_WAIT = timedelta(hours=1)
FALLBACK_NOTE = "\n(policybot sent this to you because the conversation it was meant for would not take it.)"


def retry_after(headers: Any) -> float:
    """Slack's Retry-After in seconds (slack_sdk gives the header under both spellings); a second if it is absent."""
    value = (headers or {}).get("Retry-After")
    value = value[0] if isinstance(value, list) and value else value
    try:
        return max(float(str(value)), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


def when_failed(
    outbox: OutboxStore,
    row: OutboxMessage,
    error: Exception,
    was_unsure: bool,
    now: datetime,
    backoff: timedelta,
    settings: Settings,
) -> None:
    """Record what comes next for a row whose Slack call failed with `error`."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        if status == 429:  # not done: Slack says when to come back
            seconds = retry_after(error.response.headers)
            outbox.retry(row, now + timedelta(seconds=seconds), unsure=was_unsure)
            log.warning("outbox %s: rate limited, again in %.0f s", row.id, seconds)
            return
        if status == 200 and (is_permanent(error) or error.response.get("error") in GONE_MESSAGE):
            moved = outbox.gone(row, now, FALLBACK_NOTE)
            level = logging.WARNING if moved else logging.ERROR
            log.log(
                level,
                "outbox %s: Slack will never take it there (%s)%s",
                row.id,
                slack_reason(error),
                "; sent to its fall-back instead" if moved else "",
            )
            return
        if status == 200 and error.response.get("error") in NEEDS_AN_ADMIN:
            # No retry changes this until someone with rights in the workspace acts: kept (it goes once they have),
            # tried again hourly, said at ERROR each time; /healthz turns 503 once it has waited long enough.
            outbox.retry(row, now + ADMIN_WAIT, unsure=was_unsure)
            log.error(
                "outbox %s: Slack refused the app (%s%s): reinstall it with the scopes in manifest.yml; "
                "tried again hourly",
                row.id,
                slack_reason(error),
                f", needs {error.response.get('needed')}" if error.response.get("needed") else "",
            )
            return
        unsure = was_unsure or status >= 500  # a 5xx may come after the call was done
    else:
        unsure = True  # no answer at all: it may have landed
    wait = backoff
    if unsure:  # a late answer may still land (a post, or an older drawing): let it, then look or redraw
        wait = max(wait, timedelta(seconds=settings.slack_timeout_seconds))
    at = now + wait
    outbox.retry(row, at, unsure=unsure and row.send is not Send.UPDATE)
    log.warning("outbox %s: not sent (%s); again at %s", row.id, slack_reason(error), at.isoformat())
