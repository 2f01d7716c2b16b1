"""The governors' figures (section 9: "in the light of any incidents"): every count a governor or the headteacher is
shown, in the pack file, the review reminder and the App Home, from one function over one period. Anonymised facts
in, published figures out; standard library only.

Each figure says what it counts as the export would (`of` a population, `where` by the export's column names),
and how it is shown: the count, "fewer than N" or "withheld". A population of fewer than FLOOR records is given as
its total alone: a breakdown of a handful points at people. Every breakdown is a whole partition of its
population, so that the tables meet only in its published total, and each is protected by flows.disclosure."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from flows.disclosure import FEWER, WITHHELD, Table, protect

THRESHOLD = 3  # the setting PACK_SUPPRESS_BELOW; the default, as the DfE publishes
FLOOR = 10  # below this many records a population is given as its total only
CONCERNS, QUESTIONS, DECLARATIONS = "concerns", "contact_questions", "declarations"
Where = tuple[tuple[str, Any], ...]  # (column, value) pairs: the export's column names and stored values


@dataclass(frozen=True)
class PackConcern:
    area: str
    kind: str
    platform: str
    reported_at: datetime
    acknowledged_at: datetime | None
    escalated_to: str | None
    outcome: str | None
    safeguarding: bool
    nudges_sent: int
    head_told: bool
    policy_version: str | None


@dataclass(frozen=True)
class PackQuestion:
    person: str
    verdict: str
    request_status: str  # none, pending, approved, declined
    policy_version: str | None


@dataclass(frozen=True)
class PackReview:
    review_on: date
    reviewed_at: datetime
    policy_version: str | None
    adopted_version: str | None


@dataclass(frozen=True)
class Figure:
    """One published count."""

    table: str
    of: str
    where: Where
    shown: int | str  # the count, FEWER or WITHHELD (flows.disclosure)
    period: tuple[date, date] | None = None  # a span other than the figures' own (the year before)

    def at(self, column: str) -> Any:
        return dict(self.where).get(column)


@dataclass
class Figures:
    period: tuple[date, date]
    threshold: int
    published: list[Figure]
    ack_median: timedelta | None  # only where every count it rests on is published
    ack_ninth_tenth: timedelta | None  # nine in ten were acknowledged within this
    reviews: list[PackReview] = field(default_factory=list)
    not_broken_down: list[str] = field(default_factory=list)  # tables too small, or impossible, to publish safely

    def table(self, name: str) -> list[Figure]:
        return [f for f in self.published if f.table == name]

    def count(self, table: str, **where: Any) -> Figure | None:
        wanted = tuple(sorted(where.items()))
        return next((f for f in self.published if f.table == table and tuple(sorted(f.where)) == wanted), None)


def default_period(today: date) -> tuple[date, date]:
    """The twelve months to today: 365 days, today included."""
    return today - timedelta(days=364), today


def month_of(moment: datetime, tz: tzinfo) -> str:
    """The school's month of a moment (a concern made at 00:30 on 1 June, summer time, is June's)."""
    local = moment.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def months(start: date, end: date) -> list[str]:
    """Every month from start to end, as YYYY-MM."""
    found, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def acknowledged(concern: PackConcern, nudge_after: timedelta) -> str:
    """before_nudge (within ACK_NUDGE_AFTER of being reported, wall-clock), after_nudge, or not_yet."""
    if concern.acknowledged_at is None:
        return "not_yet"
    return "before_nudge" if concern.acknowledged_at - concern.reported_at <= nudge_after else "after_nudge"


class Publisher:
    """Collects the figures of one population, a table at a time, each protected."""

    def __init__(self, of: str, total: int, threshold: int, period: tuple[date, date] | None = None) -> None:
        self.of, self.total, self.threshold, self.period = of, total, threshold, period
        self.figures: list[Figure] = []
        self.dropped: list[str] = []

    def shown(self, value: int | str) -> int | str:
        return f"fewer than {self.threshold}" if value == FEWER else value

    def one_way(self, name: str, keys: Iterable[Where], values: Iterable[Where]) -> None:
        counts = Counter(values)
        cells = {(repr(key), ""): counts.get(key, 0) for key in dict.fromkeys([*keys, *counts])}
        table = Table(self.total, cells)
        found = protect(table, self.threshold)
        if found is None:
            self.dropped.append(name)
            return
        for key in dict.fromkeys([*keys, *counts]):
            self.figures.append(Figure(name, self.of, key, self.shown(found[(repr(key), "")]), self.period))

    def two_way(self, names: tuple[str, str, str], rows: list[Where], cols: list[Where], pairs: list[Where]) -> None:
        """Cells of rows by columns, with both margins (`names`: the cells', the rows', the columns' tables)."""
        counts = Counter(pairs)
        cells = {(repr(r), repr(c)): counts.get(r + c, 0) for r in rows for c in cols}
        table = Table(self.total, cells, row_sums=True, col_sums=True)
        found = protect(table, self.threshold)
        if found is None:
            self.dropped.extend(names)
            return
        self.figures += [
            Figure(names[0], self.of, r + c, self.shown(found[(repr(r), repr(c))])) for r in rows for c in cols
        ]
        self.figures += [Figure(names[1], self.of, r, self.shown(found[(repr(r), "*")])) for r in rows]
        self.figures += [Figure(names[2], self.of, c, self.shown(found[("*", repr(c))])) for c in cols]


def population(
    of: str, name: str, total: int, threshold: int, period: tuple[date, date] | None = None
) -> tuple[Publisher, bool]:
    """The population's total as a figure, and whether it may be broken down (FLOOR or more)."""
    publisher = Publisher(of, total, threshold, period)
    publisher.figures.append(Figure(name, of, (), publisher.shown(FEWER if 0 < total < threshold else total), period))
    return publisher, total >= FLOOR


def _a_year_before(day: date) -> date:
    """The same date a year earlier (28 February for the 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def keyed(**columns: Any) -> Where:
    """(column, value) pairs, in the export's column names, in order."""
    return tuple(sorted(columns.items()))


def figures(
    period: tuple[date, date],
    concerns: list[PackConcern],
    before: list[PackConcern],
    questions: list[PackQuestion],
    declarations: dict[str, int],
    reviews: list[PackReview],
    vocabulary: dict[str, list[str]],
    nudge_after: timedelta,
    threshold: int = THRESHOLD,
    tz: tzinfo = UTC,
) -> Figures:
    """Every published figure of the period; `vocabulary` lists the possible values of each field (areas, kinds,
    platforms, targets, outcomes, persons), so that a zero shows as a zero."""
    start, end = period
    published: list[Figure] = []
    dropped: list[str] = []
    concern, broken = population(CONCERNS, "Concerns", len(concerns), threshold)
    if broken:
        _concern_tables(concern, concerns, vocabulary, nudge_after, tz, months(start, end))
    earlier = (_a_year_before(start), _a_year_before(end))
    previous, broken_before = population(CONCERNS, "Concerns a year earlier", len(before), threshold, earlier)
    if broken_before:
        previous.one_way(
            "Concerns a year earlier by month",
            [keyed(month=m) for m in months(*earlier)],
            [keyed(month=month_of(c.reported_at, tz)) for c in before],
        )
    asked, broken_questions = population(QUESTIONS, "Contact questions", len(questions), threshold)
    if broken_questions:
        answers = [("PERMITTED", "none"), ("NOT_PERMITTED", "none"), ("REFER", "none")]
        answers += [("REFER", status) for status in ("pending", "approved", "declined")]
        asked.one_way(
            "Contact questions by the policy's answer and leadership's decision",
            [keyed(verdict=v, request_status=s) for v, s in answers],
            [keyed(verdict=q.verdict, request_status=q.request_status) for q in questions],
        )
        asked.one_way(
            "Contact questions by who they were about",
            [keyed(person=p) for p in vocabulary["person"]],
            [keyed(person=q.person) for q in questions],
        )
    held = sum(declarations.values())
    declared, broken_declared = population(DECLARATIONS, "Declared connections", held, threshold)
    if broken_declared:
        declared.one_way(
            "Declared connections by whether they were re-confirmed in time",
            [keyed(lapsed=False), keyed(lapsed=True)],
            [keyed(lapsed=key == "lapsed") for key, n in declarations.items() for _ in range(n)],
        )
    for publisher in (concern, previous, asked, declared):
        published += publisher.figures
        dropped += publisher.dropped
    found = Figures(period, threshold, published, None, None, reviews, dropped)
    found.ack_median, found.ack_ninth_tenth = _ack_statistics(found, concerns)
    return found


def _concern_tables(
    publisher: Publisher,
    concerns: list[PackConcern],
    vocabulary: dict[str, list[str]],
    nudge_after: timedelta,
    tz: tzinfo,
    span: list[str],
) -> None:
    areas, kinds = [keyed(area=a) for a in vocabulary["area"]], [keyed(kind=k) for k in vocabulary["kind"]]
    publisher.two_way(
        ("Concerns by area and kind", "Concerns by area", "Concerns by kind"),
        areas,
        kinds,
        [keyed(area=c.area) + keyed(kind=c.kind) for c in concerns],
    )

    def by(name: str, column: str, keys: list[Any], value: Callable[[PackConcern], Any]) -> None:
        options = [keyed(**{column: k}) for k in keys]
        publisher.one_way(name, options, [keyed(**{column: value(c)}) for c in concerns])

    by("Concerns by month", "month", list(span), lambda c: month_of(c.reported_at, tz))
    by("Concerns by platform", "platform", vocabulary["platform"], lambda c: c.platform)
    by("Concerns on the safeguarding route", "safeguarding", [True, False], lambda c: c.safeguarding)
    stages = ["before_nudge", "after_nudge", "not_yet"]
    by("Concerns by when they were acknowledged", "acknowledged", stages, lambda c: acknowledged(c, nudge_after))
    by("Concerns that needed a nudge", "nudged", [True, False], lambda c: c.nudges_sent > 0)
    by("Concerns the headteacher was told of after the nudges", "head_told", [True, False], lambda c: c.head_told)
    by("Concerns by where they were escalated", "escalated_to", [*vocabulary["target"], None], lambda c: c.escalated_to)
    by("Concerns by outcome", "outcome", [*vocabulary["outcome"], None], lambda c: c.outcome)
    versions = sorted({c.policy_version or "unrecorded" for c in concerns})
    if len(versions) > 1:
        by("Concerns by policy version", "policy_version", versions, lambda c: c.policy_version or "unrecorded")


def _ack_statistics(found: Figures, concerns: list[PackConcern]) -> tuple[timedelta | None, timedelta | None]:
    """The median and the nine-in-ten time to acknowledge: only where the counts they rest on are published exactly,
    and enough were acknowledged not to describe one case."""
    name = "Concerns by when they were acknowledged"
    rests_on = [found.count(name, acknowledged=stage) for stage in ("before_nudge", "after_nudge")]
    if any(f is None or not isinstance(f.shown, int) for f in rests_on):
        return None, None
    waits = sorted(c.acknowledged_at - c.reported_at for c in concerns if c.acknowledged_at is not None)
    if len(waits) < FLOOR:
        return None, None
    return statistics.median_low(waits), waits[min(len(waits) - 1, -(-9 * len(waits) // 10) - 1)]


def as_data(found: Figures) -> dict[str, Any]:
    """The published figures as data a data protection officer can audit with their own tools (the pack's JSON)."""
    start, end = found.period

    def one(f: Figure) -> dict[str, Any]:
        item: dict[str, Any] = {"table": f.table, "of": f.of, "where": dict(f.where), "shown": f.shown}
        if f.period is not None:
            item["period"] = {"from": f.period[0].isoformat(), "to": f.period[1].isoformat()}
        return item

    return {
        "threshold": found.threshold,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "figures": [one(f) for f in found.published],
    }


__all__ = ["FEWER", "FLOOR", "THRESHOLD", "WITHHELD", "Figure", "Figures", "figures"]
