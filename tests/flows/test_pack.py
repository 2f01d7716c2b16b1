"""The governors' figures: one period, every breakdown a whole partition of its population, a population below the
floor given as its total only, zeros shown, small counts never shown as themselves, the time to acknowledge only
where its counts are published. Plain pytest, no Slack (the attack on them is tests/flows/test_disclosure_audit.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flows.disclosure import Table, protect
from flows.pack import FLOOR, PackConcern, acknowledged, as_data, default_period, figures, month_of, months
from tests.conftest import LONDON

PERIOD = (date(2025, 12, 14), date(2026, 12, 13))
VOCABULARY = {
    "area": ["contact", "conduct", "content"],
    "kind": ["commercial", "aggressive", "sexual", "values"],
    "platform": ["instagram", "tiktok", "linkedin"],
    "target": ["headteacher", "police"],
    "outcome": ["no_action", "advice_given"],
    "person": ["PUPIL", "COLLEAGUE"],
}
START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def concern(n: int, **facts: object) -> PackConcern:
    base: dict[str, object] = dict(
        area="contact",
        kind="aggressive",
        platform="instagram",
        reported_at=START + timedelta(days=n % 5),
        acknowledged_at=START + timedelta(days=n % 5, hours=1),
        escalated_to=None,
        outcome="advice_given",
        safeguarding=False,
        nudges_sent=0,
        head_told=False,
        policy_version="2015-03",
    )
    base.update(facts)
    return PackConcern(**base)  # type: ignore[arg-type]


def pack_of(concerns: list[PackConcern]) -> dict[tuple[str, tuple[tuple[str, object], ...]], object]:
    found = figures(PERIOD, concerns, [], [], {}, [], VOCABULARY, timedelta(hours=4))
    return {(f.table, f.where): f.shown for f in found.published}


def test_fewer_than_the_floor_is_a_total_and_nothing_more() -> None:
    shown = pack_of([concern(n) for n in range(FLOOR - 1)])
    assert shown[("Concerns", ())] == FLOOR - 1
    assert not [key for key in shown if key[0].startswith("Concerns by")]
    assert pack_of([concern(0)])[("Concerns", ())] == "fewer than 3"


def test_every_breakdown_is_a_whole_partition_with_zeros_shown() -> None:
    concerns = [concern(n) for n in range(12)] + [concern(12, platform="linkedin", outcome=None, acknowledged_at=None)]
    shown = pack_of(concerns)
    assert shown[("Concerns", ())] == 13
    platforms = {key[1]: value for key, value in shown.items() if key[0] == "Concerns by platform"}
    assert platforms[(("platform", "tiktok"),)] == 0  # a zero is a zero
    assert platforms[(("platform", "linkedin"),)] in ("fewer than 3", "withheld")  # one concern: hidden
    assert (("outcome", None),) in {key[1] for key in shown if key[0] == "Concerns by outcome"}  # "not yet resolved"
    months_shown = [key[1] for key in shown if key[0] == "Concerns by month"]
    assert months_shown == [(("month", m),) for m in months(*PERIOD)]  # every month of the period, in order
    assert not [v for v in shown.values() if isinstance(v, int) and 0 < v < 3]


def test_the_year_is_one_definition_and_months_are_the_schools() -> None:
    assert default_period(date(2026, 12, 13)) == (date(2025, 12, 14), date(2026, 12, 13))
    london_midnight = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 June, summer time

    assert month_of(london_midnight, LONDON) == "2026-06"


def test_acknowledged_before_the_nudge_is_wall_clock_from_the_report() -> None:
    on_time = concern(0, acknowledged_at=START + timedelta(hours=4))
    late = concern(0, acknowledged_at=START + timedelta(hours=4, seconds=1))
    assert acknowledged(on_time, timedelta(hours=4)) == "before_nudge"
    assert acknowledged(late, timedelta(hours=4)) == "after_nudge"
    assert acknowledged(concern(0, acknowledged_at=None), timedelta(hours=4)) == "not_yet"


def test_times_to_acknowledge_only_where_their_counts_are_published() -> None:
    quick = [concern(n, acknowledged_at=START + timedelta(days=n % 5, minutes=10 + n)) for n in range(12)]
    found = figures(PERIOD, quick, [], [], {}, [], VOCABULARY, timedelta(hours=4))
    assert found.ack_median is not None and found.ack_ninth_tenth is not None
    assert found.ack_median <= found.ack_ninth_tenth
    one_late = [*quick, concern(20, acknowledged_at=START + timedelta(days=3))]  # "after the nudge": 1, hidden
    late = figures(PERIOD, one_late, [], [], {}, [], VOCABULARY, timedelta(hours=4))
    assert (late.ack_median, late.ack_ninth_tenth) == (None, None)


def test_the_published_data_carries_the_year_before_with_its_own_period() -> None:
    before = [concern(n, reported_at=START - timedelta(days=365)) for n in range(11)]
    found = figures(PERIOD, [], before, [], {}, [], VOCABULARY, timedelta(hours=4))
    data = as_data(found)
    earlier = [f for f in data["figures"] if f["table"] == "Concerns a year earlier"]
    assert earlier == [
        {"table": "Concerns a year earlier", "of": "concerns", "where": {}, "shown": 11,
         "period": {"from": "2024-12-14", "to": "2025-12-13"}}
    ]  # fmt: skip
    assert data["period"] == {"from": "2025-12-14", "to": "2026-12-13"}


def test_a_hidden_count_beside_a_published_total_is_never_alone() -> None:
    """The pencil reading of the old pack: four platforms each "fewer than 3" adding up to 4."""
    table = Table(14, {("a", ""): 1, ("b", ""): 1, ("c", ""): 1, ("d", ""): 1, ("e", ""): 10, ("f", ""): 0})
    shown = protect(table, 3)
    assert shown is not None and shown[("f", "")] == 0 and shown[("e", "")] in (10, "withheld")
    assert sum(v == "withheld" for v in shown.values()) >= 1
