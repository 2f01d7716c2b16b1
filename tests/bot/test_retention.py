"""Retention with a fake clock, a real database and the fake Slack: what is due is listed, redacted through the
command path (every personal and typed column cleared, the anonymised facts kept, the bot's messages deleted in
Slack), and nothing on the safeguarding route or naming a member of staff goes without a safeguarding lead's say."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from bot.deps import Deps
from bot.listeners import retention as retention_listener
from bot.listeners.leadership import told
from bot.retention import Retention
from bot.views.refusals import not_yours
from flows.permissions import Act, RecordKind
from flows.retention import Disposal, Held
from flows.taxonomy import Area, Kind, Outcome
from sandbox.slack import LocalSlack
from storage import retention as retention_store
from storage.commands import Changed
from storage.models import AuditEntry, OutboxMessage
from tests.bot.helpers import CHANNEL, DSL, HEAD, LEAD, MARKER, REPORTER, Clock, ask, build, report, settle
from tests.conftest import LONDON, bot_environment


def resolved_concern(deps: Deps, key: str, safeguarding: bool = False, involved: str | None = None) -> int:
    """A concern with the marker in every typed field, acknowledged and resolved with a note that carries it."""
    concern_id = report(deps, key, safeguarding, involved, typed=MARKER, reporter=REPORTER)
    actor = DSL if safeguarding else HEAD if involved else LEAD
    for act, detail in ((Act.ACKNOWLEDGE, None), (Act.RESOLVE, Outcome.ADVICE_GIVEN.value)):
        command = deps.command(
            RecordKind.CONCERN, concern_id, act, actor, f"{key}:{act}", detail=detail, note=MARKER, tell=told(deps)
        )
        assert isinstance(deps.change(command), Changed)
    settle(deps)
    return concern_id


def everything_stored(deps: Deps) -> str:
    """Every row of every table, as text; but an App Home's redraw, which names only whose Home it is (its text is
    empty and it is about no record: a change redraws the Homes of those the record was shown to)."""
    found = []
    with deps.engine.connect() as connection:
        for table in inspect(deps.engine).get_table_names():
            rows = list(connection.exec_driver_sql(f'SELECT * FROM "{table}"').mappings())  # noqa: S608
            homes = [r for r in rows if table == "outbox_message" and r["send"] == "home"]
            assert all(r["text"] == "" and r["subject_id"] is None for r in homes)
            found += [str(tuple(r.values())) for r in rows if r not in homes]
    return "\n".join(found)


def seen_by(slack: LocalSlack, *people: str) -> str:
    return "\n".join(m.text + str(m.blocks) for person in people for m in slack.visible(person))


def told_privately(fake: LocalSlack, person: str) -> list[str]:
    """What a person was told privately (ephemeral replies)."""
    return [c.params["text"] for c in fake.of("chat.postEphemeral") if c.params.get("user") == person]


def years_later(clock: Clock, years: int, days: int = 1) -> None:
    clock.now += timedelta(days=365 * years + years // 4 + 1 + days)


def runner(deps: Deps) -> Retention:
    assert deps.nudger.retention is not None
    return deps.nudger.retention


def press(deps: Deps, slack: LocalSlack, who: str, action: str, value: str, ts: str = "1.0") -> None:
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": who},
        "channel": {"id": "D" + who[1:]},
        "actions": [{"action_id": action, "value": value, "action_ts": f"{deps.clock().timestamp():.6f}{ts}"}],
    }
    retention_listener.decide(deps, lambda **_: None, body, deps.client)  # type: ignore[arg-type]
    settle(deps)


def test_an_ordinary_concern_is_redacted_after_six_years_and_its_messages_deleted(
    fake: LocalSlack, database: str
) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    concern_id = resolved_concern(deps, "VR1")
    reference = deps.store.get(concern_id).reference  # type: ignore[union-attr]
    assert reference in seen_by(fake, CHANNEL) and reference in seen_by(fake, REPORTER)
    assert runner(deps).plan(timedelta(0)) == []  # nothing due today
    [soon] = [p.due for p in runner(deps).plan(timedelta(days=365 * 7))]
    assert soon.disposal is Disposal.REDACT and soon.record.held is Held.CONCERN and soon.record.label == reference

    years_later(clock, 6)
    done = runner(deps).apply()
    settle(deps)
    assert done.redacted == 1
    assert reference not in seen_by(fake, CHANNEL, REPORTER, LEAD)  # the post, its thread and the DMs: deleted
    assert fake.of("chat.delete") and all(c.response.get("ok") for c in fake.of("chat.delete"))
    stored = everything_stored(deps)
    assert MARKER not in stored and REPORTER not in stored and LEAD not in stored
    row = deps.store.get(concern_id)
    assert row is not None and row.redacted_at is not None
    assert (row.names, row.description, row.links, row.reporter_id, row.acknowledged_by) == (
        "",
        "",
        "",
        "redacted",
        None,
    )
    with deps.engine.connect() as connection:
        out = OutboxMessage.__table__  # type: ignore[attr-defined]
        about = (out.c.subject_kind == "concern", out.c.subject_id == concern_id, out.c.send != "delete")
        rows = connection.execute(select(out.c.key, out.c.channel, out.c.text, out.c.blocks).where(*about)).all()
    assert rows and all(
        r.key.startswith("redacted:") and (r.channel, r.text, r.blocks) == ("redacted", "", "") for r in rows
    )
    assert (row.area, row.kind, row.platform, row.outcome) == (
        Area.CONDUCT,
        Kind.AGGRESSIVE,
        "tiktok",
        "advice_given",
    )
    with deps.engine.connect() as connection:
        trail = AuditEntry.__table__  # type: ignore[attr-defined]
        actions = [
            tuple(r)
            for r in connection.execute(
                select(trail.c.action, trail.c.actor_id).where(
                    trail.c.subject_id == concern_id, trail.c.subject_kind == "concern"
                )
            )
        ]
    assert ("redacted_under_retention", "policybot") in actions and ("resolved", "redacted") in actions
    assert runner(deps).apply().redacted == 0  # once


def test_a_safeguarding_concern_waits_for_the_lead_who_can_keep_it_then_confirm(
    fake: LocalSlack, database: str
) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    concern_id = resolved_concern(deps, "VR2", safeguarding=True)
    years_later(clock, 25)
    done = runner(deps).apply()
    settle(deps)
    assert (done.redacted, done.asked) == (0, 1)
    assert MARKER in everything_stored(deps)  # nothing redacted without the lead
    [asked] = [m for m in fake.visible(DSL) if "Retention: your decision" in str(m.blocks)]
    assert MARKER not in str(asked.blocks) and "safeguarding route" in asked.text
    assert (
        runner(deps).apply().waiting == 1 and len([m for m in fake.visible(DSL) if "Retention" in str(m.blocks)]) == 1
    )

    [planned] = runner(deps).plan(timedelta(0))
    due_on = planned.due.due_on
    press(deps, fake, LEAD, "retention_redact", f"{concern_id}:{due_on}")  # not theirs to decide
    assert MARKER in everything_stored(deps) and told_privately(fake, LEAD) == [
        not_yours(RecordKind.CONCERN, Act.REDACT)
    ]
    press(deps, fake, DSL, "retention_keep_1", f"{concern_id}:{due_on}:1")
    assert f"<@{DSL}> chose to keep it until" in seen_by(fake, DSL)
    assert runner(deps).plan(timedelta(0)) == [] and MARKER in everything_stored(deps)

    years_later(clock, 1)
    assert runner(deps).apply().asked == 1  # asked again when the kept year is over
    settle(deps)
    [planned] = runner(deps).plan(timedelta(0))
    press(deps, fake, DSL, "retention_redact", f"{concern_id}:{planned.due.due_on}")
    assert told_privately(fake, DSL)[-1].startswith("Redacted.")
    stored = everything_stored(deps)
    assert MARKER not in stored and REPORTER not in stored
    with deps.engine.connect() as connection:
        trail = AuditEntry.__table__  # type: ignore[attr-defined]
        rows = connection.execute(
            select(trail.c.action, trail.c.actor_id, trail.c.detail).where(
                trail.c.subject_id == concern_id, trail.c.subject_kind == "concern"
            )
        ).all()
    actions = {(r.action, r.actor_id) for r in rows}
    assert ("refused_redact", "redacted") in actions  # the lead's refusal is kept, its actor cleared with the rest
    assert ("kept_under_retention", "redacted") in actions and ("redacted_under_retention", DSL) in actions
    assert "Retention" not in seen_by(fake, DSL)  # the questions were about the concern: deleted with it


def test_a_concern_naming_the_lead_goes_to_the_headteacher_to_confirm(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    concern_id = resolved_concern(deps, "VR3", involved=DSL)
    years_later(clock, 10)
    assert runner(deps).apply().asked == 1
    settle(deps)
    assert "Retention: your decision" in seen_by(fake, HEAD) and "Retention" not in seen_by(fake, DSL)
    [planned] = runner(deps).plan(timedelta(0))
    press(deps, fake, DSL, "retention_redact", f"{concern_id}:{planned.due.due_on}")
    assert MARKER in everything_stored(deps)  # the lead it names cannot let it go


def test_a_redaction_by_retention_redraws_the_homes_that_showed_the_concern(fake: LocalSlack, database: str) -> None:
    """Retention changes records through Deps.change, as every listener does: what follows a change follows it."""
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    resolved_concern(deps, "VR9")
    years_later(clock, 6)
    published = len(fake.of("views.publish"))
    assert runner(deps).apply().redacted == 1
    clock.now += timedelta(minutes=1)  # the Homes of those who did not act are drawn a moment later
    settle(deps)
    redrawn = {call.params["user_id"] for call in fake.of("views.publish")[published:]}
    assert {LEAD, HEAD} <= redrawn


def test_the_monthly_run_happens_once_a_month_whoever_runs_it(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    resolved_concern(deps, "VR4")
    years_later(clock, 6, days=40)
    clock.now = clock.now.astimezone(LONDON).replace(day=1, hour=1).astimezone(UTC)
    deps.nudger.run()
    assert MARKER in everything_stored(deps)  # the 1st, before 2 am
    clock.now += timedelta(hours=2)
    second = Retention(deps.settings, deps.engine, deps.directory, clock, lambda: None, deps.change)  # another process
    deps.nudger.run()
    second.monthly()
    assert MARKER not in everything_stored(deps)
    resolved_concern(deps, "VR5")  # resolved now: due in six years, so nothing more this month either way
    clock.now += timedelta(days=1)
    deps.nudger.run()
    with deps.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM job_run").scalar() == 1


def test_the_command_lists_what_is_due_then_does_it(
    fake: LocalSlack, database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    ordinary = deps.store.get(resolved_concern(deps, "VR6"))
    guarded = deps.store.get(resolved_concern(deps, "VR7", safeguarding=True))
    assert ordinary is not None and guarded is not None
    ahead = tmp_path / "clock"
    ahead.write_text(str(7 * 366 * 86400))  # seven years on
    env = bot_environment(
        fake, database, POLICYBOT_CLOCK_FILE=str(ahead), SAFEGUARDING_LEAD_IDS=DSL, HEADTEACHER_ID=HEAD
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert main(["retention"]) == 0
    listing = capsys.readouterr().out
    assert "Due now: 1" in listing and "Due within a year: nothing" in listing
    assert f"{ordinary.reference}: concerns (no member of staff named, not safeguarding)" in listing
    assert "policybot redacts it" in listing and guarded.reference not in listing  # 25 years: not within a year
    assert MARKER in everything_stored(deps)  # a dry run changes nothing

    assert main(["retention", "--apply"]) == 0
    assert capsys.readouterr().out.startswith("retention: 1 redacted; 0 sent to a safeguarding lead")
    clock.now += timedelta(seconds=7 * 366 * 86400 + 60)  # the running bot reads the same clock file
    settle(deps)  # and its sender deletes the messages
    assert ordinary.reference not in seen_by(fake, CHANNEL, REPORTER)
    assert guarded.reference in seen_by(fake, DSL)  # the safeguarding concern: untouched

    ahead.write_text(str(26 * 366 * 86400))
    assert main(["retention", "--apply"]) == 0
    assert "0 redacted; 1 sent to a safeguarding lead to confirm" in capsys.readouterr().out
    assert main(["retention"]) == 0
    assert "a safeguarding lead was asked on" in capsys.readouterr().out


def test_a_reply_about_no_record_is_forgotten_ninety_days_after_it_went(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    deps.tell_later("USTAFFREPLY", "Only the leadership team can act on concerns.")
    settle(deps)
    assert "USTAFFREPLY" in everything_stored(deps)
    clock.now += timedelta(days=89)
    runner(deps).apply()
    assert "USTAFFREPLY" in everything_stored(deps)
    clock.now += timedelta(days=2)
    runner(deps).apply()
    assert "USTAFFREPLY" not in everything_stored(deps)


def test_a_message_that_lands_as_its_record_is_redacted_is_deleted_too(fake: LocalSlack, database: str) -> None:
    import threading

    from storage.outbox_messages import Message

    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    concern_id = resolved_concern(deps, "VR8")
    years_later(clock, 6)
    hold = threading.Event()
    slow = fake.fail("chat.postMessage", 200, error="", hold=hold, when=lambda p: p.get("channel") == LEAD)
    deps.outbox.put([Message("late", (RecordKind.CONCERN, concern_id), LEAD, "late words about it")], clock.now)
    sending = threading.Thread(target=deps.delivery.run_pass)
    sending.start()
    assert slow.reached.wait(10)  # Slack has the post; its answer is on its way
    assert runner(deps).apply().redacted == 1
    hold.set()
    sending.join(10)
    settle(deps)
    assert "late words" not in seen_by(fake, LEAD)  # it landed after the redaction, and was deleted
    assert "late words" in str([m.text for m in fake.deleted]) and MARKER not in everything_stored(deps)


def test_a_lead_s_choice_to_keep_is_never_undone_by_a_stale_button(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    concern_id = resolved_concern(deps, "VR9", involved="USTAFFNAMED")
    years_later(clock, 10)
    runner(deps).apply()
    settle(deps)
    [planned] = runner(deps).plan(timedelta(0))
    due_on = planned.due.due_on
    press(deps, fake, DSL, "retention_keep_5", f"{concern_id}:{due_on}:5")
    press(deps, fake, DSL, "retention_keep_1", f"{concern_id}:{due_on}:1", ts="2")  # an older message's button
    press(deps, fake, DSL, "retention_redact", f"{concern_id}:{due_on}", ts="3")
    assert told_privately(fake, DSL)[-1].startswith("A safeguarding lead chose to keep this concern until")
    kept = deps.store.get(concern_id)
    assert kept is not None and kept.keep_until == due_on.replace(year=due_on.year + 5)
    assert MARKER in everything_stored(deps)  # kept: not redacted by a stale button


def test_contact_questions_decisions_and_declarations_each_go_when_their_own_period_ends(
    fake: LocalSlack, database: str
) -> None:
    from flows.contact import Channel, ContactQuestion, Person, assess
    from flows.contact_requests import Relationship

    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    today = clock.now.astimezone(LONDON).date()
    question = ContactQuestion(Person.PUPIL_FAMILY, Channel.SOCIAL_NETWORK, under_18=False)
    answered = deps.contact_checks.record_check("USTAFFQ1", question, f"{MARKER} one", assess(question), "VQ1", clock())
    decided = deps.contact_checks.record_check("USTAFFQ2", question, f"{MARKER} two", assess(question), "VQ2", clock())
    waiting = deps.contact_checks.record_check("USTAFFQ3", question, "ZQXWAITING", assess(question), "VQ3", clock())
    ask(deps, decided.id or 0, "USTAFFQ2", "ask2")
    ask(deps, waiting.id or 0, "USTAFFQ3", "ask3")
    review_on = today.replace(year=today.year + 1)
    approve = deps.command(RecordKind.CONTACT_REQUEST, decided.id or 0, Act.DECIDE, LEAD, "ok", detail="approve")
    assert isinstance(deps.change(replace(approve, until=review_on)), Changed)
    declared, _ = deps.declarations.declare(
        "USTAFFD1", "PUPIL", Relationship.FAMILY, f"{MARKER} niece", "VD9", clock(), review_on
    )
    plan = {(p.due.record.kind, p.due.record.record_id): p.due for p in runner(deps).plan(timedelta(days=365 * 8))}
    assert plan[("check", answered.id)].due_on == today.replace(year=today.year + 1)
    assert plan[("check", answered.id)].record.held is Held.QUESTION
    assert plan[("check", decided.id)].due_on == review_on.replace(year=review_on.year + 6)  # from the permission's end
    assert plan[("check", decided.id)].record.held is Held.DECISION
    assert ("check", waiting.id) not in plan  # still with leadership
    assert ("declaration", declared.id) not in plan  # not lapsed yet: its period has not begun
    assert all(d.disposal is Disposal.REDACT for d in plan.values())

    years_later(clock, 1)
    assert runner(deps).apply().redacted == 1
    stored = everything_stored(deps)
    assert f"{MARKER} one" not in stored and "USTAFFQ1" not in stored and f"{MARKER} two" in stored
    [lapsed] = [p.due for p in runner(deps).plan(timedelta(days=365 * 7)) if p.due.record.kind == "declaration"]
    assert lapsed.due_on == review_on.replace(year=review_on.year + 6) and lapsed.record.held is Held.DECLARATION

    years_later(clock, 7)
    assert runner(deps).apply().redacted == 2
    stored = everything_stored(deps)
    assert MARKER not in stored and "USTAFFQ2" not in stored and "USTAFFD1" not in stored  # the permission too
    assert "ZQXWAITING" in stored and "USTAFFQ3" in stored  # a question still waiting for a decision is kept


def test_a_monthly_run_that_fails_is_tried_again_on_the_next_pass(
    fake: LocalSlack, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    resolved_concern(deps, "VR10")
    years_later(clock, 6, days=40)  # then the 2nd of that month: due, whatever day it was resolved
    clock.now = clock.now.astimezone(LONDON).replace(day=2, hour=9).astimezone(UTC)

    def unavailable(_horizon: timedelta = timedelta(0)) -> list[object]:
        raise RuntimeError("the database is away")

    monkeypatch.setattr(runner(deps), "plan", unavailable)
    with pytest.raises(RuntimeError):
        runner(deps).monthly()
    monkeypatch.undo()
    deps.nudger.run()
    assert MARKER not in everything_stored(deps)  # the month's run was not lost


def test_what_waits_to_be_sent_about_a_redacted_record_never_goes_and_nothing_else_is_held_back(
    fake: LocalSlack, database: str
) -> None:
    from storage.outbox_messages import Message

    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    old = resolved_concern(deps, "VR11")
    years_later(clock, 6)
    other = report(deps, "VR12")  # a concern of today's
    fake.fail("chat.postMessage", 500, times=2, when=lambda p: p.get("channel") == LEAD)
    about = (RecordKind.CONCERN, old), (RecordKind.CONCERN, other)
    deps.outbox.put([Message(f"waiting:{i}", a, LEAD, f"waiting words {i}") for i, a in enumerate(about)], clock.now)
    deps.delivery.run_pass()  # Slack refuses both for now: they wait
    assert runner(deps).apply().redacted == 1
    mark = fake.mark()
    clock.now += timedelta(minutes=5)
    settle(deps)
    assert [c.params["text"] for c in fake.of("chat.postMessage", mark)] == ["waiting words 1"]  # nothing else went


def test_a_month_seen_done_is_not_asked_about_again_on_each_pass(
    fake: LocalSlack, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(datetime.now(UTC))
    deps = build(fake, database, clock)
    clock.now = clock.now.astimezone(LONDON).replace(day=2, hour=9).astimezone(UTC)
    asked: list[str] = []
    real = retention_store.claim_period

    def claim(engine: Any, name: str, period: str) -> bool:
        asked.append(period)
        return real(engine, name, period)

    monkeypatch.setattr(retention_store, "claim_period", claim)
    for _ in range(3):
        runner(deps).monthly()
    assert len(asked) == 1  # run here: not asked again this month
    other = Retention(deps.settings, deps.engine, deps.directory, clock, lambda: None, deps.change)  # another process
    other.monthly(), other.monthly()
    assert len(asked) == 2  # taken by the first: asked once, then left for a while (the first could give it back)
    clock.now += timedelta(minutes=11)
    other.monthly()
    assert len(asked) == 3
    clock.now += timedelta(days=40)  # a new month: asked once more
    runner(deps).monthly()
    assert len(asked) == 4 and asked[3] != asked[0]
