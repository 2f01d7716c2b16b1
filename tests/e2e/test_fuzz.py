"""Hypothesis against POST /slack/events of a running bot (its own, at DEBUG): slash commands, block_actions,
view_submission, events and raw bodies, signed and unsigned, built from the ids the bot really uses with values of
every wrong shape. Whatever arrives: never a 5xx, never over 3 s, never a traceback or a typed value in the log,
and the process stays up. Seeded and bounded; POLICYBOT_FUZZ_EXAMPLES raises the bound for a longer run."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot import ids
from sandbox.slack import LocalSlack
from tests.conftest import (
    CHAIR,
    CHANNEL,
    HEADTEACHER,
    LEADERS,
    SAFEGUARDING_LEAD,
    SIGNING_SECRET,
    RunningBot,
    bot_environment,
    free_port,
    new_database_url,
)
from tests.slack_driver import SlackDriver, radio, report_values, text

MARKER = "Fuzzwort-Tarragon-3318"  # in every generated text: it must never reach the log
EXAMPLES = int(os.environ.get("POLICYBOT_FUZZ_EXAMPLES", "60"))
SENT: list[tuple[str, int, float]] = []  # (kind, status, seconds) of every request sent

NAMES = sorted({value for name, value in vars(ids).items() if name.isupper() and isinstance(value, str)})
BUTTONS = [
    ids.ACKNOWLEDGE,
    ids.ESCALATE,
    ids.RESOLVE,
    ids.VIEW_DETAILS,
    ids.OPEN_DECLARE,
    ids.ASK_LEADERSHIP,
    ids.APPROVE,
    ids.DECLINE,
    ids.DECIDE_WITH_NOTE,
    ids.ACKNOWLEDGE_DECLARATION,
    ids.RECONFIRM_DECLARATION,
    ids.HOME_CHECK,
    ids.HOME_DECLARE,
    ids.REVIEW_DONE,
]
FORMS = [
    ids.REPORT_VIEW,
    ids.ESCALATE_VIEW,
    ids.RESOLVE_VIEW,
    ids.CHECK_VIEW,
    ids.DECLARE_VIEW,
    ids.DECIDE_VIEW,
    ids.REVIEW_VIEW,
]
PEOPLE = [*LEADERS, SAFEGUARDING_LEAD, HEADTEACHER, CHAIR, "USTAFF1", "UNOBODY"]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningBot, SlackDriver]]:
    fake = LocalSlack(channels={CHANNEL: {"is_private": True, "is_member": True}}, members={CHANNEL: list(LEADERS)})
    folder = tmp_path_factory.mktemp("fuzz")
    for url in new_database_url(Path(folder), "fuzz"):
        env = bot_environment(fake, url, POLICYBOT_LOG_LEVEL="DEBUG", GOVERNOR_USER_IDS=CHAIR)
        running = RunningBot(env, free_port(), folder / "fuzz.log")
        slack = SlackDriver(running.url + "/slack/events", SIGNING_SECRET, fake.api_url + "response_url")
        records_to_act_on(slack, fake)
        yield running, slack
        log = running.stop()
        SENT.clear()
    fake.close()
    assert "Traceback" not in log


def records_to_act_on(slack: SlackDriver, fake: LocalSlack) -> None:
    """Concerns 1 and 2 (2 on the safeguarding route), contact question 1 with leadership, declaration 1: so that
    generated clicks on ids 1 and 2 reach the stores and their checks, not only the readers in front of them."""
    for safeguarding in (False, True):
        reply = slack.submit(ids.REPORT_VIEW, report_values(safeguarding=safeguarding, names=MARKER), "USTAFF1")
        assert reply.status == 200 and reply.json()["response_action"] == "update"
    question = {
        **radio(ids.PERSON, "PUPIL_FAMILY"),
        **radio(ids.CHANNEL, "SOCIAL_NETWORK"),
        **radio(ids.UNDER_18, "no"),
        **radio(ids.FAMILY, "no"),
        **radio(ids.FRIEND, "no"),
        **text(ids.DESCRIBED, f"a parent {MARKER}"),
    }
    assert slack.submit(ids.CHECK_VIEW, question, "USTAFF1").json()["response_action"] == "update"
    assert slack.click_in_view(ids.ASK_LEADERSHIP, "1", "USTAFF1", "VCHECK1").status == 200
    declared = {**radio(ids.PERSON, "PUPIL"), **radio(ids.RELATIONSHIP, "family"), **text(ids.DESCRIBED, MARKER)}
    assert slack.submit(ids.DECLARE_VIEW, declared, "USTAFF1").json()["response_action"] == "update"
    fake.wait_for("chat.postMessage", lambda p: p.get("channel") == CHANNEL, count=4)


# --- what Slack's fields might hold: mostly what Slack sends, sometimes anything at all ------------------------------

texts = st.one_of(
    st.sampled_from(["1", "1:1", "2:1", "1:2", "2:2", "2027-03-01", "", "0", "-1", "payload", "null", "{}"]),
    st.text(max_size=30).map(lambda t: f"{t}{MARKER}"),
    st.integers(min_value=0, max_value=4).map(lambda n: f"{n}:{n}"),
)
scalars = st.one_of(texts, st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False))
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(NAMES), inner, max_size=3)),
    max_leaves=8,
)


def usually(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """About nine times in ten what Slack sends; otherwise left out (None) or anything at all. (A roll rather than
    one_of: Hypothesis leans towards later, richer branches, and few examples would look like Slack's.)"""
    return st.builds(lambda roll, good, bad: bad if roll == 9 else good, st.integers(0, 9), valid, maybe)


maybe = st.one_of(st.none(), anything)
signed = st.integers(0, 3).map(lambda roll: roll != 3)  # mostly signed: those are the ones that reach the app


def fields(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


users = usually(st.builds(lambda u: {"id": u}, st.sampled_from(PEOPLE)))
elements = st.builds(
    lambda action_id, value, ts: fields(action_id=action_id, value=value, action_ts=ts, type="button"),
    usually(st.sampled_from(BUTTONS)),
    usually(texts),
    usually(st.just("1.2")),
)
element_states = st.builds(
    lambda kind, value, option: fields(type=kind, value=value, selected_option=option, selected_date=value),
    usually(st.sampled_from(["plain_text_input", "radio_buttons", "static_select", "datepicker"])),
    usually(texts),
    usually(st.builds(lambda v: {"value": v}, texts)),
)
state_values = usually(
    st.dictionaries(
        st.sampled_from(NAMES),
        usually(st.dictionaries(st.sampled_from(NAMES).map(lambda n: n + ids.INPUT), element_states, max_size=1)),
        max_size=8,
    )
)
views = st.builds(
    lambda view_id, kind, callback, metadata, values: fields(
        id=view_id, type=kind, callback_id=callback, private_metadata=metadata, state={"values": values}
    ),
    usually(st.just("VFUZZ1")),
    usually(st.just("modal")),
    usually(st.sampled_from(FORMS)),
    usually(texts),
    state_values,
)
block_actions = st.builds(
    lambda user, actions, trigger, channel, view: fields(
        type="block_actions", user=user, actions=actions, trigger_id=trigger, channel=channel, view=view
    ),
    users,
    usually(st.lists(elements, min_size=1, max_size=1)),
    usually(st.just("trigger.fuzz")),
    usually(st.just({"id": CHANNEL})),
    st.one_of(st.none(), views),
)
view_submissions = st.builds(
    lambda user, view: fields(type="view_submission", user=user, view=view), users, usually(views)
)
events = st.builds(
    lambda kind, user, tab: {"type": "event_callback", "event": fields(type=kind, user=user, tab=tab)},
    usually(st.just("app_home_opened")),
    usually(st.sampled_from(PEOPLE)),
    usually(st.just("home")),
)
commands = st.builds(
    lambda command, user, words, trigger, channel: fields(
        command=command, user_id=user, text=words, trigger_id=trigger, channel_id=channel
    ),
    usually(st.sampled_from([ids.REPORT_COMMAND, ids.CHECK_COMMAND])),
    usually(st.sampled_from(PEOPLE)),
    texts,
    usually(st.just("trigger.fuzz")),
    usually(st.just("CGENERAL")),
)


def send(slack: SlackDriver, kind: str, body: bytes, content_type: str, signed: bool) -> None:
    started = time.monotonic()
    reply = slack.post_bytes(body, content_type=content_type, signed=signed)
    elapsed = time.monotonic() - started
    SENT.append((kind, reply.status, elapsed))
    assert reply.status < 500, (kind, reply)
    assert elapsed < 3, (kind, elapsed)


def as_form(value: dict[str, Any]) -> bytes:
    return urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}).encode()


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@seed(20261202)
@FUZZ
@given(payload=st.one_of(block_actions, view_submissions), signed=signed)
def test_interactive_payloads(target: tuple[RunningBot, SlackDriver], payload: dict[str, Any], signed: bool) -> None:
    send(target[1], str(payload.get("type")), urlencode({"payload": json.dumps(payload)}).encode(), "", signed)


