"""The trust board's figures: each school's counts exactly as its own governors' pack publishes them, side by side,
and a trust total only where no school's hidden count is part of it: nothing on the page, alone or beside the
schools' own packs, pins a count a pack hid."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flows.pack import FLOOR, Figures, PackConcern, PackQuestion, figures
from flows.trust_pack import NOT_BROKEN_DOWN, SchoolFigures, trust_figures

PERIOD = (date(2025, 12, 1), date(2026, 11, 30))
AREAS = ["contact", "conduct", "content"]
VOCABULARY = {
    "area": AREAS,
    "kind": ["commercial", "aggressive", "sexual", "values"],
    "platform": ["instagram"],
    "target": ["safeguarding_lead"],
    "outcome": ["no_action"],
    "person": ["PUPIL"],
}


def concern(area: str = "conduct", safeguarding: bool = False) -> PackConcern:
    at = datetime(2026, 3, 2, 10, 0)
    return PackConcern(area, "aggressive", "instagram", at, None, None, None, safeguarding, 0, False, "2015-03")


def school(key: str, by_area: dict[str, int], safeguarding: int = 0, questions: int = 0) -> SchoolFigures:
    found = [concern(area) for area, n in by_area.items() for _ in range(n)]
    found = [concern(c.area, safeguarding=i < safeguarding) for i, c in enumerate(found)]
    asked = [PackQuestion("PUPIL", "REFER", "pending", None)] * questions
    own = figures(PERIOD, found, [], asked, {}, [], VOCABULARY, timedelta(hours=4), 3)
    return SchoolFigures(key, own)


def shown(found: Figures, table: str, **where: str) -> object:
    figure = found.count(table, **where)
    assert figure is not None, (table, where)
    return figure.shown


def test_each_cell_is_the_schools_own_published_figure() -> None:
    schools = [
        school("north", {"contact": 8, "conduct": 5}, safeguarding=5, questions=7),
        school("east", {"content": 12}),
    ]
    found = trust_figures(PERIOD, schools, AREAS, 3)
    for each in schools:
        own = each.figures
        assert shown(found, "Concerns by school", school=each.key) == shown(own, "Concerns")
        for area in AREAS:
            assert shown(found, "Concerns by school and area", school=each.key, area=area) == shown(
                own, "Concerns by area", area=area
            )
    assert shown(found, "Concerns by school", school="*") == 25
    assert shown(found, "Concerns by school and area", school="*", area="contact") == 8
    assert shown(found, "Contact questions by school", school="north") == 7


def test_a_total_with_a_hidden_count_in_it_is_not_added_up() -> None:
    schools = [school("north", {"contact": 12}), school("south", {"contact": 2})]
    found = trust_figures(PERIOD, schools, AREAS, 3)
    assert shown(found, "Concerns by school", school="south") == "fewer than 3"
    assert shown(found, "Concerns by school", school="north") == 12
    # the trust's total would be 14: less north's 12, south's 2 would be plain; it says what is certain
    assert shown(found, "Concerns by school", school="*") == "at least 12"
    # a school too small to break down is not broken down here either, and no area total includes it
    assert shown(found, "Concerns by school and area", school="south", area="contact") == NOT_BROKEN_DOWN
    assert shown(found, "Concerns by school and area", school="*", area="contact") == "at least 12"


def test_a_count_a_schools_pack_withholds_stays_withheld() -> None:
    # a school whose own pack hides a count of one area (and another beside it, so that its row cannot pin it)
    small = school("west", {"contact": FLOOR, "conduct": 1, "content": 1})
    own = [shown(small.figures, "Concerns by area", area=a) for a in AREAS]
    assert "fewer than 3" in own or "withheld" in own
    found = trust_figures(PERIOD, [small, school("east", {"contact": 12})], AREAS, 3)
    trust = [shown(found, "Concerns by school and area", school="west", area=a) for a in AREAS]
    assert trust == own
    for area in AREAS:
        total = shown(found, "Concerns by school and area", school="*", area=area)
        hidden = not isinstance(shown(small.figures, "Concerns by area", area=area), int)
        assert str(total).startswith("at least") == hidden
