"""The governors' pack as a file through the outbox: drawn when sent, uploaded with Slack's upload flow and shared
once, whatever Slack does to each of the three calls (a 500 after the share was done, a 429, a lost upload, an upload
Slack no longer has)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.deps import Deps
from sandbox.files import SlackFile
from sandbox.slack import LocalSlack
from sandbox.workspace import dm_of
from storage.models import OutboxMessage, Send, State
from tests.bot.helpers import CHAIR, GOVERNOR, MARKER, REPORTER, Clock, build, due_now, report, settle
from tests.conftest import LONDON


def shared_with(slack: LocalSlack, person: str) -> list[SlackFile]:
    """The files a person sees in their direct messages with the bot."""
    shown = [f for m in slack.visible(person) for f in m.files]
    return [slack.workspace.files.kept[f["id"]] for f in shown]


def at_the_30_day_mark(fake: LocalSlack, database: str) -> tuple[Deps, Clock]:
    """A review 29 days away, now: the 30-day reminder is due. The clock is the real one, as Slack's message times
    are (an answer lost is looked for among the messages since just before the row was written)."""
    clock = Clock(datetime.now(UTC))
    review_on = clock.now.astimezone(LONDON).date() + timedelta(days=29)
    deps = build(fake, database, clock, POLICY_REVIEW_DATE=review_on.isoformat())
    report(deps, "VU1", typed=MARKER, reporter=REPORTER)
    return deps, clock


def later(clock: Clock, seconds: float) -> None:
    clock.now += timedelta(seconds=seconds)


def test_each_review_reminder_carries_the_pack_as_a_file_that_names_nobody(fake: LocalSlack, database: str) -> None:
    deps, clock = at_the_30_day_mark(fake, database)
    today = clock.now.astimezone(LONDON).date()
    start = today - timedelta(days=364)
    deps.nudger.run()
    for governor in (GOVERNOR, CHAIR):
        [pack] = shared_with(fake, governor)
        page = (pack.content or b"").decode()
        assert pack.name == f"governors-pack-{start}-to-{today}.html"
        assert pack.title == f"Governors' pack, {start:%d %B %Y} to {today:%d %B %Y}"
        assert page.lower().startswith("<!doctype html>") and "fewer than 3" in page  # one concern: a total only
        assert "too few concerns" in page.lower() and 'id="published-figures"' in page
        assert MARKER not in page and REPORTER not in page
        [message] = [m for m in fake.visible(governor) if m.files]
        assert f"The governors' pack for {start:%d %B %Y} to {today:%d %B %Y}" in message.text
    assert sorted(c.params["channel_id"] for c in fake.of("files.completeUploadExternal")) == sorted(
        [dm_of(CHAIR), dm_of(GOVERNOR)]
    )
    with deps.outbox.engine.connect() as connection:
        from sqlalchemy import select

        rows = connection.execute(select(OutboxMessage.__table__).where(OutboxMessage.send == Send.FILE)).all()
    assert [row.state for row in rows] == [State.SENT, State.SENT] and all(row.file_id for row in rows)


@pytest.mark.parametrize(
    ("method", "fault"),
    [
        ("files.completeUploadExternal", {"status": 500, "applied": True}),  # shared, then the answer was lost
        ("files.completeUploadExternal", {"status": 429, "retry_after": 1}),
        ("files.completeUploadExternal", {"status": 200, "error": "file_not_found"}),  # Slack lost the upload
        ("upload", {"status": 500}),
        ("files.getUploadURLExternal", {"status": 503}),
    ],
)
def test_whatever_slack_does_each_governor_gets_the_pack_once(
    fake: LocalSlack, database: str, method: str, fault: dict[str, object]
) -> None:
    deps, clock = at_the_30_day_mark(fake, database)
    fake.fail(method, times=1, **fault)  # type: ignore[arg-type]
    deps.nudger.run()
    later(clock, 60)  # the sender's next pass, after any wait it was told
    settle(deps)
    assert len(shared_with(fake, GOVERNOR)) == 1 and len(shared_with(fake, CHAIR)) == 1
    assert not due_now(deps)
    uploads = len(fake.of("files.getUploadURLExternal"))
    if method == "files.completeUploadExternal" and fault.get("error") != "file_not_found":
        assert uploads == 2  # the content was with Slack: shared again or found, never uploaded twice
    else:
        assert uploads == 3  # uploaded afresh after losing it


def test_a_pack_that_cannot_be_drawn_is_given_up_not_retried_for_ever(fake: LocalSlack, database: str) -> None:
    from storage.outbox_messages import Message

    deps, clock = at_the_30_day_mark(fake, database)
    deps.tell([Message("pack:bad", None, GOVERNOR, "x", send=Send.FILE, document="pack:2027-13-01:2027-01-01")])
    settle(deps)
    assert shared_with(fake, GOVERNOR) == [] and not fake.of("files.getUploadURLExternal")
    later(clock, 3600)
    assert not due_now(deps)


def test_the_reminder_the_home_and_the_pack_agree_figure_for_figure(fake: LocalSlack, database: str) -> None:
    import json
    import re

    from bot.listeners.home import roles

    deps, _ = at_the_30_day_mark(fake, database)
    for n in range(12):
        report(deps, f"VAGREE{n}", safeguarding=n == 0)
    deps.nudger.run()
    [reminder] = [m for m in fake.visible(GOVERNOR) if "days away" in m.text]
    [pack] = shared_with(fake, GOVERNOR)
    block = re.search(r'id="published-figures">(.*?)</script>', (pack.content or b"").decode(), re.S)
    assert block is not None
    figures = json.loads(block.group(1))["figures"]
    home = json.dumps([b.to_dict() for b in roles(deps, GOVERNOR)[1]])
    said = json.dumps(reminder.blocks)
    # The year's total, the areas and the safeguarding route: each exactly the pack's figure, in the DM and the Home.
    total = next(f["shown"] for f in figures if f["table"] == "Concerns")
    areas = {f["where"]["area"]: f["shown"] for f in figures if f["table"] == "Concerns by area"}
    route = next(f["shown"] for f in figures if f["where"] == {"safeguarding": True})
    assert total >= 12 and areas == {"contact": 0, "conduct": total, "content": 0} and route == "fewer than 3"
    for text in (said, home):
        assert f": {total}." in text and f"By area: Contact 0, Conduct {total}, Content 0." in text
        assert "On the safeguarding route: fewer than 3." in text
