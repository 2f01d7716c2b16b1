"""The policy in force (storage.policy): the setting recorded once and again only when it changes, never over a
version governors recorded at a review; every record stamped with the version in force when it was stored."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session

from flows.permissions import Act, RecordKind
from storage.audit import review_subject_id
from storage.commands import Changed, Overtaken, change
from storage.models import Concern, PolicyReview, PolicyVersion
from storage.policy import SETTING, adopt_setting
from tests.conftest import NOW, PEOPLE
from tests.storage.helpers import a_concern, command, stored


def versions(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
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
    with Session(fresh_engine) as session:
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
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        recorded = list(pool.map(lambda _: adopt_setting(fresh_engine, "2015-03", NOW), range(4)))
    assert recorded.count(True) == 1 and versions(fresh_engine) == [("2015-03", SETTING)]
