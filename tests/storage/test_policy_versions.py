"""The policy in force (storage.policy): the setting recorded once and again only when it changes, never over a
version governors recorded at a review; every record stamped with the version in force when it was stored."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, event, select

from flows.permissions import Act, RecordKind
from storage.audit import review_subject_id
from storage.commands import Changed, Overtaken, change
from storage.db import reading
from storage.models import Concern, PolicyReview, PolicyVersion
from storage.policy import SETTING, adopt_setting
from tests.conftest import NOW, PEOPLE
from tests.storage.helpers import a_concern, command, stored


def versions(engine: Engine) -> list[tuple[str, str]]:
    with reading(engine) as session:
        rows = session.execute(select(PolicyVersion.version, PolicyVersion.recorded_by).order_by(PolicyVersion.id))
        return [(v, by) for v, by in rows]


def test_the_setting_is_recorded_once_and_what_was_stored_before_is_put_under_it(fresh_engine: Engine) -> None:
    before = a_concern(fresh_engine)
    assert stored(fresh_engine, Concern, before).policy_version is None  # no version known yet
    assert adopt_setting(fresh_engine, "2015-03", NOW)
    assert stored(fresh_engine, Concern, before).policy_version == "2015-03"
    assert not adopt_setting(fresh_engine, "2015-03", NOW + timedelta(days=1))  # a restart records nothing
    assert stored(fresh_engine, Concern, a_concern(fresh_engine)).policy_version == "2015-03"
    assert adopt_setting(fresh_engine, "2016-01", NOW + timedelta(days=2))  # the setting changed: in force from now
    assert stored(fresh_engine, Concern, a_concern(fresh_engine)).policy_version == "2016-01"
    assert stored(fresh_engine, Concern, before).policy_version == "2015-03"  # what was stored under the old one stays
    assert versions(fresh_engine) == [("2015-03", SETTING), ("2016-01", SETTING)]


def test_a_version_the_governors_approve_at_a_review_is_in_force_from_then(fresh_engine: Engine) -> None:
    adopt_setting(fresh_engine, "2015-03", NOW)
    review = review_subject_id(date(2026, 9, 1))
    bad = command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UGOV", until=date(2027, 9, 1), detail="v 2; drop")
    refused = change(fresh_engine, PEOPLE, bad)
    assert isinstance(refused, Overtaken) and "policy version" in refused.reason
    done = command(RecordKind.REVIEW, review, Act.MARK_REVIEW_DONE, "UGOV", until=date(2027, 9, 1), detail="2026-09")
    assert isinstance(change(fresh_engine, PEOPLE, done), Changed)
    with reading(fresh_engine) as session:
        [recorded] = session.exec(select(PolicyReview)).scalars()  # type: ignore[call-overload]
    assert (recorded.policy_version, recorded.adopted_version) == ("2015-03", "2026-09")  # reviewed, then adopted
    assert stored(fresh_engine, Concern, a_concern(fresh_engine)).policy_version == "2026-09"
    assert not adopt_setting(fresh_engine, "2015-03", NOW + timedelta(days=3))  # a restart never undoes the governors
    assert not adopt_setting(fresh_engine, "2026-09", NOW + timedelta(days=4))  # the setting catching up: nothing new
    assert stored(fresh_engine, Concern, a_concern(fresh_engine)).policy_version == "2026-09"
    assert versions(fresh_engine) == [("2015-03", SETTING), ("2026-09", "UGOV")]


def test_an_old_instance_during_a_deploy_never_records_the_old_version_again(fresh_engine: Engine) -> None:
    engine = fresh_engine
    assert adopt_setting(engine, "2015-03", NOW) and adopt_setting(engine, "2016-01", NOW + timedelta(days=1))
    assert not adopt_setting(engine, "2015-03", NOW + timedelta(days=1, minutes=1))  # still configured with the old
    assert stored(engine, Concern, a_concern(engine)).policy_version == "2016-01"


def test_two_processes_starting_at_once_record_the_version_once(fresh_engine: Engine) -> None:
    """Four start-ups at once, every one inside adopt_setting before any writes: the first to write waits until each
    of the others has read the versions recorded, or is queued for the lock on them."""
    recorded: list[bool] = []
    failed: list[BaseException] = []

    def start_up() -> None:
        try:
            recorded.append(adopt_setting(fresh_engine, "2015-03", NOW))
        except BaseException as error:  # noqa: BLE001 - seen by the test, not lost in the thread
            failed.append(error)

    racers = [threading.Thread(target=start_up) for _ in range(4)]
    inside: set[threading.Thread] = set()  # the racers that have read the versions, or wait for the lock to
    moved = threading.Condition()

    def note_inside() -> None:
        if threading.current_thread() in racers:
            with moved:
                inside.add(threading.current_thread())
                moved.notify_all()

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(("LOCK TABLE policy_version", "BEGIN IMMEDIATE")):  # may wait in the database
            note_inside()
        elif statement.startswith("INSERT INTO policy_version"):
            with moved:
                if not moved.wait_for(lambda: len(inside) == len(racers), timeout=30):
                    raise TimeoutError("the start-ups never overlapped")

    def after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT") and "FROM policy_version" in statement:
            note_inside()

    event.listen(fresh_engine, "before_cursor_execute", before)
    event.listen(fresh_engine, "after_cursor_execute", after)
    try:
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
    finally:
        event.remove(fresh_engine, "before_cursor_execute", before)
        event.remove(fresh_engine, "after_cursor_execute", after)
    assert failed == [] and len(inside) == len(racers)
    assert recorded.count(True) == 1 and versions(fresh_engine) == [("2015-03", SETTING)]