@seed(20261203)
@FUZZ
@given(command=commands, signed=signed)
def test_slash_commands(target: tuple[RunningBot, SlackDriver], command: dict[str, Any], signed: bool) -> None:
    send(target[1], "command", as_form(command), "application/x-www-form-urlencoded", signed)


@seed(20261204)
@FUZZ
@given(event=st.one_of(events, anything), signed=signed)
def test_events_and_any_json(target: tuple[RunningBot, SlackDriver], event: Any, signed: bool) -> None:
    send(target[1], "event", json.dumps(event).encode(), "application/json", signed)


@seed(20261205)
@FUZZ
@given(body=st.binary(max_size=200), content_type=st.sampled_from(["", "application/json", "text/plain"]))
def test_raw_bodies(target: tuple[RunningBot, SlackDriver], body: bytes, content_type: str) -> None:
    send(target[1], "raw", body, content_type, True)
    send(target[1], "raw", body, content_type, False)


def test_the_bot_survived_every_request_and_logged_none_of_them(target: tuple[RunningBot, SlackDriver]) -> None:
    bot = target[0]
    assert bot.process.poll() is None, "the bot died"
    log = bot.output()
    assert "Traceback" not in log and MARKER not in log
    assert " unexpected " not in log, "a request reached the guard's last line of defence"
    slowest = max((t for *_, t in SENT), default=0.0)
    print(f"fuzz: {len(SENT)} requests, {sum(s >= 500 for _, s, _ in SENT)} 5xx, slowest {slowest:.2f} s")
