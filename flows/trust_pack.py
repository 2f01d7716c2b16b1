"""The trust board's figures: each school's concerns and contact questions beside the others', for comparing schools
without pointing at anyone. Every count is one school's, and the same disclosure control as a school's own pack
applies (flows.disclosure): a count from 1 to threshold-1 is "fewer than N", and where adding up a table (a school's
row, an area's column, the trust's total) could still pin one, another beside it is withheld. A population of fewer
than FLOOR records is given as its total alone. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flows.pack import CONCERNS, QUESTIONS, Figures, PackConcern, PackQuestion, keyed, population

SAFEGUARDING = "safeguarding_concerns"  # a population of its own: the concerns on the safeguarding route


@dataclass(frozen=True)
class SchoolFacts:
    """One school's anonymised facts for the period (storage.pack_data reads them, one school at a time)."""

    key: str
    concerns: list[PackConcern]
    questions: list[PackQuestion]


def trust_figures(period: tuple[date, date], schools: list[SchoolFacts], areas: list[str], threshold: int) -> Figures:
    """Concerns by school and area (with each school's and each area's total), safeguarding concerns by school,
    and contact questions by school; each protected as one table."""
    rows = [keyed(school=s.key) for s in schools]
    reported = [(s.key, c) for s in schools for c in s.concerns]
    concerns, broken = population(CONCERNS, "Concerns", len(reported), threshold)
    if broken:
        concerns.two_way(
            ("Concerns by school and area", "Concerns by school", "Concerns by area"),
            rows,
            [keyed(area=a) for a in areas],
            [keyed(school=key) + keyed(area=c.area) for key, c in reported],
        )
    routed = [key for key, c in reported if c.safeguarding]
    route, broken_route = population(SAFEGUARDING, "Concerns on the safeguarding route", len(routed), threshold)
    if broken_route:
        route.one_way("Concerns on the safeguarding route by school", rows, [keyed(school=key) for key in routed])
    asked_by = [s.key for s in schools for _ in s.questions]
    asked, broken_asked = population(QUESTIONS, "Contact questions", len(asked_by), threshold)
    if broken_asked:
        asked.one_way("Contact questions by school", rows, [keyed(school=key) for key in asked_by])
    published = [f for p in (concerns, route, asked) for f in p.figures]
    dropped = [name for p in (concerns, route, asked) for name in p.dropped]
    return Figures(period, threshold, published, None, None, [], dropped)
