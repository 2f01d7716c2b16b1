"""The governors' digest from a year's log. Plain pytest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.digest import LoggedConcern, digest, lines

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_counts_times_and_outcomes() -> None:
    log = [
        LoggedConcern("contact", "sexual", T, T + timedelta(minutes=20), "referred_police_ceop", True),
        LoggedConcern("conduct", "aggressive", T, T + timedelta(hours=3), "advice_given", False),
        LoggedConcern("conduct", "aggressive", T, T + timedelta(days=2), None, False),
        LoggedConcern("content", "values", T, None, None, False),
    ]
    report = digest(log, {"PERMITTED": 5, "REFER": 2})
    assert report.total == 4 and report.safeguarding == 1
    assert report.by_area_and_kind[("conduct", "aggressive")] == 2
    assert report.median_to_acknowledge == timedelta(hours=3)
    assert report.slowest_to_acknowledge == timedelta(days=2)
    assert report.still_unacknowledged == 1
    assert report.outcomes == {"referred_police_ceop": 1, "advice_given": 1}
    text = "\n".join(lines(report, {"advice_given": "Advice given"}))
    assert "Concerns reported in the year: 4 (fewer than 3 on the safeguarding route)" in text
    assert "median 3 hours, slowest 2 days" in text and "Advice given fewer than 3" in text
    assert "REFER fewer than 3" in text and "PERMITTED 5" in text  # as in the pack: small counts never shown
    assert "conduct / aggressive: fewer than 3" in text


def test_a_handful_of_concerns_is_not_broken_down_or_timed() -> None:
    log = [LoggedConcern("contact", "sexual", T, T + timedelta(minutes=20), None, True)] * 2
    text = lines(digest(log, {}), {})
    assert text == ["Concerns reported in the year: fewer than 3 (fewer than 3 on the safeguarding route)."]


def test_an_empty_year() -> None:
    text = lines(digest([], {}), {})
    assert text == ["Concerns reported in the year: 0 (0 on the safeguarding route)."]


def test_the_breakdown_never_lets_a_small_count_be_worked_out_from_the_total() -> None:
    log = [LoggedConcern("conduct", "aggressive", T, None, None, False)] * 2
    log += [LoggedConcern("content", "values", T, None, None, False)] * 5
    text = "\n".join(lines(digest(log, {}), {}))
    assert "Concerns reported in the year: 7" in text and "conduct / aggressive: fewer than 3" in text
    assert "content / values: withheld" in text  # else 7 - 5 = 2
