"""Showing what people typed exactly as typed in Slack's mrkdwn, and Slack's own date tokens."""

from __future__ import annotations

from datetime import datetime


def escape(text: str) -> str:
    """Slack's three control characters, so that <!channel>, <@U123> or <https://x|y> appear literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def when(moment: datetime, style: str = "{date_short_pretty} at {time}") -> str:
    """A time each reader sees in their own time zone ("Today at 14:03"), with a UTC fallback."""
    fallback = moment.strftime("%d %b %Y %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{style}|{fallback}>"


def mention(user_id: str) -> str:
    return f"<@{user_id}>"
