"""The trust pack (`policybot report --all-schools`): one self-contained HTML page for the trust board, each school's
figures as its own governors' pack publishes them, side by side (flows.trust_pack); the same figures as JSON for the
data protection officer. It names no person, and no school's hidden count can be worked out from it, alone or beside
the schools' own packs."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.governors_pack import said, year_figures
from bot.pack_page import document
from flows.pack import FLOOR, Figures
from flows.taxonomy import Area
from flows.trust_pack import SchoolFigures, trust_figures
from storage.schools import by_key, listed, zone_of


def trust_pack(
    engine: Engine, start: date, end: date, settings_zone: str, nudge_after: timedelta, threshold: int
) -> str:
    """Each school's figures as its own governors' pack gives them (bot.governors_pack.year_figures, in the
    school's time zone), side by side."""
    schools = [
        SchoolFigures(
            key, year_figures(school, start, end, ZoneInfo(zone_of(school, settings_zone)), nudge_after, threshold)
        )
        for key, school in by_key(engine)
    ]
    names = {s.key: s.name or s.key for s in listed(engine)}
    return render(trust_figures((start, end), schools, [a.value for a in Area], threshold), names)


def render(found: Figures, names: dict[str, str]) -> str:
    start, end = found.period
    t = found.threshold
    areas = {a.value: a.label for a in Area}
    sections = [
        "<h1>Social Media Policy: the trust's figures</h1>",
        f"<p>{start:%d %B %Y} to {end:%d %B %Y}, {len(names)} schools. Concerns reported across the trust: "
        f"<strong>{escape(_shown(found, 'Concerns by school', school='*'))}</strong>.</p>",
        "<p class='note'>No person can be identified from this pack: it holds no names, ids, references, "
        "descriptions or links. Each school's count is the one its own governors' pack publishes: a count from 1 to "
        f'{t - 1} is "fewer than {t}", one that adding up its tables could give away is "withheld", and a school '
        f"with fewer than {FLOOR} concerns is not broken down. A trust's total is given only where every school's "
        'count in it is published exactly; otherwise it is "at least" the counts shown, as the whole would give a '
        "hidden count away. "
        "Zero is shown as 0.</p>",
        "<section><h2>Concerns by school and area</h2>" + _by_area(found, names, areas) + "</section>",
        "<section><h2>On the safeguarding route</h2>"
        + _by_school(found, "Concerns on the safeguarding route by school", names)
        + "</section>",
        "<section><h2>Contact questions (section 6)</h2>"
        + _by_school(found, "Contact questions by school", names)
        + "</section>",
    ]
    return document("The trust's figures", sections, found)


def _by_area(found: Figures, names: dict[str, str], areas: dict[str, str]) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for label in areas.values())
    rows = ""
    for key, name in names.items():
        cells = "".join(
            f"<td>{escape(_shown(found, 'Concerns by school and area', school=key, area=area))}</td>" for area in areas
        )
        rows += (
            f"<tr><td>{escape(name)}</td>{cells}<td>{escape(_shown(found, 'Concerns by school', school=key))}</td></tr>"
        )
    totals = "".join(
        f"<td>{escape(_shown(found, 'Concerns by school and area', school='*', area=area))}</td>" for area in areas
    )
    rows += f"<tr><th>the trust</th>{totals}<th>{escape(_shown(found, 'Concerns by school', school='*'))}</th></tr>"
    return f"<table><tr><th>school</th>{head}<th>all</th></tr>{rows}</table>"


def _by_school(found: Figures, table: str, names: dict[str, str]) -> str:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(_shown(found, table, school=key))}</td></tr>"
        for key, name in names.items()
    )
    rows += f"<tr><th>the trust</th><th>{escape(_shown(found, table, school='*'))}</th></tr>"
    return f"<table><tr><th>school</th><th>count</th></tr>{rows}</table>"


def _shown(found: Figures, table: str, **where: str) -> str:
    return said(found.count(table, **where))
