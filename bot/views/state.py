"""Reading a submitted modal's state.values: one element per input block, its action id the block id + '_input'.

Every reader checks the shape and type of what it reads: an answer of the wrong shape counts as no answer, so the
form's own validation names the field ("Choose one"), as it would for an empty one.
"""

from __future__ import annotations

from typing import Any

from bot import ids

Values = dict[str, Any]


def _element(values: Values, block_id: str) -> dict[str, Any]:
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(block_id + ids.INPUT) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def typed(values: Values, block_id: str) -> str:
    return _text(_element(values, block_id).get("value")) or ""


def selected(values: Values, block_id: str) -> str | None:
    option = _element(values, block_id).get("selected_option")
    return _text(option.get("value")) if isinstance(option, dict) else None


def checked(values: Values, block_id: str) -> set[str]:
    options = _element(values, block_id).get("selected_options")
    if not isinstance(options, list):
        return set()
    return {o["value"] for o in options if isinstance(o, dict) and _text(o.get("value"))}


def selected_user(values: Values, block_id: str) -> str | None:
    return _text(_element(values, block_id).get("selected_user"))


def selected_date(values: Values, block_id: str) -> str | None:
    return _text(_element(values, block_id).get("selected_date"))
