"""The governors' pack against the export of the same data: every count it shows is the export's count, every
count it hides is small (or withheld beside one), and nothing anyone typed, no id and no reference reaches it."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, timedelta
from html import unescape

from bot.governors_pack import pack
from flows.concerns import ConcernDraft
from flows.permissions import People, place
from flows.taxonomy import Area, Kind, Role
from storage.concerns import ConcernStore
from storage.export import export
from tests.conftest import csv_rows
from tests.storage.test_export import LONDON, NOW, Contacts, one_of_everything, stores  # noqa: F401 - the fixture

PEOPLE = People(frozenset({"ULEAD"}), frozenset({"UDSL"}), "UHEAD", "UCHAIR")
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))


def seed_concerns(store: ConcernStore, count: int) -> None:
    chance = random.Random(20261203)
    for n in range(count):
        area, kind = chance.choice(list(Area)), chance.choice([Kind.AGGRESSIVE, Kind.SEXUAL, Kind.VALUES])
        platform = chance.choice(["instagram", "tiktok", "whatsapp"])
        draft = ConcernDraft(f"UREP{n}", area, kind, platform, frozenset({Role.PUPIL}), description=f"SECRET-{n}")
        at = NOW - timedelta(days=chance.randrange(0, 300))
        store.create(draft, f"VPACK{n}", place(PEOPLE, safeguarding=False, involved=None), at)


def pack_cells(html: str, heading: str) -> dict[str, str]:
    """The (label -> shown value) rows of the table that follows `heading` in the pack."""
    table = html.split(f"<th>{heading}</th>", 1)[1].split("</table>", 1)[0]
    return {unescape(k): v for k, v in re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", table)}


def test_every_figure_shown_is_the_exports_and_every_hidden_one_is_small(stores: tuple[ConcernStore, Contacts]) -> None:  # noqa: F811
    store, _ = stores
    seed_concerns(store, 40)
    html = pack(store.engine, *PERIOD, LONDON, timedelta(hours=4), 3)
    rows = {row["reference"]: row for row in csv_rows(export(store.engine, "csv", tz=LONDON))}
    in_period = [r for r in rows.values() if r["created_at"][:4] == "2026"]
    for heading, column, words in (("area", "area", Area), ("kind", "kind", Kind)):
        counted = Counter(r[column] for r in in_period)
        shown = pack_cells(html, heading)
        for member in words:
            if member.label not in shown:
                continue
            value = shown[member.label]
            if value.isdigit():
                assert int(value) == counted[member.value], (heading, member, value)
            else:
                assert value in ("fewer than 3", "withheld")
                assert value == "withheld" or 0 < counted[member.value] < 3
    assert f"Concerns reported: <strong>{len(in_period)}</strong>" in html
    assert "SECRET" not in html and "UREP" not in html and "SMP-" not in html


def test_nothing_typed_no_id_and_no_reference_reaches_the_pack(stores: tuple[ConcernStore, Contacts]) -> None:  # noqa: F811
    store, contacts = stores
    one_of_everything(store, contacts)  # every free-text field holds a marker, every id is a marker
    html = pack(store.engine, date(2025, 12, 1), date(2026, 11, 30), LONDON, timedelta(hours=4), 3)
    assert "MARK" not in html and "SMP-" not in html
    assert "<svg" in html and html.count("<figure") >= 6
