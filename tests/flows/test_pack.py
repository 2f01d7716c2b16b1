"""The pack's small-number suppression: every count from 1 to THRESHOLD-1 hidden, and no hidden count recoverable
by subtraction from a published total (checked over many tables, seeded and bounded)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, seed, settings
from hypothesis import strategies as st

from flows.pack import WITHHELD, PackConcern, _determined, ack_times, counted, protect, shown

ROWS, COLS = ["contact", "conduct", "content"], ["commercial", "aggressive", "sexual", "values"]
counts = st.lists(st.integers(0, 6), min_size=12, max_size=12)


def lines(keys: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    return [[k for k in keys if k[0] == r] for r in ROWS] + [[k for k in keys if k[1] == c] for c in COLS]


@seed(20261203)
@settings(max_examples=400, deadline=None)
@given(counts)
def test_no_hidden_cell_can_be_worked_out_from_a_published_total(values: list[int]) -> None:
    table = {(r, c): values[i * 4 + j] for i, r in enumerate(ROWS) for j, c in enumerate(COLS)}
    cells, row_totals, col_totals = protect(table)
    assert all(cells[k] is None for k, n in table.items() if 0 < n < 3)  # every small count hidden
    assert all(cells[k] == n for k, n in table.items() if isinstance(cells[k], int))  # what is shown is true
    assert all(0 < table[k] < 3 for k in table if cells[k] is None)  # "fewer than 3" is only said when true
    for axis, published in ((0, row_totals), (1, col_totals)):
        for name, total in published.items():
            line = [k for k in table if k[axis] == name]
            hidden = [k for k in line if not isinstance(cells[k], int)]
            if isinstance(total, int):  # published: the hidden counts beside it must have more than one reading
                assert total == sum(table[k] for k in line)
                if hidden:
                    assert not _determined([cells[k] for k in hidden], sum(table[k] for k in hidden), 3), line
        hidden_totals = [k for k, v in published.items() if not isinstance(v, int)]
        if hidden_totals and shown(sum(table.values())) is not None:  # the grand total is published
            values = [published[k] for k in hidden_totals]
            by = {k: sum(n for j, n in table.items() if j[axis] == k) for k in hidden_totals}
            assert not _determined(values, sum(by.values()), 3)


def test_small_counts_adding_up_to_their_least_are_not_left_readable() -> None:
    found = counted(["p"] * 5 + ["q", "r"], ["p", "q", "r", "s"])  # 5, <3, <3, 0 of 7: q and r would be 1 each
    assert (found["q"], found["r"]) == (None, None) and WITHHELD in found.values()


def test_a_one_way_count_hides_a_second_count_beside_a_lone_small_one() -> None:
    assert counted(["a", "b", "b", "b", "c", "c", "c", "c"], ["a", "b", "c", "d"]) == {
        "a": None,  # fewer than 3: true
        "b": WITHHELD,  # with only b withheld, a + b = 4 could only be 1 + 3 (b is 0 or at least 3)
        "c": WITHHELD,
        "d": 0,
    }
    assert counted([], ["a", "b"]) == {"a": 0, "b": 0}


def test_times_to_acknowledge_are_not_published_for_fewer_than_three_concerns() -> None:
    start = datetime(2026, 9, 1, 9, tzinfo=UTC)

    def concern(hours: float | None) -> PackConcern:
        acknowledged = None if hours is None else start + timedelta(hours=hours)
        return PackConcern("contact", "sexual", "other", start, acknowledged, None, None, False, 0, False, None)

    few = ack_times([concern(1), concern(9)], timedelta(hours=4))
    assert (few.median, few.slowest, few.within_nudge, few.later) == (None, None, None, None)
    split = ack_times([concern(h) for h in (1, 2, 3, 5, 30)] + [concern(None)], timedelta(hours=4))
    assert (split.within_nudge, split.later, split.not_yet) == (3, None, None)
    assert split.median is None  # how many were acknowledged is not published: nor are their times
    many = ack_times([concern(h) for h in (1, 2, 3, 3.5, 5, 6, 30)], timedelta(hours=4))
    assert (many.within_nudge, many.later, many.not_yet) == (4, 3, 0)
    assert (many.median, many.slowest) == (timedelta(hours=3.5), timedelta(hours=30))


def test_a_concern_is_counted_in_the_schools_month() -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from flows.pack import month_of

    london = ZoneInfo("Europe/London")
    assert month_of(datetime(2026, 5, 31, 23, 30, tzinfo=UTC), london) == "2026-06"  # 00:30 on 1 June, BST
    assert month_of(datetime(2026, 5, 31, 23, 30, tzinfo=UTC), UTC) == "2026-05"
    assert date(2026, 6, 1).month == 6
