"""Reading a submitted modal's state.values: one element per input block, its action id the block id + '_input'."""

from __future__ import annotations

from typing import Any

from bot import ids

Values = dict[str, dict[str, dict[str, Any]]]


def _element(values: Values, block_id: str) -> dict[str, Any]:
    return values.get(block_id, {}).get(block_id + ids.INPUT, {}) or {}


def typed(values: Values, block_id: str) -> str:
    return _element(values, block_id).get("value") or ""


def selected(values: Values, block_id: str) -> str | None:
    option = _element(values, block_id).get("selected_option") or {}
    value = option.get("value")
    return value if isinstance(value, str) else None


def checked(values: Values, block_id: str) -> set[str]:
    return {o.get("value") for o in _element(values, block_id).get("selected_options") or [] if o.get("value")}


def selected_user(values: Values, block_id: str) -> str | None:
    user = _element(values, block_id).get("selected_user")
    return user if isinstance(user, str) and user else None


def selected_date(values: Values, block_id: str) -> str | None:
    day = _element(values, block_id).get("selected_date")
    return day if isinstance(day, str) and day else None
