"""The trust pack (`policybot report --all-schools`): one self-contained HTML page for the trust board, each school's
figures beside the others' (flows.trust_pack), read a school at a time, each in its own time zone; the same figures
as JSON for the data protection officer. It names no person, and no school's small count can be worked out from it."""

from __future__ import annotations

import json
from datetime import date
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.governors_pack import said
from bot.pack_page import STYLE
from flows.pack import FLOOR, Figures, as_data
from flows.taxonomy import Area
from flows.trust_pack import SchoolFacts, trust_figures
from storage import pack_data
from storage.schools import by_key, listed, zone_of


def trust_pack(engine: Engine, start: date, end: date, settings_zone: str, threshold: int) -> str:
    facts = []
    for key, school in by_key(engine):
        zone = ZoneInfo(zone_of(school, settings_zone))
        facts.append(
            SchoolFacts(
                key, pack_data.concerns(school, start, end, zone), pack_data.questions(school, start, end, zone)
            )
        )
    names = {s.key: s.name or s.key for s in listed(engine)}
    return render(trust_figures((start, end), facts, [a.value for a in Area], threshold), names)


def render(found: Figures, names: dict[str, str]) -> str:
    start, end = found.period
    t = found.threshold
    areas = {a.value: a.label for a in Area}
    sections = [
        "<h1>Social Media Policy: the trust's figures</h1>",
        f"<p>{start:%d %B %Y} to {end:%d %B %Y}, {len(names)} schools. Concerns reported across the trust: "
        f"<strong>{escape(said(found.count('Concerns')))}</strong>; on the safeguarding route: "
        f"{escape(said(found.count('Concerns on the safeguarding route')))}; contact questions asked: "
        f"{escape(said(found.count('Contact questions')))}.</p>",
        "<p class='note'>No person can be identified from this pack: it holds no names, ids, references, "
        f"descriptions or links. Every count is one school's. Each count from 1 to {t - 1} is shown as \"fewer than "
        f"{t}\"; where one could still be worked out by adding up a table (a school's row, an area's column, the "
        f'trust\'s total), another count beside it is "withheld". Fewer than {FLOOR} records of a kind across the '
        "trust are given as a total only. Zero is shown as 0.</p>",
        "<section><h2>Concerns by school and area</h2>" + _by_area(found, names, areas) + "</section>",
        "<section><h2>On the safeguarding route</h2>"
        + _by_school(found, "Concerns on the safeguarding route by school", names)
        + "</section>",
        "<section><h2>Contact questions (section 6)</h2>"
        + _by_school(found, "Contact questions by school", names)
        + "</section>",
    ]
    if found.not_broken_down:
        left = escape(", ".join(found.not_broken_down))
        sections.append(f"<p class='note'>Not published, as no table of them could be shown safely: {left}.</p>")
    block = json.dumps(as_data(found), indent=1).replace("</", "<\\/")
    head = (
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>The trust's figures</title>"
        f"<style>{STYLE}</style></head><body>"
    )
    data = f'<script type="application/json" id="published-figures">{block}</script>'
    return head + "".join(sections) + data + "</body></html>\n"


def _by_area(found: Figures, names: dict[str, str], areas: dict[str, str]) -> str:
    if not found.table("Concerns by school"):
        return f"<p class='note'>Fewer than {FLOOR} concerns across the trust: not broken down.</p>"
    head = "".join(f"<th>{escape(label)}</th>" for label in areas.values())
    rows = ""
    for key, name in names.items():
        cells = "".join(
            f"<td>{escape(_shown(found, 'Concerns by school and area', school=key, area=area))}</td>" for area in areas
        )
        rows += (
            f"<tr><td>{escape(name)}</td>{cells}<td>{escape(_shown(found, 'Concerns by school', school=key))}</td></tr>"
        )
    totals = "".join(f"<td>{escape(_shown(found, 'Concerns by area', area=area))}</td>" for area in areas)
    rows += f"<tr><th>the trust</th>{totals}<th>{escape(said(found.count('Concerns')))}</th></tr>"
    return f"<table><tr><th>school</th>{head}<th>all</th></tr>{rows}</table>"


def _by_school(found: Figures, table: str, names: dict[str, str]) -> str:
    if not found.table(table):
        return f"<p class='note'>Fewer than {FLOOR} across the trust: not broken down.</p>"
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(_shown(found, table, school=key))}</td></tr>"
        for key, name in names.items()
    )
    return f"<table><tr><th>school</th><th>count</th></tr>{rows}</table>"


def _shown(found: Figures, table: str, **where: str) -> str:
    return said(found.count(table, **where))
