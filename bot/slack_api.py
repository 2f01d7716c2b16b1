"""The Slack Web API client: Slack's own or another base URL, with slack_sdk's retry handlers for 429 and 5xx."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from bot.config import Settings
from bot.stamps import SchoolClient

log = logging.getLogger(__name__)

# Everything a Slack call can fail with: Slack's own answer (SlackApiError is a SlackClientError), or the network.
SLACK_FAILURES = (SlackClientError, OSError)

# slack_sdk logs every failed request as an error; a caller that reports the failure itself does not want that too.
_UNHEARD = logging.getLogger(__name__ + ".unheard")
_UNHEARD.addHandler(logging.NullHandler())
_UNHEARD.propagate = False


class _ScaledJitter(Jitter):
    """slack_sdk's RandomJitter adds up to a second whatever the back-off; this adds up to twice the back-off (the
    same second at the default 0.5 s)."""

    def __init__(self, backoff: float) -> None:
        self.most = 2 * backoff

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.most


def make_client(
    settings: Settings,
    *,
    retries: bool = True,
    timeout: int | None = None,
    backoff: float = 0.5,
    school: str | None = None,
    token: Callable[[], str] | None = None,
) -> WebClient:
    """The bot's client: each call retried twice on a network error or 5xx, waiting `backoff` seconds, doubling,
    with jitter, in between; and twice on a 429, waiting as long as Slack's Retry-After says.

    retries=False is for a caller that reports each failure itself, at once (the start-up check): no retries, and
    none of slack_sdk's own log lines. `school`: a trust's school's key, stamped on what it draws (bot.stamps).
    `token`: under Slack's OAuth flow, the workspace's install's bot token, read at each call (bot.tokens)."""
    wait = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=_ScaledJitter(backoff))
    handlers: list[RetryHandler] = (
        [
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=wait),
            RateLimitErrorRetryHandler(max_retry_count=2, interval_calculator=wait),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=wait),
        ]
        if retries
        else []  # an empty list: None would give slack_sdk's default handlers
    )
    options: dict[str, Any] = {
        "token": settings.slack_bot_token,
        "timeout": timeout or settings.slack_timeout_seconds,
        "retry_handlers": handlers,
        "logger": None if retries else _UNHEARD,
        "base_url": settings.slack_api_url or WebClient.BASE_URL,
    }
    return SchoolClient(school, token, **options) if school or token else WebClient(**options)


# Slack's answers that no retry will change.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "cannot_dm_bot",
        "user_not_found",
        "user_disabled",
        "invalid_channel",
        "restricted_action",
        "messages_tab_disabled",
    }
)


def is_permanent(error: SlackApiError) -> bool:
    return error.response.get("error") in PERMANENT_ERRORS


def slack_reason(error: Exception) -> str:
    """For a log line: Slack's error code, or the kind of failure (never the request or its text)."""
    return str(error.response.get("error")) if isinstance(error, SlackApiError) else type(error).__name__


def quietly(what: str, call: Callable[[], object]) -> bool:
    """One Slack call whose failure is worth a log line and no more (a redraw, a courtesy DM: the database holds
    the record). True when it went through."""
    try:
        call()
        return True
    except SLACK_FAILURES as error:
        log.warning("%s: not done (%s)", what, slack_reason(error))
        return False
