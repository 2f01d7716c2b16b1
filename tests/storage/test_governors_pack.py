"""The governors' pack against the export of the same data: every count the pack prints is one of the figures in its
JSON block, every figure shown as a count is the export's count of the rows its `where` names, every hidden one is
small (or withheld), and nothing anyone typed, no id and no reference reaches it."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any

from bot.governors_pack import pack
from storage.concerns import ConcernStore
from storage.export import export
from tests.conftest import LONDON, csv_rows
from tests.storage.helpers import Contacts, one_of_everything, seed_concerns

PERIOD = (date(2026, 1, 1), date(2026, 12, 31))


def published(html: str) -> dict[str, Any]:
    """The pack's JSON block, as a DPO's own tools would read it."""
    block = re.search(r'<script type="application/json" id="published-figures">(.*?)</script>', html, re.S)
    assert block is not None, "the pack carries its figures as data"
    return json.loads(block.group(1).replace("<\\/", "</"))  # type: ignore[no-any-return]


def matches(row: dict[str, str], where: dict[str, Any]) -> bool:
    for column, value in where.items():
        if column == "month":
            found: Any = datetime.fromisoformat(row["created_at"]).astimezone(LONDON).strftime("%Y-%m")
        elif column == "safeguarding":
            found = row[column] in ("True", "true", "1")
        else:
            found = row.get(column) or None
        if found != value:
            return False
    return True


def test_every_figure_is_the_exports_count_and_every_printed_count_is_a_figure(
    stores: tuple[ConcernStore, Contacts],
) -> None:
    store, _ = stores
    seed_concerns(store, 40)
    html = pack(store.engine, *PERIOD, LONDON, timedelta(hours=4), 3)
    data = published(html)
    rows = [r for r in csv_rows(export(store.engine, "csv", tz=LONDON)) if r["created_at"][:4] == "2026"]
    checked = 0
    for figure in data["figures"]:
        if (
            figure["of"] != "concerns"
            or "period" in figure
            or set(figure["where"]) - {"area", "kind", "platform", "month", "safeguarding"}
        ):
            continue
        true = sum(matches(row, figure["where"]) for row in rows)
        if isinstance(figure["shown"], int):
            assert figure["shown"] == true, figure
            checked += 1
        elif figure["shown"] == "fewer than 3":
            assert 0 < true < 3, figure
    assert checked > 20 and data["figures"][0] == {
        "table": "Concerns",
        "of": "concerns",
        "where": {},
        "shown": len(rows),
    }
    # Every row of every table on the page says what its figure says.
    shown = {str(f["shown"]) for f in data["figures"]}
    for value in re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td></tr>", html):
        assert unescape(value) in shown, value
    assert "SECRET" not in html and "UREP" not in html and "SMP-" not in html


def test_nothing_typed_no_id_and_no_reference_reaches_the_pack(stores: tuple[ConcernStore, Contacts]) -> None:
    store, contacts = stores
    one_of_everything(store, contacts)  # every free-text field holds a marker, every id is a marker
    seed_concerns(store, 12)
    html = pack(store.engine, date(2025, 12, 1), date(2026, 11, 30), LONDON, timedelta(hours=4), 3)
    assert "MARK" not in html and "SMP-" not in html
    assert "<svg" in html and html.count("<figure") >= 4
