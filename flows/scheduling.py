"""When the next nudge or reminder is due: durations, working hours, school closures, the nudge ladder and the
governors' review ladder. Pure functions of the stored state and the settings, so that every due time can be
derived again after a restart or a change of settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ScheduleError(ValueError):
    """A setting that cannot be read; the message says what is expected."""


def parse_duration(text: str) -> timedelta:
    """'90s', '30m', '4h', '2d'."""
    match = _DURATION.match(text.lower())
    if not match or int(match.group(1)) == 0:
        raise ScheduleError(f"{text!r} is not a duration; expected a number and a unit, such as 90s, 30m, 4h or 2d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def describe(span: timedelta) -> str:
    """'2 days 3 hours', '45 minutes', for a person."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n][:2]
    return " ".join(words) or "less than a minute"


@dataclass(frozen=True)
class WorkingHours:
    days: frozenset[int]  # Monday is 0
    start: time
    end: time | None  # None: midnight at the end of the day ("24:00")

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """'Mon-Fri 08:00-18:00'; 'Mon-Sun 00:00-24:00' means always."""
        match = re.match(r"^\s*(\w{3})\s*-\s*(\w{3})\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$", text)
        if not match or match.group(1).lower() not in _DAYS or match.group(2).lower() not in _DAYS:
            raise ScheduleError(f"{text!r} is not valid; expected days and hours such as Mon-Fri 08:00-18:00")
        first, last = _DAYS.index(match.group(1).lower()), _DAYS.index(match.group(2).lower())
        days = frozenset(range(first, last + 1)) if first <= last else frozenset([*range(first, 7), *range(last + 1)])
        try:
            start = time.fromisoformat(match.group(3).zfill(5))
            end = None if match.group(4) == "24:00" else time.fromisoformat(match.group(4).zfill(5))
        except ValueError:
            raise ScheduleError(f"{text!r} has a time that does not exist") from None
        if end is not None and end <= start:
            raise ScheduleError(f"{text!r}: the day must end after it starts")
        return cls(days, start, end)

    @property
    def always(self) -> bool:
        return len(self.days) == 7 and self.start == time(0) and self.end is None


@dataclass(frozen=True)
class Closures:
    """School holidays and INSET days: inclusive date ranges."""

    ranges: tuple[tuple[date, date], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Closures:
        """One closure a line: '2026-12-19 to 2027-01-04', or a single '2027-02-13'; '#' starts a comment."""
        ranges = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = [p.strip() for p in re.split(r"\s+to\s+|\s*\.\.\s*", line)]
            try:
                first = date.fromisoformat(parts[0])
                last = date.fromisoformat(parts[1]) if len(parts) > 1 else first
            except (ValueError, IndexError):
                raise ScheduleError(
                    f"line {number}: {raw.strip()!r} is not a date or 'YYYY-MM-DD to YYYY-MM-DD'"
                ) from None
            if last < first or len(parts) > 2:
                raise ScheduleError(f"line {number}: {raw.strip()!r} ends before it starts")
            ranges.append((first, last))
        return cls(tuple(sorted(ranges)))

    def closed(self, day: date) -> bool:
        return any(first <= day <= last for first, last in self.ranges)


def next_working_moment(moment: datetime, zone: ZoneInfo, hours: WorkingHours, closures: Closures) -> datetime:
    """`moment` if it falls in working time, otherwise the start of the next working time (in UTC terms the same
    instant, whatever daylight saving does in between)."""
    if hours.always and not closures.ranges:
        return moment
    local = moment.astimezone(zone)
    for _ in range(800):  # more than two years of days: a calendar with no working day at all is refused below
        day = local.date()
        if day.weekday() in hours.days and not closures.closed(day):
            opens = datetime.combine(day, hours.start, zone)
            closes = (
                datetime.combine(day, hours.end, zone)
                if hours.end
                else datetime.combine(day + timedelta(days=1), time(0), zone)
            )
            if local < opens:
                return opens.astimezone(moment.tzinfo)
            if local < closes:
                return local.astimezone(moment.tzinfo)
        local = datetime.combine(day + timedelta(days=1), time(0), zone)
    raise ScheduleError("no working time in the next two years: check WORKING_HOURS and the closures file")


@dataclass(frozen=True)
class NudgePolicy:
    after: timedelta  # ACK_NUDGE_AFTER
    repeat: timedelta  # NUDGE_REPEAT_EVERY
    escalate_after: int  # ESCALATE_AFTER_NUDGES
    safeguarding_after: timedelta  # SAFEGUARDING_NUDGE_AFTER
    hours: WorkingHours
    closures: Closures
    zone: ZoneInfo


def next_nudge(
    policy: NudgePolicy, *, since: datetime, nudges_sent: int, last_nudged_at: datetime | None, safeguarding: bool
) -> datetime:
    """When the next nudge is due for an item waiting since `since`. Safeguarding nudges never wait for working
    hours or term time; ordinary ones move to the next working moment."""
    if nudges_sent == 0 or last_nudged_at is None:
        due = since + (policy.safeguarding_after if safeguarding else policy.after)
    else:
        due = last_nudged_at + policy.repeat
    if safeguarding:
        return due
    return next_working_moment(due, policy.zone, policy.hours, policy.closures)


def escalates(policy: NudgePolicy, nudges_sent: int) -> bool:
    """Whether the headteacher should have been told by the `nudges_sent`-th nudge (told once: the caller keeps
    track). At or after, not only at: lowering ESCALATE_AFTER_NUDGES still escalates what is already past it."""
    return nudges_sent >= policy.escalate_after


# --- the governors' annual review (section 9) -------------------------------------------------------------------------

REVIEW_MARKS = (("30 days", -30), ("7 days", -7), ("on the day", 0))
REMINDER_TIME = time(9, 0)


def review_reminders(review_on: date, zone: ZoneInfo, today: date) -> list[tuple[str, datetime]]:
    """Every reminder that falls due up to `today` for a review on `review_on` (marked as stored, e.g. "7 days"):
    30 and 7 days before, on the day, then weekly while overdue; each at 09:00 school time."""
    due: list[tuple[str, datetime]] = []
    for mark, offset in REVIEW_MARKS:
        day = review_on + timedelta(days=offset)
        if day <= today:
            due.append((mark, datetime.combine(day, REMINDER_TIME, zone)))
    weeks = (today - review_on).days // 7
    for week in range(1, weeks + 1):
        due.append((f"overdue week {week}", datetime.combine(review_on + timedelta(weeks=week), REMINDER_TIME, zone)))
    return due


def next_review_reminder(review_on: date, zone: ZoneInfo, after: datetime) -> datetime:
    """The first reminder moment strictly after `after` (for scheduling the wake-up)."""
    for _mark, offset in REVIEW_MARKS:
        moment = datetime.combine(review_on + timedelta(days=offset), REMINDER_TIME, zone)
        if moment > after:
            return moment
    week = max(1, (after.astimezone(zone).date() - review_on).days // 7 + 1)
    while True:
        moment = datetime.combine(review_on + timedelta(weeks=week), REMINDER_TIME, zone)
        if moment > after:
            return moment
        week += 1
