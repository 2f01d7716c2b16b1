"""What the end-to-end tests do and read through the shared bot: a concern reported through the form, the card
posted for it, the private replies someone was given, everything a person can read in a message's blocks."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from typing import Any

from sandbox.slack import Call, LocalSlack
from storage.concerns import ConcernStore
from tests.conftest import CHANNEL
from tests.slack_driver import SlackDriver, report_values


def new_concern(slack: SlackDriver, store: ConcernStore, user: str, **values: Any) -> tuple[str, int]:
    """A concern reported by `user` through the form: its reference and id."""
    view_id = f"V{user}{time.time_ns()}"
    reply = slack.submit("report_concern", report_values(**values), user, view_id=view_id)
    assert reply.status == 200 and reply.json()["response_action"] == "update", reply.body
    concern = store.by_submission_key(view_id)
    assert concern is not None and concern.id is not None
    return concern.reference, concern.id


def posted_card(fake: LocalSlack, reference: str, channel: str = CHANNEL) -> Any:
    return fake.wait_for("chat.postMessage", lambda p: p["channel"] == channel and reference in p["text"])[-1]


def ephemeral_to(fake: LocalSlack, user: str, words: str, after: int = 0) -> list[Call]:
    """Private replies to `user` saying `words`; `after`: only those since fake.mark() (the server is shared, and
    a leader may have been told the same words in an earlier test)."""
    return fake.wait_for("chat.postEphemeral", lambda p: p["user"] == user and words in p["text"], after=after)


def texts(blocks: list[dict[str, Any]]) -> str:
    """Everything a person can read in a list of blocks."""
    return json.dumps(blocks)


# Two of a trust's schools in one workspace, a teacher (UPERI) at both, the trust's own safeguarding lead.
# North's review was due yesterday (its governors are reminded as the bot starts); South has no review date.
OVERDUE = date.today() - timedelta(days=1)
SCHOOLS = f"""
[trust]
name = "Test Trust"
safeguarding_leads = ["UTRUSTDSL"]

[[school]]
key = "north"
name = "North Academy"
team_id = "T0TRUST"
leadership_channel = "GNORTH"
staff = ["UN1", "UPERI"]
leaders = ["ULEADN"]
safeguarding_leads = ["UDSLN"]
headteacher = "UHEADN"
chair = "UCHAIRN"
governors = ["UGOVN"]
policy_review_date = {OVERDUE.isoformat()}

[[school]]
key = "south"
name = "South Primary"
team_id = "T0TRUST"
leadership_channel = "GSOUTH"
staff_usergroup = "S0SOUTH"
leaders = ["ULEADS"]
safeguarding_leads = ["UDSLS"]
headteacher = "UHEADS"
chair = "UCHAIRS"
"""
