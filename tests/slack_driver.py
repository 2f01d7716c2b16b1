"""Modal state as Slack sends it in a view_submission, for the report form and the others; the driver that sends it
is the sandbox's (sandbox/driver.py)."""

from __future__ import annotations

from typing import Any

from sandbox.driver import Reply, SlackDriver, sign

__all__ = ["Reply", "SlackDriver", "sign", "boxes", "radio", "report_values", "select", "text", "user_pick"]


# --- modal state, as Slack sends it ----------------------------------------------------------------------------------


def radio(block_id: str, value: str) -> dict[str, Any]:
    return {block_id: {block_id + "_input": {"type": "radio_buttons", "selected_option": {"value": value}}}}


def select(block_id: str, value: str) -> dict[str, Any]:
    return {block_id: {block_id + "_input": {"type": "static_select", "selected_option": {"value": value}}}}


def boxes(block_id: str, *values: str) -> dict[str, Any]:
    options = [{"value": v} for v in values]
    return {block_id: {block_id + "_input": {"type": "checkboxes", "selected_options": options}}}


def text(block_id: str, value: str | None) -> dict[str, Any]:
    return {block_id: {block_id + "_input": {"type": "plain_text_input", "value": value}}}


def user_pick(block_id: str, user: str | None) -> dict[str, Any]:
    return {block_id: {block_id + "_input": {"type": "users_select", "selected_user": user}}}


def report_values(
    *,
    area: str = "contact",
    kind: str = "aggressive",
    platform: str = "instagram",
    roles: tuple[str, ...] = ("pupil",),
    names: str = "",
    description: str = "A pupil is being harassed in comments under a class photo.",
    links: str = "",
    kept_copy: bool = True,
    safeguarding: bool = False,
    involved: str | None = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for part in (
        radio("area", area),
        radio("kind", kind),
        select("platform", platform),
        boxes("roles", *roles),
        text("names", names or None),
        text("description", description),
        text("links", links or None),
        boxes("kept_copy", *(["yes"] if kept_copy else [])),
        boxes("safeguarding", *(["yes"] if safeguarding else [])),
        user_pick("involved_staff", involved),
    ):
        values.update(part)
    return values
