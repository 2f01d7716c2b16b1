"""The governors' pack opened in a real browser, offline: every chart present and drawn, and a screenshot kept."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.governors_pack import pack
from storage.concerns import ConcernStore
from storage.db import make_engine, upgrade
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import new_database_url
from tests.storage.test_export import LONDON
from tests.storage.test_governors_pack import seed_concerns


def test_the_pack_opens_offline_with_every_chart_drawn(browser: Any, tmp_path: Path) -> None:
    for url in new_database_url(tmp_path, "pack"):
        upgrade(url)
        engine = make_engine(url)
        seed_concerns(ConcernStore(engine), 40)
        file = tmp_path / "pack.html"
        file.write_text(pack(engine, date(2026, 1, 1), date(2026, 12, 31), LONDON, timedelta(hours=4), 3))
        engine.dispose()
    context = browser.new_context(viewport={"width": 1000, "height": 900}, offline=True)
    page = context.new_page()
    try:
        page.goto(file.as_uri())
        page.get_by_role("heading", name="Social Media Policy: the governors' pack").wait_for()
        charts = page.locator("figure[role=img]")
        assert charts.count() >= 6
        for i in range(charts.count()):
            chart = charts.nth(i)
            box = chart.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 100, chart.get_attribute("aria-label")
            assert chart.locator("svg path").count() > 5  # bars, cells and axes drawn, not an empty frame
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "governors_pack.png"), full_page=True)
    finally:
        context.close()
