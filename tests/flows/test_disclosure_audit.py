"""An independent audit of the governors' figures: it reads only what is published (the pack's JSON block, never the
code's own suppression state) and attacks every hidden count at once with an exact integer program (HiGHS, through
scipy.optimize.milp), over generated school-years skewed onto few areas, kinds, platforms and months.

The attacker's model: each population's published figures are marginals of one unknown table of records; a figure
"fewer than N" is 1 to N-1, "withheld" is any number, a count is that count; tables of the same population agree on
every shared margin and on its total; and what a reader knows of how concerns work: one not yet acknowledged was
neither escalated nor resolved, and the headteacher is told only of a nudged one. A hidden count from 1 to N-1 must
keep at least two possible values, and a withheld one must not be exactly derivable.

POLICYBOT_AUDIT_EXAMPLES sets how many school-years (default 60 in the suite; the notes give a run of thousands)."""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from flows.pack import PackConcern, PackQuestion, as_data, figures

scipy_optimize = pytest.importorskip("scipy.optimize")

EXAMPLES = int(os.environ.get("POLICYBOT_AUDIT_EXAMPLES", "60"))
PERIOD = (date(2025, 12, 14), date(2026, 12, 13))
AREAS, KINDS = ["contact", "conduct", "content"], ["commercial", "aggressive", "sexual", "values"]
PLATFORMS = ["facebook", "instagram", "tiktok", "snapchat", "whatsapp", "youtube", "linkedin", "other"]
TARGETS, OUTCOMES = (
    ["safeguarding_lead", "headteacher", "police", "ceop", "platform", "lado"],
    [
        "no_action",
        "advice_given",
        "content_removed",
        "disciplinary",
        "referred_police_ceop",
    ],
)
PERSONS = ["PUPIL", "FORMER_PUPIL", "PUPIL_FAMILY", "YOUNG_PERSON", "COLLEAGUE", "OTHER_ADULT"]
VOCABULARY = {
    "area": AREAS,
    "kind": KINDS,
    "platform": PLATFORMS,
    "target": TARGETS,
    "outcome": OUTCOMES,
    "person": PERSONS,
}
NUDGE_AFTER = timedelta(hours=4)
ANSWERS = [
    ("PERMITTED", "none"),
    ("REFER", "approved"),
    ("REFER", "none"),
    ("REFER", "declined"),
    ("NOT_PERMITTED", "none"),
]


# --- the attack ---------------------------------------------------------------------------------------------------


def hidden_counts_that_can_be_pinned(published: dict[str, Any]) -> list[str]:
    """Every hidden figure whose value the published figures fix, each as a line saying which and how."""
    threshold = published["threshold"]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for figure in published["figures"]:
        span = figure.get("period") or published["period"]
        groups[(figure["of"], f"{span['from']}..{span['to']}")].append(figure)
    found: list[str] = []
    for key, group in groups.items():
        found += _attack(key, group, threshold)
    return found


def _attack(key: tuple[str, str], group: list[dict[str, Any]], threshold: int) -> list[str]:
    # The unknown table of records, as the marginals published: one variable per `where` (every table lists every
    # value it breaks its population into: the attacker knows that no record falls outside them).
    variables: dict[tuple[tuple[str, Any], ...], int] = {}
    for figure in group:
        variables.setdefault(tuple(sorted(figure["where"].items(), key=str)), len(variables))
    total = next(f for f in group if not f["where"])
    most = total["shown"] if isinstance(total["shown"], int) else threshold - 1
    rows: list[list[float]] = []
    low: list[float] = []
    high: list[float] = []

    def between(terms: dict[int, float], lo: float, hi: float) -> None:
        row = [0.0] * len(variables)
        for index, coefficient in terms.items():
            row[index] += coefficient
        rows.append(row)
        low.append(lo)
        high.append(hi)

    # A table over some columns adds up to every published margin over fewer of them (the total among them).
    by_columns: dict[frozenset[str], list[tuple[tuple[str, Any], ...]]] = defaultdict(list)
    for where in variables:
        by_columns[frozenset(c for c, _ in where)].append(where)
    for bigger, smaller in itertools.permutations(by_columns, 2):
        if not smaller < bigger:
            continue
        for part in by_columns[smaller]:
            terms = {variables[part]: -1.0}
            for whole in by_columns[bigger]:
                if set(part) <= set(whole):
                    terms[variables[whole]] = 1.0
            between(terms, 0, 0)
    # What a reader knows of how concerns work.
    known = (
        ((("acknowledged", "not_yet"),), (("escalated_to", None),)),
        ((("acknowledged", "not_yet"),), (("outcome", None),)),
        ((("head_told", True),), (("nudged", True),)),
    )
    for fewer, more in known:
        if fewer in variables and more in variables:
            between({variables[fewer]: 1.0, variables[more]: -1.0}, -np.inf, 0)
    # What was published.
    for figure in group:
        index, shown = variables[tuple(sorted(figure["where"].items(), key=str))], figure["shown"]
        if isinstance(shown, int):
            between({index: 1.0}, shown, shown)
        elif shown == f"fewer than {threshold}":
            between({index: 1.0}, 1, threshold - 1)
        else:
            assert shown == "withheld", shown
    constraints = scipy_optimize.LinearConstraint(np.array(rows), np.array(low), np.array(high))
    bounds = scipy_optimize.Bounds(np.zeros(len(variables)), np.full(len(variables), float(most)))
    found = []
    for figure in group:
        if isinstance(figure["shown"], int):
            continue
        index = variables[tuple(sorted(figure["where"].items(), key=str))]
        values = []
        for sense in (1.0, -1.0):
            goal = np.zeros(len(variables))
            goal[index] = sense
            result = scipy_optimize.milp(
                goal, constraints=constraints, integrality=np.ones(len(variables)), bounds=bounds
            )
            assert result.success, f"{key}: the published figures contradict each other ({result.message})"
            values.append(round(sense * result.fun))
        if values[0] == values[1]:
            found.append(f"{key} {figure['table']} {figure['where']}: {figure['shown']} is exactly {values[0]}")
    return found


