"""The sandbox started again without --reset shows what its database remembers, and its buttons still work; with
--reset the school starts empty."""

from __future__ import annotations

from pathlib import Path

from sandbox.run import Sandbox
from sandbox.school import CHANNEL, LEADER, STAFF
from tests.conftest import free_port, wait_until
from tests.slack_driver import report_values


def test_a_restart_keeps_the_conversations_and_their_buttons(tmp_path: Path) -> None:
    first = Sandbox("127.0.0.1", free_port(), reset=True, folder=tmp_path)
    try:
        reply = first.page_server.page.driver.submit("report_concern", report_values(), STAFF.id, view_id="VKEEP1")
        assert reply.status == 200
        wait_until("the report in the channel", lambda: first.workspace.visible(CHANNEL))
    finally:
        first.stop()
    again = Sandbox("127.0.0.1", free_port(), folder=tmp_path)
    try:
        [post] = again.workspace.visible(CHANNEL)
        button = next(e for b in post.blocks if b["type"] == "actions" for e in b["elements"])
        assert button["text"]["text"] == "Acknowledge"
        action = {"type": "button", "block_id": "b", "action_id": button["action_id"], "value": button["value"]}
        again.page_server.page.act(LEADER.id, action, {"channel": CHANNEL, "ts": post.ts})
        wait_until("the post acknowledged", lambda: "acknowledged" in again.workspace.visible(CHANNEL)[0].text.lower())
    finally:
        again.stop()
    empty = Sandbox("127.0.0.1", free_port(), reset=True, folder=tmp_path)
    try:
        assert empty.workspace.visible(CHANNEL) == []
    finally:
        empty.stop()
