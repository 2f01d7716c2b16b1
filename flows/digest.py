"""The governors' digest of the year's incident log (section 9): counts by area and kind, how fast concerns were
acknowledged, outcomes, and contact questions by verdict. Plain data in, lines of text out."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

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


def lines(report: Digest, labels: dict[str, str]) -> list[str]:
    """The digest as short lines; `labels` turns stored values into words ("no_action" -> "No action needed")."""

    def word(value: str) -> str:
        return labels.get(value, value.replace("_", " "))

    out = [f"Concerns reported in the year: {report.total} ({report.safeguarding} on the safeguarding route)."]
    for (area, kind), count in sorted(report.by_area_and_kind.items()):
        out.append(f"  {word(area)} / {word(kind)}: {count}")
    if report.median_to_acknowledge is not None and report.slowest_to_acknowledge is not None:
        out.append(
            f"Time to acknowledge: median {describe(report.median_to_acknowledge)}, "
            f"slowest {describe(report.slowest_to_acknowledge)}."
        )
    if report.still_unacknowledged:
        out.append(f"Not yet acknowledged: {report.still_unacknowledged}.")
    if report.outcomes:
        out.append("Outcomes: " + ", ".join(f"{word(k)} {v}" for k, v in sorted(report.outcomes.items())) + ".")
    if report.contact_verdicts:
        out.append(
            "Contact questions: "
            + ", ".join(f"{word(k)} {v}" for k, v in sorted(report.contact_verdicts.items()))
            + "."
        )
    return out
