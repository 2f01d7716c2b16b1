"""Slack failing while a concern goes from report to acknowledgement to resolution, as a fault injector would make
it fail: every Web API call the path makes (the post, its redraws, the reporter's messages, the Resolve form)
answering 500 once or three times, 429 with Retry-After, too slowly, or doing the call and then answering 500.
What each person finally sees is asserted: one post showing the latest state, each message to the reporter exactly
once, and the form opened (or the leader told it could not open, and it opens when they try again)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from flows.permissions import RecordKind
from sandbox.slack import LocalSlack, Params
from storage.concerns import ConcernStore
from tests.conftest import CHANNEL, LEADERS, RunningBot, posted, wait_until
from tests.e2e.helpers import new_concern
from tests.slack_driver import SlackDriver, radio, text

TIMEOUT = 1  # SLACK_TIMEOUT_SECONDS in the tests' bot

# fault name: what LocalSlack.fail is given (after method and `when`)
FAULTS: dict[str, dict[str, Any]] = {
    "500-once": {"status": 500, "times": 1},
    "500-three-times": {"status": 500, "times": 3},
    "429-retry-after": {"status": 429, "times": 1, "retry_after": 1},
    "slow": {"status": 200, "error": "", "times": 1, "delay": TIMEOUT + 0.5},
    "done-then-500": {"status": 500, "times": 1, "applied": True},
}


def buttons(blocks: list[Any]) -> list[str]:
    return [e["text"]["text"] for b in blocks if b.get("type") == "actions" for e in b["elements"]]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_what_everyone_sees_when_every_call_on_the_path_fails(
    fault: str, slack: SlackDriver, fake_slack: LocalSlack, store: ConcernStore, bot: RunningBot
) -> None:
    reporter, leader = f"UFAULT{list(FAULTS).index(fault)}", LEADERS[0]
    kinds: dict[str, tuple[str, Callable[[Params], bool]]] = {
        "the post": ("chat.postMessage", lambda p: p.get("channel") == CHANNEL),
        "the reporter's messages": ("chat.postMessage", lambda p: p.get("channel") == reporter),
        "the redraws": ("chat.update", lambda p: p.get("channel") == CHANNEL),
    }
    if fault.startswith("500"):  # what the form's failure looks like to the leader (slack_sdk retries it twice)
        kinds["the Resolve form"] = ("views.open", lambda p: p["view"]["callback_id"] == "resolve_concern")
    for method, when in kinds.values():
        fake_slack.fail(method, when=when, **FAULTS[fault])

    reference, concern_id = new_concern(slack, store, reporter)
    wait_until("the post recorded", lambda: posted(store.engine, RecordKind.CONCERN, concern_id) is not None, 25)
    slack.click("concern_acknowledge", f"{concern_id}:1", leader)
    wait_until("acknowledged", lambda: store.get(concern_id).status == "acknowledged", 25)  # type: ignore[union-attr]

    mark = fake_slack.mark()
    slack.click("concern_resolve", f"{concern_id}:2", leader)
    if fault == "500-three-times":  # slack_sdk's two retries spent: the leader is told, and tries again
        said = "Slack did not let policybot finish this just now"
        fake_slack.wait_for(
            "chat.postEphemeral", lambda p: p["user"] == leader and said in p["text"], timeout=15, after=mark
        )
        slack.click("concern_resolve", f"{concern_id}:2", leader)
    form = fake_slack.wait_for(
        "views.open", lambda p: p["view"]["callback_id"] == "resolve_concern" and reference in str(p["view"])
    )[-1]
    reply = slack.submit(
        "resolve_concern",
        {**radio("outcome", "advice_given"), **text("note", "")},
        leader,
        private_metadata=form.params["view"]["private_metadata"],
    )
    assert reply.status == 200

    def settled() -> bool:
        posts = [m for m in fake_slack.visible(CHANNEL) if reference in m.text]
        told = [m.text for m in fake_slack.visible(reporter) if reference in m.text]
        return bool(posts) and "Resolved" in str(posts[-1].blocks) and len(told) >= 3

    wait_until("the post resolved and the reporter told three times", settled, 25)
    bot.one_delivery_pass(timeout=20)  # anything late, or twice, has been sent by now
    if fault == "slow":
        time.sleep(TIMEOUT)  # a slow answer lands late: wait it out, then look again

    [post] = [m for m in fake_slack.visible(CHANNEL) if reference in m.text]
    assert "Resolved" in str(post.blocks) and buttons(post.blocks) == ["View details"]
    assert posted(store.engine, RecordKind.CONCERN, concern_id) == (CHANNEL, post.ts)
    told = [m.text for m in fake_slack.visible(reporter) if reference in m.text]
    assert len(told) == 3, told  # the receipt, acknowledged, resolved: each exactly once
    assert any("has reached policybot" in t for t in told)
    assert any("acknowledged" in t for t in told) and any("resolved" in t for t in told)
