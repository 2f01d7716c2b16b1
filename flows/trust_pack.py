"""The trust board's figures: each school's counts beside the others', exactly as the school's own governors' pack
publishes them (flows.pack, protected there by flows.disclosure), never re-protected: a board member who also holds a
school's pack learns nothing new by putting the two side by side. A trust total is added up only where every
school's count in it is published exactly; where one is not, the total says only "at least" the counts shown (the
whole total would give that count away). Standard library only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flows.pack import CONCERNS, QUESTIONS, Figure, Figures, keyed

AT_LEAST = "at least"  # a trust total one school's hidden count is part of: the sum of the counts shown
NOT_BROKEN_DOWN = "not broken down"  # the school's pack gives only its total (too few to break down)


@dataclass(frozen=True)
class SchoolFigures:
    """One school's published figures for the period (bot.governors_pack.year_figures: its governors' pack)."""

    key: str
    figures: Figures


Reading = Callable[[Figures], Figure | None]


def trust_figures(period: tuple[date, date], schools: list[SchoolFigures], areas: list[str], threshold: int) -> Figures:
    """Concerns by school and area (with each school's total), concerns on the safeguarding route by school, and
    contact questions by school, each cell the school's own published figure; the trust's totals where they may be
    given."""
    published: list[Figure] = []

    def collate(table: str, of: str, read: Reading, **where: str) -> None:
        shown = []
        for school in schools:
            figure = read(school.figures)
            value = figure.shown if figure is not None else NOT_BROKEN_DOWN
            shown.append(value)
            published.append(Figure(table, of, keyed(school=school.key, **where), value))
        exact = sum(v for v in shown if isinstance(v, int))
        total = exact if all(isinstance(v, int) for v in shown) else f"{AT_LEAST} {exact}"
        published.append(Figure(table, of, keyed(school="*", **where), total))

    collate("Concerns by school", CONCERNS, lambda f: f.count("Concerns"))
    for area in areas:
        collate("Concerns by school and area", CONCERNS, _by_area(area), area=area)
    collate(
        "Concerns on the safeguarding route by school",
        CONCERNS,
        lambda f: f.count("Concerns on the safeguarding route", safeguarding=True),
    )
    collate("Contact questions by school", QUESTIONS, lambda f: f.count("Contact questions"))
    return Figures(period, threshold, published, None, None, [], [])


def _by_area(area: str) -> Reading:
    return lambda found: found.count("Concerns by area", area=area)
