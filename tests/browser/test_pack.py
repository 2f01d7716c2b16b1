"""The governors' pack opened in a real browser, offline, at 1280 and 990 px, on a 390 px phone and printed on A4:
every chart drawn and scaled to the page, nothing to scroll sideways, and every month of the period visible on its
chart in each (the month with the concerns is December, at the right-hand end). Screenshots and the PDF are kept."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.governors_pack import pack
from bot.pack_page import month_label
from flows.pack import months
from storage.concerns import ConcernStore
from tests.browser.helpers import SCREENSHOTS
from tests.conftest import LONDON, migrated_database_url, school_engine
from tests.storage.helpers import seed_concerns

PERIOD = (date(2025, 12, 14), date(2026, 12, 13))
A4_WIDTH = 794  # px at 96 per inch: 210 mm


@pytest.fixture(scope="module")
def pack_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pack")
    for url in migrated_database_url(folder, "pack"):
        engine = school_engine(url)
        seed_concerns(ConcernStore(engine), 40)
        file = folder / "pack.html"
        file.write_text(pack(engine, *PERIOD, LONDON, timedelta(hours=4), 3))
        engine.dispose()
    return file


def months_shown_in_full(page: Any) -> list[str]:
    """The month labels of the per-month chart whose box lies wholly inside the window's width."""
    labels = [month_label(m) for m in months(*PERIOD)]
    return page.evaluate(  # type: ignore[no-any-return]
        """labels => {
            const chart = document.querySelector('figure[aria-label="Concerns per month"]');
            const texts = [...chart.querySelectorAll('text')];
            return labels.filter(label => texts.some(t => {
                const box = t.getBoundingClientRect();
                return t.textContent.trim() === label && box.width > 0 && box.left >= 0
                    && box.right <= document.documentElement.clientWidth;
            }));
        }""",
        labels,
    )


@pytest.mark.parametrize("width", [1280, 990, 390])
def test_the_pack_fits_every_window_and_shows_every_month(browser: Any, pack_file: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
    page = context.new_page()
    try:
        page.goto(pack_file.as_uri())
        page.get_by_role("heading", name="Social Media Policy: the governors' pack").wait_for()
        charts = page.locator("figure[role=img]")
        assert charts.count() >= 4
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["height"] > 60 and box["x"] + box["width"] <= width + 1
            assert charts.nth(i).locator("svg path").count() > 5  # drawn, not an empty frame
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
        assert months_shown_in_full(page) == [month_label(m) for m in months(*PERIOD)]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"governors_pack_{width}px.png"), full_page=True)
    finally:
        context.close()


def test_the_pack_prints_on_a4_with_every_month(browser: Any, pack_file: Path) -> None:
    context = browser.new_context(viewport={"width": A4_WIDTH, "height": 1123}, offline=True)
    page = context.new_page()
    try:
        page.goto(pack_file.as_uri())
        page.emulate_media(media="print")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert months_shown_in_full(page) == [month_label(m) for m in months(*PERIOD)]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        pdf = SCREENSHOTS / "governors_pack.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        from pypdf import PdfReader

        printed = "".join(sheet.extract_text() or "" for sheet in PdfReader(str(pdf)).pages)
        assert all(month_label(m) in printed for m in months(*PERIOD)), "a month is missing from the printed pack"
    finally:
        context.close()
