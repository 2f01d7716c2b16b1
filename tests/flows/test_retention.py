"""flows.retention with no database and no Slack: when each kind of record falls due, what happens to it, and the
defaults a records manager would recognise."""

from __future__ import annotations

from datetime import date

import pytest

from flows.retention import CONFIRMED, DEFAULTS, Closed, Disposal, Held, due_on, held_as, schedule, years_after

YEARS = {held: default.years for held, default in DEFAULTS.items()}


def closed(held: Held, on: date, record_id: int = 1, keep_until: date | None = None) -> Closed:
    return Closed("concern", record_id, f"R{record_id}", held, on, keep_until)


def test_years_after_keeps_the_day_and_moves_29_february_to_the_28th() -> None:
    assert years_after(date(2020, 3, 1), 6) == date(2026, 3, 1)
    assert years_after(date(2020, 2, 29), 1) == date(2021, 2, 28)
    assert years_after(date(2020, 2, 29), 4) == date(2024, 2, 29)


def test_each_kind_is_due_its_own_years_after_it_closed() -> None:
    on = date(2020, 9, 1)
    assert {held: due_on(closed(held, on), YEARS) for held in Held} == {
        Held.CONCERN: date(2026, 9, 1),
        Held.STAFF_CONCERN: date(2030, 9, 1),
        Held.SAFEGUARDING: date(2045, 9, 1),
        Held.QUESTION: date(2021, 9, 1),
        Held.DECISION: date(2026, 9, 1),
        Held.DECLARATION: date(2026, 9, 1),
    }
    assert due_on(closed(Held.CONCERN, on), {**YEARS, Held.CONCERN: 7}) == date(2027, 9, 1)  # the setting counts


def test_a_lead_s_keep_moves_the_date_later_never_sooner() -> None:
    on = date(2010, 1, 10)
    assert due_on(closed(Held.SAFEGUARDING, on, keep_until=date(2040, 1, 1)), YEARS) == date(2040, 1, 1)
    assert due_on(closed(Held.SAFEGUARDING, on, keep_until=date(2030, 1, 1)), YEARS) == date(2035, 1, 10)


def test_the_schedule_lists_what_falls_due_by_the_horizon_soonest_first_with_what_is_done() -> None:
    records = [
        closed(Held.CONCERN, date(2020, 5, 1), 1),
        closed(Held.SAFEGUARDING, date(2000, 5, 1), 2),
        closed(Held.STAFF_CONCERN, date(2016, 4, 1), 3),
        closed(Held.QUESTION, date(2025, 12, 1), 4),
        closed(Held.CONCERN, date(2021, 5, 1), 5),  # due 2027: beyond the horizon
    ]
    found = schedule(records, YEARS, date(2026, 1, 1), date(2026, 12, 31))
    assert [(d.record.record_id, d.due_on, d.disposal) for d in found] == [
        (2, date(2025, 5, 1), Disposal.ASK),  # overdue: still listed, first
        (3, date(2026, 4, 1), Disposal.ASK),
        (1, date(2026, 5, 1), Disposal.REDACT),
        (4, date(2026, 12, 1), Disposal.REDACT),
    ]


@pytest.mark.parametrize(
    ("safeguarding", "names_staff", "held"),
    [
        (False, False, Held.CONCERN),
        (False, True, Held.STAFF_CONCERN),
        (True, False, Held.SAFEGUARDING),
        (True, True, Held.SAFEGUARDING),  # the safeguarding route first
    ],
)
def test_a_concern_is_held_by_its_route_first(safeguarding: bool, names_staff: bool, held: Held) -> None:
    assert held_as(safeguarding=safeguarding, names_staff=names_staff) is held


def test_only_concerns_on_the_safeguarding_route_or_naming_staff_wait_for_a_lead() -> None:
    assert CONFIRMED == {Held.SAFEGUARDING, Held.STAFF_CONCERN}


def test_every_default_names_its_setting_and_its_source() -> None:
    assert len({d.setting for d in DEFAULTS.values()}) == len(Held) == len(DEFAULTS)
    for held, default in DEFAULTS.items():
        assert default.setting.startswith("RETAIN_") and default.setting.endswith("_YEARS")
        assert default.years >= 1 and len(default.source) > 40 and held.label