# --- generated school-years -----------------------------------------------------------------------------------------


def skewed(options: list[Any]) -> st.SearchStrategy[Any]:
    """A few favourites, as real years have: most concerns on one or two platforms, areas and months."""
    return st.lists(st.sampled_from(options), min_size=1, max_size=3).flatmap(st.sampled_from)


@st.composite
def school_years(draw: st.DrawFn) -> dict[str, Any]:
    start = datetime(2025, 12, 14, 9, tzinfo=UTC)
    favourite_days = draw(st.lists(st.integers(0, 364), min_size=1, max_size=4))
    area, kind, platform = (
        draw(st.lists(st.sampled_from(v), min_size=1, max_size=2)) for v in (AREAS, KINDS, PLATFORMS)
    )
    concerns = []
    for _ in range(draw(st.integers(0, 40))):
        reported = start + timedelta(days=draw(st.sampled_from(favourite_days)), minutes=draw(st.integers(0, 600)))
        waited = draw(st.sampled_from([None, timedelta(hours=1), timedelta(hours=3), timedelta(days=2)]))
        nudged = waited is None or waited > NUDGE_AFTER
        concerns.append(
            PackConcern(
                area=draw(st.sampled_from(area)),
                kind=draw(st.sampled_from(kind)),
                platform=draw(st.sampled_from(platform)),
                reported_at=reported,
                acknowledged_at=None if waited is None else reported + waited,
                escalated_to=None if waited is None else draw(st.sampled_from([None, None, "headteacher", "police"])),
                outcome=None if waited is None else draw(st.sampled_from([None, "advice_given", "no_action"])),
                safeguarding=draw(st.booleans()),
                nudges_sent=int(nudged),
                head_told=nudged and draw(st.booleans()),
                policy_version="2015-03",
            )
        )
    questions = [
        PackQuestion(draw(st.sampled_from(PERSONS[:3])), verdict, status, "2015-03")
        for verdict, status in draw(
            st.lists(
                st.sampled_from(
                    [("PERMITTED", "none"), ("REFER", "approved"), ("REFER", "none"), ("NOT_PERMITTED", "none")]
                ),
                max_size=25,
            )
        )
    ]
    lapsed = draw(st.integers(0, 12))
    return {
        "concerns": concerns,
        "questions": questions,
        "declarations": {"current": draw(st.integers(0, 12)), "lapsed": lapsed},
    }


@seed(20261206)
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(school_years())
def test_no_hidden_count_can_be_pinned_down_from_everything_published(year: dict[str, Any]) -> None:
    found = figures(PERIOD, year["concerns"], [], year["questions"], year["declarations"], [], VOCABULARY, NUDGE_AFTER)
    published = as_data(found)
    assert hidden_counts_that_can_be_pinned(published) == []
    # And no count from 1 to 2 is ever published as itself.
    assert not [f for f in published["figures"] if isinstance(f["shown"], int) and 0 < f["shown"] < 3]


def test_the_audit_notices_what_the_old_pack_gave_away() -> None:
    """The pack of four concerns the issue read with a pencil: the attack pins every hidden count."""
    figure = lambda table, where, shown: {"table": table, "of": "concerns", "where": where, "shown": shown}  # noqa: E731
    cells = [figure("by area and kind", {"area": a, "kind": k}, 0) for a in AREAS for k in KINDS]
    for cell in cells:
        if (cell["where"]["area"], cell["where"]["kind"]) in (
            ("contact", "sexual"),
            ("content", "aggressive"),
            ("content", "values"),
        ):
            cell["shown"] = "fewer than 3"
    published = {
        "threshold": 3,
        "period": {"from": "2025-12-14", "to": "2026-12-13"},
        "figures": [
            figure("Concerns", {}, 4),
            *cells,
            figure("by area", {"area": "contact"}, "fewer than 3"),
            figure("by area", {"area": "conduct"}, "withheld"),
            figure("by area", {"area": "content"}, "fewer than 3"),
        ],
    }
    pinned = hidden_counts_that_can_be_pinned(published)
    assert any("'content'" in line and "exactly 2" in line for line in pinned), pinned
    assert any("'conduct'" in line and "exactly 0" in line for line in pinned), pinned
