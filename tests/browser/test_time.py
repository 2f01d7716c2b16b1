"""Stories that need time to pass, played by moving the sandbox bot's clock: the nudge nobody acted on, and the
governors' review reminders and recording the review as done."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sandbox.run import Sandbox
from sandbox.school import CHAIR, GOVERNOR, LEADER, STAFF
from tests.browser.helpers import be, open_place, report


def later(page: Any, button: str) -> None:
    clock = page.locator("#clock")
    before = clock.inner_text()
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_function("before => document.getElementById('clock').innerText !== before", arg=before)


def test_an_hour_later_nobody_has_acknowledged_and_the_thread_is_nudged(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    reference = report(page)
    be(page, LEADER)
    open_place(page, "# leadership")
    post = page.locator("article.message", has_text=reference)
    post.wait_for()
    assert not post.locator(".thread").count()
    later(page, "An hour later")  # the sandbox's school nudges after 10 minutes
    post.locator(".thread .reply").first.wait_for(timeout=20_000)
    assert reference in post.inner_text() and post.get_by_role("button", name="Acknowledge").count()


def test_the_governors_are_reminded_of_the_review_and_one_records_it(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={GOVERNOR.id}")
    open_place(page, "policybot (direct message)")
    dm = page.locator("#messages")
    # the review is a week ahead of the day the sandbox started ("6 days" if the bot's clock has crossed midnight since)
    dm.get_by_text(re.compile(r"review .* is [67] days away")).wait_for()
    later(page, "A week later")
    reminder = (
        dm.locator("article.message").filter(has_not_text=re.compile(r"[67] days away")).filter(has_text="review").last
    )
    reminder.wait_for(timeout=20_000)
    reminder.get_by_role("button", name="Mark the review done").click()
    form = page.get_by_role("dialog")
    next_year = (date.today() + timedelta(days=372)).isoformat()
    form.get_by_label("Next review").fill(next_year)
    form.get_by_role("button", name="Record it").click()
    form.wait_for(state="hidden")
    dm.get_by_text(re.compile("Recorded: the policy review due .* is done")).wait_for()

    be(page, CHAIR)  # the other governor is not asked again for a review already recorded
    open_place(page, "policybot (direct message)")
    chair_dm = page.locator("#messages")
    chair_dm.get_by_text(re.compile(r"review .* is [67] days away")).wait_for()
    assert "Recorded" not in chair_dm.inner_text()
