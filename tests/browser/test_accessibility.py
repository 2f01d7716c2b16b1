"""The sandbox page used with the keyboard alone, every control labelled, and readable at 200% zoom."""

from __future__ import annotations

from typing import Any

from sandbox.run import Sandbox
from sandbox.school import STAFF
from tests.browser.helpers import SCREENSHOTS

UNLABELLED = """() => [...document.querySelectorAll(
    'dialog[open] input, dialog[open] select, dialog[open] textarea, dialog[open] [role=radiogroup],'
    + ' dialog[open] [role=group], #who, #message')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-labelledby') && !e.getAttribute('aria-label'))
  .map(e => e.outerHTML.slice(0, 80))"""


def tab_to(page: Any, selector: str, most: int = 40) -> None:
    for _ in range(most):
        if page.evaluate(f"() => document.activeElement && document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_a_report_with_the_keyboard_alone_every_control_labelled(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    page.get_by_role("heading", level=1, name="policybot (direct message)").wait_for()
    tab_to(page, "#message")
    page.keyboard.type("/report-concern")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("heading", name="Report a concern").wait_for()
    assert page.evaluate("() => document.querySelector('dialog[open]').contains(document.activeElement)")
    assert page.evaluate(UNLABELLED) == []
    tab_to(page, "dialog[open] button[type=submit]")
    page.keyboard.press("Enter")  # sent empty: Slack's field errors come back, and the first error has the focus
    dialog.get_by_role("alert").first.wait_for()
    assert page.evaluate("() => document.activeElement.closest('.has-error') !== null")
    assert page.evaluate(UNLABELLED) == []
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")


def test_readable_at_200_percent_zoom_without_scrolling_sideways(browser: Any, sandbox: Sandbox) -> None:
    # 200% zoom of a 1280 x 900 window: half as many CSS pixels, each drawn twice the size.
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
        page.get_by_role("heading", level=1).wait_for()
        page.get_by_label("Message (type /report-concern or /check-contact)").fill("/report-concern")
        page.keyboard.press("Enter")
        page.get_by_role("dialog").get_by_role("heading", name="Report a concern").wait_for()
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{overflow} px wider than the window"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "zoom_200_percent.png"))
    finally:
        context.close()
