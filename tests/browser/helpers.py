"""What a person does on the sandbox's page, for the browser tests: choose who they are, open a conversation, type
a command, report a concern through the form, press a button on a post. And where the screenshots go."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import ROOT

SCREENSHOTS = ROOT / "test-artefacts" / "screenshots"
REFERENCE = re.compile(r"SMP-(?:[A-Z][A-Z0-9-]*-)?\d{4}-\d{4}")  # a trust's school's has its key: SMP-NORTH-2026-0001
DESCRIPTION = "Comments under the Year 9 trip photo call a pupil names (story marker 7Q2)."


def be(page: Any, person: Any) -> None:
    page.get_by_label("You are", exact=True).select_option(person.id)
    page.locator(f'#conversations[data-person="{person.id}"]').wait_for()  # their places, not the last person's
    page.get_by_role("heading", level=1).wait_for()


def open_place(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.get_by_role("heading", level=1, name=name).wait_for()


def type_command(page: Any, line: str) -> None:
    box = page.get_by_role("textbox", name=re.compile("^Message \\(type"))
    box.fill(line)
    box.press("Enter")


def report(page: Any, safeguarding: bool = False) -> str:
    """Report a concern through the form, as the person chosen; returns its reference."""
    type_command(page, "/report-concern")
    return fill_in_report(page, safeguarding)


def fill_in_report(page: Any, safeguarding: bool = False) -> str:
    """The report form, open: filled in and sent; returns the reference of the receipt."""
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
    stored = modal.get_by_text(REFERENCE).first
    stored.wait_for()
    reference = REFERENCE.search(stored.inner_text())
    assert reference is not None
    modal.get_by_role("button", name=re.compile("Close|Cancel|Done")).click()
    modal.wait_for(state="hidden")
    return reference.group(0)


def click_on_post(page: Any, reference: str, button: str) -> None:
    page.locator("article.message", has_text=reference).get_by_role("button", name=button, exact=True).click()
