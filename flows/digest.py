"""The governors' digest of the year's incident log (section 9): counts by area and kind, how fast concerns were
acknowledged, outcomes, and contact questions by verdict. Plain data in, lines of text out."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.pack import THRESHOLD, counted, shown
from flows.scheduling import describe


@dataclass(frozen=True)
class LoggedConcern:
    area: str
    kind: str
    reported_at: datetime
    acknowledged_at: datetime | None
    outcome: str | None
    safeguarding: bool


@dataclass(frozen=True)
class Digest:
    total: int
    by_area_and_kind: dict[tuple[str, str], int]
    safeguarding: int
    median_to_acknowledge: timedelta | None
    slowest_to_acknowledge: timedelta | None
    still_unacknowledged: int
    outcomes: dict[str, int]
    contact_verdicts: dict[str, int]


def digest(concerns: list[LoggedConcern], contact_verdicts: dict[str, int]) -> Digest:
    waits = sorted(c.acknowledged_at - c.reported_at for c in concerns if c.acknowledged_at is not None)
    return Digest(
        total=len(concerns),
        by_area_and_kind=dict(Counter((c.area, c.kind) for c in concerns)),
        safeguarding=sum(c.safeguarding for c in concerns),
        median_to_acknowledge=statistics.median_low(waits) if waits else None,
        slowest_to_acknowledge=waits[-1] if waits else None,
        still_unacknowledged=sum(c.acknowledged_at is None for c in concerns),
        outcomes=dict(Counter(c.outcome for c in concerns if c.outcome)),
        contact_verdicts=dict(contact_verdicts),
    )


def lines(report: Digest, labels: dict[str, str], threshold: int = THRESHOLD) -> list[str]:
    """The digest as short lines; `labels` turns stored values into words ("no_action" -> "No action needed").
    Counts from 1 to threshold-1 are "fewer than N", and the times are left out for fewer than N acknowledged, as
    in the governors' pack (flows.pack): a governor's DM must not single anyone out either."""

    def word(value: str) -> str:
        return labels.get(value, value.replace("_", " "))

    def n(count: int | str | None) -> str:
        if isinstance(count, int):
            count = shown(count, threshold)
        return f"fewer than {threshold}" if count is None else str(count)

    out = [f"Concerns reported in the year: {n(report.total)} ({n(report.safeguarding)} on the safeguarding route)."]
    if report.total >= threshold:  # the breakdown of a handful would point at them
        pairs = sorted(report.by_area_and_kind)
        named = {f"{a}/{k}": c for (a, k), c in report.by_area_and_kind.items()}
        cells = counted((key for key, c in named.items() for _ in range(c)), [f"{a}/{k}" for a, k in pairs], threshold)
        for area, kind in pairs:  # beside the total: a second count withheld where one could be worked out
            out.append(f"  {word(area)} / {word(kind)}: {n(cells[f'{area}/{kind}'])}")
    acknowledged = report.total - report.still_unacknowledged
    if acknowledged >= threshold and report.median_to_acknowledge and report.slowest_to_acknowledge:
        out.append(
            f"Time to acknowledge: median {describe(report.median_to_acknowledge)}, "
            f"slowest {describe(report.slowest_to_acknowledge)}."
        )
    if report.still_unacknowledged:
        out.append(f"Not yet acknowledged: {n(report.still_unacknowledged)}.")
    if report.outcomes:
        out.append("Outcomes: " + ", ".join(f"{word(k)} {n(v)}" for k, v in sorted(report.outcomes.items())) + ".")
    if report.contact_verdicts:
        out.append(
            "Contact questions: "
            + ", ".join(f"{word(k)} {n(v)}" for k, v in sorted(report.contact_verdicts.items()))
            + "."
        )
    return out
