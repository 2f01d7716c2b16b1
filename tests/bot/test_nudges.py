"""Nudges and review reminders with a fake clock: the real Nudger, a real database and the fake Slack Web API,
with time moved by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.deps import Deps
from flows.contact import Channel, ContactQuestion, Person, assess
from flows.permissions import Act, RecordKind
from sandbox.slack import LocalSlack
from storage.commands import Changed, Overtaken
from tests.bot.helpers import CHAIR, CHANNEL, DSL, GOVERNOR, HEAD, LEAD, Clock, ask, build, report, settle
from tests.conftest import posted


def nudges(fake: LocalSlack, channel: str = CHANNEL) -> list[str]:
    """The nudges Slack accepted (a refused call is not a message anyone saw)."""
    return [
        c.params["text"]
        for c in fake.of("chat.postMessage", channel=channel)
        if "has waited" in c.params["text"] and c.response.get("ok")
    ]


def test_ordinary_nudges_follow_working_hours_and_tell_the_headteacher_after_two(
    fake: LocalSlack, database: str
) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 11, 25, 17, 0)  # Wednesday, 5 pm
    deps = build(fake, database, clock)
    concern_id = report(deps, "V1")
    deps.nudger.run()
    assert nudges(fake) == []
    clock.at(2026, 11, 25, 21, 0)  # 9 pm: the 4 hours are up, but out of hours
    deps.nudger.run()
    assert nudges(fake) == []
    clock.at(2026, 11, 26, 8, 0)  # Thursday 8 am
    deps.nudger.run()
    [first] = [c for c in fake.of("chat.postMessage", channel=CHANNEL) if "has waited" in c.params["text"]]
    post = posted(deps.engine, RecordKind.CONCERN, concern_id)
    assert post is not None
    assert "has waited 15 hours" in first.params["text"] and first.params["thread_ts"] == post[1]
    clock.at(2026, 11, 26, 9, 0)
    deps.nudger.run()
    assert len(nudges(fake)) == 1  # repeated only after NUDGE_REPEAT_EVERY
    clock.at(2026, 11, 27, 8, 0)  # Friday: the second nudge, and the headteacher is told
    deps.nudger.run()
    assert len(nudges(fake)) == 2
    told = fake.of("chat.postMessage", channel=HEAD)
    assert len(told) == 1 and "2 reminders" in told[0].params["text"]
    clock.at(2026, 11, 28, 12, 0)  # Saturday: nothing
    deps.nudger.run()
    assert len(nudges(fake)) == 2
    clock.at(2026, 11, 30, 8, 0)  # Monday: the third; the headteacher is told once only
    deps.nudger.run()
    assert len(nudges(fake)) == 3 and len(fake.of("chat.postMessage", channel=HEAD)) == 1
    trail = [e.detail for e in deps.store.events(concern_id) if e.action == "nudged"]
    assert trail == ["nudge 1", "nudge 2, headteacher told", "nudge 3"]


def test_safeguarding_nudges_go_to_the_lead_at_once_whatever_the_day(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 12, 26, 23, 0)  # Boxing Day, 11 pm
    deps = build(fake, database, clock)
    report(deps, "V2", safeguarding=True)
    clock.at(2026, 12, 26, 23, 29)
    deps.nudger.run()
    assert nudges(fake, DSL) == []
    clock.at(2026, 12, 26, 23, 30)
    deps.nudger.run()
    assert len(nudges(fake, DSL)) == 1 and "safeguarding concern" in nudges(fake, DSL)[0]
    assert nudges(fake) == []  # not in the channel


def test_no_nudge_once_acknowledged_and_one_after_a_long_stop(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 11, 23, 9, 0)  # Monday
    deps = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00")
    handled = report(deps, "V3")
    waiting = report(deps, "V4")
    assert isinstance(
        deps.change(deps.command(RecordKind.CONCERN, handled, Act.ACKNOWLEDGE, LEAD, "k", version=1)), Changed
    )
    clock.at(2026, 11, 27, 9, 0)  # four days later: the bot was stopped all that time
    restarted = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00")
    restarted.nudger.derive_all()
    restarted.nudger.run()
    restarted.nudger.run()
    texts = nudges(fake)
    reference = (restarted.store.get(waiting) or pytest.fail("stored")).reference
    assert len(texts) == 1 and reference in texts[0]  # once, not once per missed day
    clock.at(2026, 11, 28, 9, 0)
    restarted.nudger.run()
    assert len(nudges(fake)) == 2


def test_new_settings_apply_to_what_is_pending_after_a_restart(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 11, 25, 9, 0)
    deps = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00")
    report(deps, "V5")
    assert deps.nudges.earliest(clock()) == clock() + timedelta(hours=4)
    quicker = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00", ACK_NUDGE_AFTER="30m")
    quicker.nudger.derive_all()
    assert quicker.nudges.earliest(clock()) == clock() + timedelta(minutes=30)


def test_a_contact_request_waiting_for_a_decision_is_nudged(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 11, 25, 9, 0)
    deps = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00", ACK_NUDGE_AFTER="2h")
    question = ContactQuestion(Person.PUPIL_FAMILY, Channel.SOCIAL_NETWORK, under_18=False)
    check = deps.contact_checks.record_check("USTAFF9", question, "JK", assess(question), "VC1", clock())
    ask(deps, check.id or 0, "USTAFF9", "ask")
    clock.at(2026, 11, 25, 11, 0)
    deps.nudger.run()
    assert len(nudges(fake)) == 1 and f"CQ-{check.id:04d}" in nudges(fake)[0] and "decided" in nudges(fake)[0]


def test_the_review_ladder_with_the_digest_and_marking_it_done(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2027, 1, 30, 8, 0)
    deps = build(fake, database, clock, POLICY_REVIEW_DATE="2027-03-01")
    report(deps, "V6")
    deps.nudger.run()
    assert fake.of("chat.postMessage", channel=GOVERNOR) == []  # 30 days before, but not yet 9 am
    clock.at(2027, 1, 30, 9, 0)
    deps.nudger.run()
    deps.nudger.run()
    [first] = fake.of("chat.postMessage", channel=GOVERNOR)
    words = str(first.params["blocks"])
    assert "30 days away" in first.params["text"]
    assert "Concerns reported, 31 Jan 2026 to 30 Jan 2027: fewer than 3" in words
    assert "Mark the review done" in words
    assert len(fake.of("chat.postMessage", channel=CHAIR)) == 1  # the chair is always a governor
    clock.at(2027, 3, 2, 10, 0)  # the bot was down from before the 7-day mark until after the day
    deps.nudger.run()
    texts = [c.params["text"] for c in fake.of("chat.postMessage", channel=GOVERNOR)]
    assert len(texts) == 2 and "overdue by 1 day" in texts[1]  # one reminder, the latest: not "7 days" as well
    clock.at(2027, 3, 8, 9, 0)
    deps.nudger.run()
    texts = [c.params["text"] for c in fake.of("chat.postMessage", channel=GOVERNOR)]
    assert len(texts) == 3 and "overdue by 7 days" in texts[2]
    done = deps.command(RecordKind.REVIEW, 20270301, Act.MARK_REVIEW_DONE, GOVERNOR, "done", until=date(2028, 3, 1))
    assert isinstance(deps.change(done), Changed)
    assert isinstance(deps.change(replace(done, request_key="again")), Overtaken)
    clock.at(2027, 3, 15, 9, 0)
    deps.nudger.run()
    assert len(fake.of("chat.postMessage", channel=GOVERNOR)) == 3  # done: no more
    assert deps.reviews.current_review(date(2027, 3, 1)) == date(2028, 3, 1)
    clock.at(2028, 1, 31, 9, 0)
    deps.nudger.run()
    assert "30 days away" in fake.of("chat.postMessage", channel=GOVERNOR)[-1].params["text"]


def test_a_trusts_schools_reminder_names_its_school(fake: LocalSlack, database: str) -> None:
    """A governor may serve two of a trust's schools: each school's reminder says whose review it is."""
    clock = Clock(datetime.now(UTC)).at(2027, 1, 30, 9, 0)
    deps = build(fake, database, clock, POLICY_REVIEW_DATE="2027-03-01")
    deps.nudger.reminders.settings = replace(deps.settings, school_name="North Academy")
    deps.nudger.run()
    [reminder] = fake.of("chat.postMessage", channel=GOVERNOR)
    assert reminder.params["text"].startswith(
        "The governors' annual review of the Social Media Policy at North Academy"
    )


def test_a_bot_started_a_week_before_the_review_reminds_once_not_twice(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2027, 2, 22, 7, 0)  # the 7-day mark is at 9 am today; the 30-day one missed
    deps = build(fake, database, clock, POLICY_REVIEW_DATE="2027-03-01")
    deps.nudger.run()
    [first] = fake.of("chat.postMessage", channel=GOVERNOR)
    assert "7 days away" in first.params["text"]
    for hour in (9, 12):
        clock.at(2027, 2, 22, hour, 0)
        deps.nudger.run()
    assert len(fake.of("chat.postMessage", channel=GOVERNOR)) == 1  # the 7-day reminder has gone: not again
    clock.at(2027, 3, 1, 9, 0)
    deps.nudger.run()
    assert "today" in fake.of("chat.postMessage", channel=GOVERNOR)[-1].params["text"]


def test_declarations_are_re_confirmed_yearly(fake: LocalSlack, database: str) -> None:
    from flows.contact_requests import Relationship

    clock = Clock(datetime.now(UTC)).at(2026, 11, 25, 9, 0)
    deps = build(fake, database, clock)
    row, _ = deps.declarations.declare(
        "USTAFF9", "PUPIL", Relationship.FAMILY, "my niece", "VD1", clock(), date(2027, 11, 25)
    )
    clock.at(2027, 10, 20, 9, 0)
    deps.nudger.run()
    assert fake.of("chat.postMessage", channel="USTAFF9") == []
    clock.at(2027, 10, 27, 9, 0)  # within a month
    deps.nudger.run()
    deps.nudger.run()
    asked = fake.of("chat.postMessage", channel="USTAFF9")
    assert len(asked) == 1 and "re-confirm" in asked[0].params["text"]
    clock.at(2027, 11, 26, 9, 0)  # lapsed
    deps.nudger.run()
    deps.nudger.run()
    lapsed = [c for c in fake.of("chat.postMessage", channel=CHANNEL) if "not re-confirmed" in c.params["text"]]
    assert len(lapsed) == 1 and f"D-{row.id:04d}" in lapsed[0].params["text"]


def test_slack_failing_never_makes_a_nudge_loop_or_repeat(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 11, 25, 9, 0)
    deps = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00", SAFEGUARDING_LEAD_IDS=f"{DSL},UDSLZ")
    report(deps, "VF1", safeguarding=True)
    clock.at(2026, 11, 25, 9, 30)
    fake.fail("chat.postMessage", 500, times=1, when=lambda p: p.get("channel") == "UDSLZ", applied=True)
    deps.nudger.run()
    assert len(nudges(fake, DSL)) == 1 and nudges(fake, "UDSLZ") == []  # the first lead had it; the second did not
    attempts = len(fake.of("chat.postMessage"))
    deps.nudger.run()
    deps.nudger.run()
    assert len(fake.of("chat.postMessage")) == attempts  # not retried at once, not in a loop
    clock.at(2026, 11, 25, 9, 31)  # a minute on: looked for (Slack had done it), not posted again
    deps.nudger.run()
    assert len(nudges(fake, DSL)) == 1 and len(fake.of("chat.postMessage")) == attempts
    assert [m.text for m in fake.visible("UDSLZ") if "has waited" in m.text] == nudges(fake, DSL)  # exactly one


def test_an_archived_channel_sends_the_nudge_to_the_headteacher_and_it_counts(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 11, 25, 9, 0)
    deps = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00", ESCALATE_AFTER_NUDGES="1")
    concern_id = report(deps, "VF2")
    fake.fail("chat.postMessage", 200, times=1, error="is_archived", when=lambda p: p.get("channel") == CHANNEL)
    clock.at(2026, 11, 25, 13, 0)
    deps.nudger.run()
    to_head = [c.params["text"] for c in fake.of("chat.postMessage", channel=HEAD)]
    assert any("has waited" in t and "would not take it" in t for t in to_head)
    assert any("1 reminders" in t for t in to_head)
    concern = deps.store.get(concern_id)
    assert concern is not None and concern.nudges_sent == 1 and concern.head_told_at is not None


def test_a_lowered_escalation_setting_still_tells_the_headteacher(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 11, 23, 9, 0)
    deps = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00", ESCALATE_AFTER_NUDGES="5")
    report(deps, "VF3")
    for day in (23, 24, 25):
        clock.at(2026, 11, day, 13, 0)
        deps.nudger.run()
    assert len(nudges(fake)) == 3 and fake.of("chat.postMessage", channel=HEAD) == []
    lowered = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00", ESCALATE_AFTER_NUDGES="2")
    lowered.nudger.derive_all()
    clock.at(2026, 11, 26, 13, 0)
    lowered.nudger.run()
    assert len(nudges(fake)) == 4 and len(fake.of("chat.postMessage", channel=HEAD)) == 1


def test_racing_passes_send_one_nudge(fake: LocalSlack, database: str) -> None:
    import threading

    clock = Clock(datetime.now(UTC)).at(2026, 11, 25, 9, 0)
    processes = [build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00") for _ in range(4)]
    report(processes[0], "VF4")
    clock.at(2026, 11, 25, 13, 0)
    start = threading.Barrier(4)

    def run(deps: Deps) -> None:
        start.wait()
        deps.nudger.run()

    threads = [threading.Thread(target=run, args=(d,)) for d in processes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(nudges(fake)) == 1


def test_a_review_reminder_says_how_long_is_really_left_and_resumes_after_a_failure(
    fake: LocalSlack, database: str
) -> None:
    clock = Clock(datetime.now(UTC)).at(2027, 2, 19, 9, 0)  # a late install: ten days before the review
    deps = build(fake, database, clock, POLICY_REVIEW_DATE="2027-03-01", GOVERNOR_USER_IDS="UGOV9,UGOV8")
    fake.fail("chat.postMessage", 500, times=1, when=lambda p: p.get("channel") == "UGOV9")
    deps.nudger.run()
    [reminded] = fake.of("chat.postMessage", channel="UGOV8")
    assert "is 10 days away" in reminded.params["text"]  # not "30 days", though that is the mark that fell due
    refused = fake.of("chat.postMessage", channel="UGOV9")
    assert refused and not [c for c in refused if c.response.get("ok")]
    clock.at(2027, 2, 19, 9, 5)
    settle(deps)  # the sender's next pass: only what Slack refused is sent again
    assert len([c for c in fake.of("chat.postMessage", channel="UGOV9") if c.response.get("ok")]) == 1
    assert len(fake.of("chat.postMessage", channel="UGOV8")) == 1  # not sent twice to those who had it


def test_nobody_is_nudged_or_chased_about_a_record_that_names_them(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 11, 25, 9, 0)
    deps = build(fake, database, clock, WORKING_HOURS="Mon-Sun 00:00-24:00", ESCALATE_AFTER_NUDGES="1")
    about_the_head = report(deps, "V20", involved=HEAD)  # placed with the chair
    about_the_lead = report(deps, "V21", safeguarding=True, involved=DSL)  # the only lead is the one named
    question = ContactQuestion(Person.PUPIL_FAMILY, Channel.SOCIAL_NETWORK, under_18=False)
    heads_own = deps.contact_checks.record_check(HEAD, question, "JK", assess(question), "VC20", clock())
    ask(deps, heads_own.id or 0, HEAD, "ask20")
    clock.at(2026, 11, 26, 9, 0)
    deps.nudger.run()
    deps.nudger.run()
    references = {
        (deps.store.get(about_the_head) or pytest.fail("stored")).reference: "about the headteacher",
        (deps.store.get(about_the_lead) or pytest.fail("stored")).reference: "about the safeguarding lead",
        f"CQ-{heads_own.id:04d}": "the headteacher's own request",
    }
    for reference, what in references.items():
        sent = [c for c in fake.of("chat.postMessage") if reference in c.params["text"]]
        assert sent, f"nothing sent {what}"
        told = {c.params["channel"] for c in sent}
        assert HEAD not in told or what == "about the safeguarding lead", (what, told)
        assert DSL not in told, (what, told)
    chased = {
        c.params["channel"] for c in fake.of("chat.postMessage") if "Please make sure someone does" in c.params["text"]
    }
    assert chased == {CHAIR}  # the head is named, asked, or holds the lead's concern: the chair hears they wait
