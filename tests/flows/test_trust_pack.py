"""The trust board's figures: each school's counts beside the others', protected as a school's own pack is, so that
no school's small count can be worked out with a pencil from the school totals and the trust's total."""

from __future__ import annotations

from datetime import date, datetime

from flows.pack import FLOOR, PackConcern, PackQuestion
from flows.trust_pack import SchoolFacts, trust_figures

PERIOD = (date(2025, 12, 1), date(2026, 11, 30))
AREAS = ["CONTACT", "CONDUCT", "CONTENT"]


def concern(area: str = "CONDUCT", safeguarding: bool = False) -> PackConcern:
    at = datetime(2026, 3, 2, 10, 0)
    return PackConcern(area, "AGGRESSIVE", "instagram", at, None, None, None, safeguarding, 0, False, "2015-03")


def school(key: str, count: int, area: str = "CONDUCT", safeguarding: int = 0, questions: int = 0) -> SchoolFacts:
    found = [concern(area, safeguarding=n < safeguarding) for n in range(count)]
    return SchoolFacts(key, found, [PackQuestion("PUPIL", "REFER", "pending", None)] * questions)


def shown(figures: object, table: str) -> dict[str, object]:
    return {f.at("school"): f.shown for f in figures.table(table)}  # type: ignore[attr-defined]


def test_each_schools_counts_side_by_side_with_the_trusts_total() -> None:
    found = trust_figures(PERIOD, [school("north", 12), school("south", 7, area="CONTACT")], AREAS, 3)
    assert found.count("Concerns").shown == 19  # type: ignore[union-attr]
    assert shown(found, "Concerns by school") == {"north": 12, "south": 7}
    assert found.count("Concerns by school and area", school="south", area="CONTACT").shown == 7  # type: ignore[union-attr]
    assert found.count("Concerns by area", area="CONTENT").shown == 0  # type: ignore[union-attr]


def test_a_schools_small_count_cannot_be_worked_out_from_the_trusts_total() -> None:
    schools = [school("north", 12), school("south", 9), school("east", 2)]
    found = trust_figures(PERIOD, schools, AREAS, 3)
    rows = shown(found, "Concerns by school")
    assert rows["east"] in ("fewer than 3", "withheld")
    hidden = [key for key, value in rows.items() if not isinstance(value, int)]
    # total - (every other school's exact count) would give east's 2: at least one more row is not exact
    assert len(hidden) >= 2, rows
    assert found.count("Concerns").shown == 23  # type: ignore[union-attr]


def test_safeguarding_and_contact_questions_by_school() -> None:
    schools = [school("north", 12, safeguarding=6, questions=10), school("south", 9, safeguarding=5, questions=4)]
    found = trust_figures(PERIOD, schools, AREAS, 3)
    assert shown(found, "Concerns on the safeguarding route by school") == {"north": 6, "south": 5}
    assert shown(found, "Contact questions by school") == {"north": 10, "south": 4}


def test_a_trust_with_few_concerns_is_given_its_total_alone() -> None:
    found = trust_figures(PERIOD, [school("north", FLOOR - 3), school("south", 2)], AREAS, 3)
    assert found.count("Concerns").shown == FLOOR - 1  # type: ignore[union-attr]
    assert not found.table("Concerns by school") and not found.table("Concerns by school and area")
    assert found.count("Concerns on the safeguarding route").shown == 0  # type: ignore[union-attr]
