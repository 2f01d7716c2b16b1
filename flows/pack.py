"""The governors' pack (section 9: "in the light of any incidents"): the figures of a period from anonymised facts,
with small numbers suppressed as published education statistics do. Plain data in, figures out.

Suppression: a count from 1 to THRESHOLD-1 is shown as "fewer than THRESHOLD" (None here). Wherever the hidden
counts beside a published total could only be one set of values, another count is withheld too (WITHHELD), until
none can be worked out by subtraction (protect()); totals are treated the same way beside the grand total."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

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


WITHHELD = "withheld"  # hidden so that a small count beside it cannot be worked out (secondary suppression)
Cell = int | str | None  # None: fewer than the threshold (true of it); WITHHELD: hidden, whatever it is


def shown(count: int, threshold: int = THRESHOLD) -> Cell:
    return None if 0 < count < threshold else count


def suppress(table: dict[tuple[str, str], int], threshold: int = THRESHOLD) -> dict[tuple[str, str], Cell]:
    """The cells of a two-way table whose row and column totals are published (protect() gives those)."""
    return protect(table, threshold)[0]


def protect(
    table: dict[tuple[str, str], int], threshold: int = THRESHOLD
) -> tuple[dict[tuple[str, str], Cell], dict[str, Cell], dict[str, Cell]]:
    """(cells, row totals, column totals) of a two-way table, beside its published grand total, so that no hidden
    count can be worked out: wherever the hidden counts of a line (a row or column, with its published total) have
    only one possible set of values (one hidden count, or small ones adding up to their least or most), another
    count is withheld too: the smallest visible one (preferring one whose other line already hides one), else a
    zero, else the line's total. The same for each axis's totals beside the grand total."""
    cells: dict[tuple[str, str], Cell] = {key: shown(n, threshold) for key, n in table.items()}
    sums: list[dict[str, int]] = [{}, {}]
    for (row, col_), n in table.items():
        sums[0][row] = sums[0].get(row, 0) + n
        sums[1][col_] = sums[1].get(col_, 0) + n
    shown_sums: list[dict[str, Cell]] = [{k: shown(n, threshold) for k, n in axis.items()} for axis in sums]
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            for name in sums[axis]:
                line = [k for k in table if k[axis] == name]
                hidden = [k for k in line if not isinstance(cells[k], int)]
                if len(line) < 2 or not hidden or not isinstance(shown_sums[axis][name], int):
                    continue
                if not _determined([cells[k] for k in hidden], sum(table[k] for k in hidden), threshold):
                    continue

                def cost(k: tuple[str, str], axis: int = axis) -> tuple[int, int, int, str]:
                    other = [j for j in table if j[1 - axis] == k[1 - axis] and not isinstance(cells[j], int)]
                    return (table[k] == 0, 0 if other else 1, table[k], str(k))

                candidates = sorted((k for k in line if isinstance(cells[k], int)), key=cost)
                if candidates:
                    cells[candidates[0]] = WITHHELD
                else:
                    shown_sums[axis][name] = WITHHELD
                changed = True
            if _guard_totals(shown_sums[axis], sums[axis], threshold):
                changed = True
    return cells, shown_sums[0], shown_sums[1]


def _determined(hidden: list[Cell], total: int, threshold: int) -> bool:
    """Whether hidden counts adding up to `total` could only be one set of values, to someone who knows that a
    "fewer than N" count is 1 to N-1 and a withheld one is 0 or at least N (what could have been shown)."""
    options = [range(1, threshold) if cell is None else [0, *range(threshold, total + 1)] for cell in hidden]
    found = 0

    def count(i: int, left: int) -> None:
        nonlocal found
        if found > 1:
            return
        if i == len(options):
            found += left == 0
            return
        for value in options[i]:
            if value > left:
                break
            count(i + 1, left - value)

    count(0, total)
    return found <= 1


def _guard_totals(published: dict[str, Cell], true: dict[str, int], threshold: int) -> bool:
    """Beside the grand total, hidden totals that could be worked out: withhold another (the smallest visible)."""
    hidden = [k for k, v in published.items() if not isinstance(v, int)]
    if not hidden or len(published) < 2 or shown(sum(true.values()), threshold) is None:
        return False
    if not _determined([published[k] for k in hidden], sum(true[k] for k in hidden), threshold):
        return False
    visible = sorted((k for k, v in published.items() if isinstance(v, int)), key=lambda k: (true[k] == 0, true[k], k))
    if not visible:
        return False
    published[visible[0]] = WITHHELD
    return True


def counted(values: Iterable[str], keys: Iterable[str], threshold: int = THRESHOLD) -> dict[str, Cell]:
    """A one-way count over the keys given (zeros included), suppressed; secondary suppression as for a table with
    its grand total published."""
    return _one_way(Counter(values), list(keys), threshold)


def _one_way(found: Counter[str], keys: list[str], threshold: int) -> dict[str, Cell]:
    table = {(key, "all"): found.get(key, 0) for key in keys}
    return {key: cell for (key, _), cell in suppress(table, threshold).items()}


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
    # The three add up to the published total: suppressed together, so that none can be worked out from it.
    split = counted(
        ["within" if w <= nudge_after else "later" for w in waits] + ["not_yet"] * (len(concerns) - len(waits)),
        ["within", "later", "not_yet"],
        threshold,
    )
    # Times only when how many were acknowledged is itself published, and it is enough not to describe one case.
    few = len(waits) < threshold or any(not isinstance(v, int) for v in split.values())
    return AckTimes(
        median=None if few else statistics.median_low(waits),
        ninetieth=None if few else waits[min(len(waits) - 1, int(0.9 * len(waits)))],
        slowest=None if few else waits[-1],
        within_nudge=split["within"],
        later=split["later"],
        not_yet=split["not_yet"],
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
    tz: tzinfo = UTC,
) -> Figures:
    """Every figure of the pack; `vocabulary` lists the possible values of each field (areas, kinds, platforms,
    targets, outcomes, verdicts, persons), so that a zero shows as a zero."""
    start, end = period
    area_kind = {(a, k): 0 for a in vocabulary["area"] for k in vocabulary["kind"]}
    for concern in concerns:
        area_kind[(concern.area, concern.kind)] += 1
    cells, by_area, by_kind = protect(area_kind, threshold)
    span = months(start, end)
    earlier = [f"{int(m[:4]) - 1:04d}{m[4:]}" for m in span]
    versions = sorted({c.policy_version or "unrecorded" for c in concerns})
    return Figures(
        start=start,
        end=end,
        threshold=threshold,
        total=shown(len(concerns), threshold),
        area_kind=cells,
        area_totals=by_area,
        kind_totals=by_kind,
        per_month=counted((month_of(c.reported_at, tz) for c in concerns), span, threshold),
        per_month_before=dict(
            zip(span, counted((month_of(c.reported_at, tz) for c in before), earlier, threshold).values(), strict=True)
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
