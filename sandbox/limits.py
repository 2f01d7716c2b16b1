"""The limits Slack enforces on what it is sent, with the error it answers (invalid_blocks and the like)."""

from __future__ import annotations

import json
from typing import Any

Params = dict[str, Any]


def block_kit_problem(method: str, params: Params) -> str | None:
    """The limits Slack enforces on what it is sent (it answers invalid_blocks): None when all is well."""
    if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
        blocks = params.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if len(blocks) > 50:
            return f"{len(blocks)} blocks in a message (at most 50)"
        if not params.get("text") and not blocks:
            return "a message with neither text nor blocks"
        return _texts_problem(blocks)
    if method in ("views.open", "views.update", "views.publish"):
        view = params.get("view") or {}
        if isinstance(view, str):
            view = json.loads(view)
        blocks = view.get("blocks") or []
        if len(blocks) > 100:
            return f"{len(blocks)} blocks in a view (at most 100)"
        title = (view.get("title") or {}).get("text", "")
        if len(title) > 24:
            return f"view title {title!r} is over 24 characters"
        if len(view.get("private_metadata") or "") > 3000:
            return "private_metadata over 3000 characters"
        return _texts_problem(blocks)
    return None


def _texts_problem(blocks: list[dict[str, Any]]) -> str | None:
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and len(text) > 3000:
            return f"a section of {len(text)} characters (at most 3000)"
        if block.get("type") == "header" and len(text) > 150:
            return "a header over 150 characters"
        for element in block.get("elements") or []:
            if (
                len(
                    (element.get("text") or {}).get("text", "")
                    if isinstance(element.get("text"), dict)
                    else element.get("text", "")
                )
                > 3000
            ):
                return "a context element over 3000 characters"
    return None
