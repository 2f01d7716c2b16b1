"""The governors' pack (section 9: "in the light of any incidents"): the figures of a period from anonymised facts,
with small numbers suppressed as published education statistics do. Plain data in, figures out.

Suppression: a count from 1 to THRESHOLD-1 is shown as "fewer than THRESHOLD" (None here). In a table with totals,
a row or column with exactly one suppressed cell has its next smallest non-zero cell suppressed too, so that no
suppressed cell can be recovered by subtracting the others from a total; a total that is itself small is
suppressed the same way."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

THRESHOLD = 3  # the setting PACK_SUPPRESS_BELOW; the default, as the DfE publishes


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


Cell = int | None  # None: suppressed


def shown(count: int, threshold: int = THRESHOLD) -> Cell:
    return None if 0 < count < threshold else count


def suppress(table: dict[tuple[str, str], int], threshold: int = THRESHOLD) -> dict[tuple[str, str], Cell]:
    """Primary and secondary suppression of a two-way table whose row and column totals are published."""
    cells: dict[tuple[str, str], Cell] = {key: shown(n, threshold) for key, n in table.items()}
    lines: list[list[tuple[str, str]]] = []
    for axis in (0, 1):
        groups: dict[str, list[tuple[str, str]]] = {}
        for key in table:
            groups.setdefault(key[axis], []).append(key)
        lines += list(groups.values())
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [k for k in line if cells[k] is None]
            visible = sorted((k for k in line if cells[k]), key=lambda k: (table[k], str(k)))
            if len(hidden) == 1 and visible:
                cells[visible[0]] = None
                changed = True
    return cells


def totals(table: dict[tuple[str, str], int], axis: int, threshold: int = THRESHOLD) -> dict[str, Cell]:
    """Row (axis 0) or column (axis 1) totals, each shown or suppressed on its own."""
    summed: Counter[str] = Counter()
    for key, n in table.items():
        summed[key[axis]] += n
    return {key: shown(n, threshold) for key, n in summed.items()}


def counted(values: Iterable[str], keys: Iterable[str], threshold: int = THRESHOLD) -> dict[str, Cell]:
    """A one-way count over the keys given (zeros included), suppressed; secondary suppression as for a table with
    its grand total published."""
    found = Counter(values)
    table = {(key, "all"): found.get(key, 0) for key in keys}
    return {key: cell for (key, _), cell in suppress(table, threshold).items()}


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def months(start: date, end: date) -> list[str]:
    """Every month from start to end, as YYYY-MM."""
    found, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


@dataclass(frozen=True)
class AckTimes:
    median: timedelta | None
    ninetieth: timedelta | None
    slowest: timedelta | None
    within_nudge: Cell  # acknowledged before the first nudge was due
    later: Cell
    not_yet: Cell


def ack_times(concerns: list[PackConcern], nudge_after: timedelta, threshold: int = THRESHOLD) -> AckTimes:
    waits = sorted(c.acknowledged_at - c.reported_at for c in concerns if c.acknowledged_at is not None)
    few = len(waits) < threshold  # too few to publish a median of: it would describe one person's case
    return AckTimes(
        median=None if few else statistics.median_low(waits),
        ninetieth=None if few else waits[min(len(waits) - 1, int(0.9 * len(waits)))],
        slowest=None if few else waits[-1],
        within_nudge=shown(sum(w <= nudge_after for w in waits), threshold),
        later=shown(sum(w > nudge_after for w in waits), threshold),
        not_yet=shown(sum(c.acknowledged_at is None for c in concerns), threshold),
    )


@dataclass
class Figures:
    start: date
    end: date
    threshold: int
    total: Cell
    area_kind: dict[tuple[str, str], Cell]
    area_totals: dict[str, Cell]
    kind_totals: dict[str, Cell]
    per_month: dict[str, Cell]
    per_month_before: dict[str, Cell]
    by_platform: dict[str, Cell]
    acknowledging: AckTimes
    escalations: dict[str, Cell]
    outcomes: dict[str, Cell]
    safeguarding: Cell
    nudged: Cell
    head_told: Cell
    questions_by_verdict: dict[str, Cell]
    questions_by_person: dict[str, Cell]
    decisions: dict[str, Cell]
    declarations: dict[str, Cell]
    reviews: list[PackReview]
    by_version: dict[str, Cell] = field(default_factory=dict)  # only when more than one was in force


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
) -> Figures:
    """Every figure of the pack; `vocabulary` lists the possible values of each field (areas, kinds, platforms,
    targets, outcomes, verdicts, persons), so that a zero shows as a zero."""
    start, end = period
    area_kind = {(a, k): 0 for a in vocabulary["area"] for k in vocabulary["kind"]}
    for concern in concerns:
        area_kind[(concern.area, concern.kind)] += 1
    span = months(start, end)
    earlier = [f"{int(m[:4]) - 1:04d}{m[4:]}" for m in span]
    versions = sorted({c.policy_version or "unrecorded" for c in concerns})
    return Figures(
        start=start,
        end=end,
        threshold=threshold,
        total=shown(len(concerns), threshold),
        area_kind=suppress(area_kind, threshold),
        area_totals=totals(area_kind, 0, threshold),
        kind_totals=totals(area_kind, 1, threshold),
        per_month=counted((month_of(c.reported_at) for c in concerns), span, threshold),
        per_month_before=dict(
            zip(span, counted((month_of(c.reported_at) for c in before), earlier, threshold).values(), strict=True)
        ),
        by_platform=counted((c.platform for c in concerns), vocabulary["platform"], threshold),
        acknowledging=ack_times(concerns, nudge_after, threshold),
        escalations=counted((c.escalated_to for c in concerns if c.escalated_to), vocabulary["target"], threshold),
        outcomes=counted((c.outcome for c in concerns if c.outcome), vocabulary["outcome"], threshold),
        safeguarding=shown(sum(c.safeguarding for c in concerns), threshold),
        nudged=shown(sum(c.nudges_sent > 0 for c in concerns), threshold),
        head_told=shown(sum(c.head_told for c in concerns), threshold),
        questions_by_verdict=counted((q.verdict for q in questions), vocabulary["verdict"], threshold),
        questions_by_person=counted((q.person for q in questions), vocabulary["person"], threshold),
        decisions=counted(
            (q.request_status for q in questions if q.request_status in ("approved", "declined", "pending")),
            ["approved", "declined", "pending"],
            threshold,
        ),
        declarations={key: shown(n, threshold) for key, n in declarations.items()},
        reviews=reviews,
        by_version=counted((c.policy_version or "unrecorded" for c in concerns), versions, threshold)
        if len(versions) > 1
        else {},
    )
