"""Due times with a fake clock: working hours, closures, daylight saving in Europe/London, the nudge ladder and the
review ladder. Plain pytest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from flows.scheduling import (
    Closures,
    NudgePolicy,
    ScheduleError,
    WorkingHours,
    describe,
    escalates,
    next_nudge,
    next_review_reminder,
    next_working_moment,
    parse_duration,
    review_reminders,
)
from tests.conftest import LONDON

SCHOOL = WorkingHours.parse("Mon-Fri 08:00-18:00")
ALWAYS = WorkingHours.parse("Mon-Sun 00:00-24:00")
CLOSED = Closures.parse("""
# Christmas holiday
2026-12-19 to 2027-01-04
2027-01-05   # INSET day
""")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        (" 4H ", timedelta(hours=4)),
    ],
)
def test_durations(text: str, span: timedelta) -> None:
    assert parse_duration(text) == span


@pytest.mark.parametrize("text", ["", "4", "h", "0m", "4 hours", "-1h", "1w"])
def test_bad_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(ScheduleError) as bad:
        parse_duration(text)
    assert "90s, 30m, 4h or 2d" in str(bad.value)


def test_describing_a_wait() -> None:
    assert describe(timedelta(hours=26, minutes=5)) == "1 day 2 hours"
    assert describe(timedelta(minutes=45)) == "45 minutes"
    assert describe(timedelta(seconds=5)) == "less than a minute"


def test_working_hours() -> None:
    assert next_working_moment(london(2026, 11, 25, 10, 0), LONDON, SCHOOL, Closures()) == london(2026, 11, 25, 10, 0)
    assert next_working_moment(london(2026, 11, 25, 19, 0), LONDON, SCHOOL, Closures()) == london(2026, 11, 26, 8, 0)
    assert next_working_moment(london(2026, 11, 25, 6, 30), LONDON, SCHOOL, Closures()) == london(2026, 11, 25, 8, 0)
    friday_evening = london(2026, 11, 27, 18, 0)  # the end is exclusive
    assert next_working_moment(friday_evening, LONDON, SCHOOL, Closures()) == london(2026, 11, 30, 8, 0)
    assert next_working_moment(friday_evening, LONDON, ALWAYS, Closures()) == friday_evening
    assert WorkingHours.parse("Sat-Mon 09:00-12:00").days == {5, 6, 0}


def test_closures_wait_for_the_next_working_time() -> None:
    assert next_working_moment(london(2026, 12, 18, 17, 0), LONDON, SCHOOL, CLOSED) == london(2026, 12, 18, 17, 0)
    assert next_working_moment(london(2026, 12, 18, 18, 30), LONDON, SCHOOL, CLOSED) == london(2027, 1, 6, 8, 0)
    assert next_working_moment(london(2026, 12, 25, 12, 0), LONDON, ALWAYS, CLOSED) == london(2027, 1, 6, 0, 0)


def test_daylight_saving_is_followed_in_london() -> None:
    # Clocks go forward on Sunday 29 March 2026: 08:00 on Monday 30 March is 07:00 UTC, not 08:00.
    assert next_working_moment(london(2026, 3, 27, 19, 0), LONDON, SCHOOL, Closures()) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )
    # And back on Sunday 25 October 2026: 08:00 on Monday 26 October is 08:00 UTC.
    assert next_working_moment(london(2026, 10, 23, 19, 0), LONDON, SCHOOL, Closures()) == datetime(
        2026, 10, 26, 8, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text", ["Mon-Fri", "Mon-Fri 8-18", "Mon-Fry 08:00-18:00", "Mon-Fri 18:00-08:00", "Mon-Fri 08:00-25:00"]
)
def test_bad_working_hours(text: str) -> None:
    with pytest.raises(ScheduleError):
        WorkingHours.parse(text)


@pytest.mark.parametrize("text", ["2027-01-05 to 2027-01-01", "next tuesday", "2027-02-30"])
def test_bad_closures_name_the_line(text: str) -> None:
    with pytest.raises(ScheduleError) as bad:
        Closures.parse("2026-12-19 to 2027-01-04\n" + text)
    assert "line 2" in str(bad.value)


POLICY = NudgePolicy(
    after=timedelta(hours=4),
    repeat=timedelta(days=1),
    escalate_after=2,
    safeguarding_after=timedelta(minutes=30),
    hours=SCHOOL,
    closures=CLOSED,
    zone=LONDON,
)


def test_the_nudge_ladder() -> None:
    reported = london(2026, 11, 25, 15, 0)  # Wednesday 3 pm
    first = next_nudge(POLICY, since=reported, nudges_sent=0, last_nudged_at=None, safeguarding=False)
    assert first == london(2026, 11, 26, 8, 0)  # 7 pm is out of hours: Thursday 8 am
    second = next_nudge(POLICY, since=reported, nudges_sent=1, last_nudged_at=first, safeguarding=False)
    assert second == london(2026, 11, 27, 8, 0)
    assert not escalates(POLICY, 1) and escalates(POLICY, 2) and escalates(POLICY, 3)


def test_safeguarding_nudges_never_wait() -> None:
    late = london(2026, 12, 24, 23, 0)  # Christmas Eve, in the holiday, at night
    assert next_nudge(POLICY, since=late, nudges_sent=0, last_nudged_at=None, safeguarding=True) == late + timedelta(
        minutes=30
    )
    nudged = late + timedelta(minutes=30)
    assert next_nudge(
        POLICY, since=late, nudges_sent=1, last_nudged_at=nudged, safeguarding=True
    ) == nudged + timedelta(days=1)


def test_an_ordinary_nudge_that_falls_in_a_closure_waits_for_term() -> None:
    reported = london(2026, 12, 18, 16, 0)
    assert next_nudge(POLICY, since=reported, nudges_sent=0, last_nudged_at=None, safeguarding=False) == london(
        2027, 1, 6, 8, 0
    )


def test_the_review_ladder_and_overdue_weekly() -> None:
    review = date(2027, 3, 1)
    assert review_reminders(review, LONDON, date(2027, 1, 29)) == []
    marks = [mark for mark, _ in review_reminders(review, LONDON, date(2027, 1, 30))]
    assert marks == ["30 days"]
    marks = [mark for mark, _ in review_reminders(review, LONDON, date(2027, 3, 16))]
    assert marks == ["30 days", "7 days", "on the day", "overdue week 1", "overdue week 2"]
    at = dict(review_reminders(review, LONDON, date(2027, 3, 16)))
    assert at["on the day"] == datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)
    assert next_review_reminder(review, LONDON, datetime(2027, 1, 1, tzinfo=UTC)) == datetime(
        2027, 1, 30, 9, 0, tzinfo=LONDON
    )
    assert next_review_reminder(review, LONDON, datetime(2027, 3, 2, tzinfo=UTC)) == datetime(
        2027, 3, 8, 9, 0, tzinfo=LONDON
    )


def test_daylight_saving_for_the_ladders() -> None:
    # The review reminders are at 09:00 school time in winter and in summer alike.
    assert dict(review_reminders(date(2027, 1, 20), LONDON, date(2027, 1, 20)))["on the day"].astimezone(UTC).hour == 9
    assert dict(review_reminders(date(2027, 7, 20), LONDON, date(2027, 7, 20)))["on the day"].astimezone(UTC).hour == 8
    # A nudge that repeats over the weekend the clocks go forward lands at 08:00 on Monday, London time.
    nudged = london(2026, 3, 27, 8, 0)  # Friday, GMT
    due = next_nudge(
        POLICY, since=nudged - timedelta(hours=4), nudges_sent=1, last_nudged_at=nudged, safeguarding=False
    )
    assert due == london(2026, 3, 30, 8, 0) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
