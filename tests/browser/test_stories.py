"""The stories a school would play in the sandbox, in a real browser, asserting on what each person sees."""

from __future__ import annotations

import re
from typing import Any

from sandbox.run import Sandbox
from sandbox.school import LEADER, STAFF, STAFF_2

DESCRIPTION = "Comments under the Year 9 trip photo call a pupil names (story marker 7Q2)."


def be(page: Any, person: Any) -> None:
    page.get_by_label("You are", exact=True).select_option(person.id)
    page.get_by_role("heading", level=1).wait_for()


def open_place(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.get_by_role("heading", level=1, name=name).wait_for()


def type_command(page: Any, line: str) -> None:
    box = page.get_by_label(re.compile("^Message"))
    box.fill(line)
    box.press("Enter")


def report(page: Any, safeguarding: bool = False) -> str:
    """Report a concern through the form, as the person chosen; returns its reference."""
    type_command(page, "/report-concern")
    modal = page.get_by_role("dialog")
    modal.get_by_role("radio", name=re.compile("^Contact")).check()
    modal.get_by_role("radio", name=re.compile("^Aggressive")).check()
    modal.get_by_label("Where did it happen?").select_option(label="Instagram")
    modal.get_by_role("checkbox", name="Pupil", exact=True).check()
    modal.get_by_label("What happened?").fill(DESCRIPTION)
    modal.get_by_role("checkbox", name=re.compile("I have kept a copy")).check()
    if safeguarding:
        modal.get_by_role("checkbox", name=re.compile("illegal material")).check()
    modal.get_by_role("button", name="Send to leadership").click()
    stored = modal.get_by_text(re.compile(r"SMP-\d{4}-\d{4}")).first
    stored.wait_for()
    reference = re.search(r"SMP-\d{4}-\d{4}", stored.inner_text())
    assert reference is not None
    modal.get_by_role("button", name=re.compile("Close|Cancel|Done")).click()
    modal.wait_for(state="hidden")
    return reference.group(0)


def test_a_concern_from_report_to_acknowledgement(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    page.get_by_text("Sandbox: not connected to Slack").wait_for()
    reference = report(page)
    messages = page.locator("#messages")
    messages.get_by_text(reference).first.wait_for()  # the receipt, in the reporter's DM

    be(page, LEADER)
    open_place(page, "# leadership")
    post = page.locator("article.message", has_text=reference)
    post.wait_for()
    assert DESCRIPTION not in post.inner_text()  # the channel post never shows what was written
    post.get_by_role("button", name="Acknowledge").click()
    page.locator("article.message", has_text=reference).get_by_text(re.compile("acknowledged", re.I)).first.wait_for()

    be(page, STAFF)
    open_place(page, "policybot (direct message)")
    page.locator("#messages").get_by_text(re.compile("acknowledged", re.I)).first.wait_for()


def test_someone_in_the_channel_who_is_not_a_leader_is_told_privately(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    reference = report(page)
    be(page, STAFF_2)  # the business manager reads the leadership channel but is not one of the leaders who act
    open_place(page, "# leadership")
    post = page.locator("article.message", has_text=reference)
    post.get_by_role("button", name="Acknowledge").click()
    page.locator("article.ephemeral").get_by_text("Only the leadership team can act on concerns").wait_for()
    assert "acknowledged" not in post.inner_text().lower()
