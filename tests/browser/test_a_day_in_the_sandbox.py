"""The same day in the sandbox, in a real browser, walked as each of the school's people: what each reads on the page
(their direct messages, the leadership channel if they are in it, its threads and their Home), with a screenshot
each. A teacher reports a concern; the deputy escalates it to the headteacher with a note; the headteacher reads
why and resolves it with a note; the teacher reports a concern naming the assistant head, which goes to the
headteacher alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox.run import Sandbox
from sandbox.school import CHAIR, DSL, GOVERNOR, HEAD, LEADER, LEADER_2, STAFF, STAFF_2, Person
from tests.browser.helpers import DESCRIPTION, SCREENSHOTS, be, click_on_post, open_place, report, type_command

NOTE_ESCALATE = "Staff member is Mrs Jones (Year 8 tutor). Passing to Helen: WALK-NOTE-1"
NOTE_RESOLVE = "Spoke to the family; the post is down: WALK-NOTE-2"
NAMING = "The assistant head shared a pupil's photo on his own account (walk marker 9K4)."


def decide(page: Any, reference: str, button: str, choice: str, note: str) -> None:
    click_on_post(page, reference, button)
    form = page.get_by_role("dialog")
    form.get_by_role("radio", name=choice).check()
    form.get_by_label(re.compile(r"^Why \(your note\)")).fill(note)
    form.get_by_role("button", name=button).click()
    form.wait_for(state="hidden")


def report_naming(page: Any, who: Person) -> str:
    type_command(page, "/report-concern")
    modal = page.get_by_role("dialog")
    modal.get_by_role("radio", name=re.compile("^Conduct")).check()
    modal.get_by_role("radio", name=re.compile("^Values")).check()
    modal.get_by_label("Where did it happen?").select_option(label="Facebook")
    modal.get_by_role("checkbox", name="Staff member", exact=True).check()
    modal.get_by_label("A member of staff involved").select_option(label=who.name)
    modal.get_by_label("What happened?").fill(NAMING)
    modal.get_by_role("button", name="Send to leadership").click()
    stored = modal.get_by_text(re.compile(r"SMP-\d{4}-\d{4}")).first
    stored.wait_for()
    found = re.search(r"SMP-\d{4}-\d{4}", stored.inner_text())
    assert found is not None
    modal.get_by_role("button", name="Done").click()
    modal.wait_for(state="hidden")
    return found.group(0)


@pytest.fixture(scope="module")
def walked(browser: Any, sandbox: Sandbox) -> dict[str, str]:
    """The day, played once; then each person's page, as text (and a screenshot of each place)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    ordinary = report(page)
    naming = report_naming(page, LEADER_2)
    be(page, LEADER)
    open_place(page, "# leadership")
    decide(page, ordinary, "Escalate", "Headteacher", NOTE_ESCALATE)
    be(page, HEAD)
    open_place(page, "# leadership")
    post = page.locator("article.message", has_text=ordinary)
    post.get_by_text(re.compile(r"Escalated.*\(to Headteacher\)")).wait_for()  # the post she reads has changed
    decide(page, ordinary, "Resolve", "Advice given", NOTE_RESOLVE)
    be(page, STAFF)
    open_place(page, "policybot (direct message)")
    page.locator("#messages").get_by_text(re.compile(f"{ordinary} has been resolved")).wait_for()

    seen: dict[str, str] = {"ordinary": ordinary, "naming": naming}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for person in (STAFF, STAFF_2, LEADER, LEADER_2, DSL, HEAD, CHAIR, GOVERNOR):
        be(page, person)
        parts = []
        for place in ("policybot (direct message)", "# leadership", "policybot: Home"):
            if not page.get_by_role("button", name=place, exact=True).count():
                continue
            open_place(page, place)
            if place == "policybot: Home":
                page.locator("#messages .block").first.wait_for()
            for thread in page.locator("#messages").get_by_role("button", name=re.compile(r"^\d+ repl")).all():
                thread.click()
            parts.append(page.locator("#messages").inner_text())
            name = re.sub(r"\W+", "-", f"walk-{person.name}-{place}").strip("-").lower()
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        seen[person.id] = "\n".join(parts)
    context.close()
    return seen


def test_the_headteacher_reads_why_it_came_to_her(walked: dict[str, str]) -> None:
    words = walked[HEAD.id]
    assert NOTE_ESCALATE in words  # the escalation DM carries the deputy's note
    assert walked["naming"] in words and "because it names a member of staff" in words
    assert DESCRIPTION not in words and NAMING not in words  # what staff typed: only through View details


def test_the_teacher_reads_who_has_each_concern_and_never_a_note(walked: dict[str, str]) -> None:
    words = walked[STAFF.id]
    assert "has gone to the leadership team" in words and "has gone to the headteacher" in words
    assert f"{walked['ordinary']} has been resolved by the leadership team" in words
    assert "WALK-NOTE" not in words and LEADER_2.name not in words  # whom it names is never said back


@pytest.mark.parametrize("person", [LEADER, DSL, STAFF_2])
def test_the_channel_shows_no_note_and_nothing_typed(person: Person, walked: dict[str, str]) -> None:
    words = walked[person.id]
    assert walked["ordinary"] in words
    assert "WALK-NOTE" not in words and DESCRIPTION not in words and NAMING not in words
    assert walked["naming"] not in words  # placed with the headteacher alone


def test_the_assistant_head_the_concern_names_sees_nothing_of_it(walked: dict[str, str]) -> None:
    words = walked[LEADER_2.id]
    assert walked["naming"] not in words and NAMING not in words and "WALK-NOTE" not in words


@pytest.mark.parametrize("person", [CHAIR, GOVERNOR])
def test_governors_see_their_home_and_no_concern(person: Person, walked: dict[str, str]) -> None:
    words = walked[person.id]
    assert "Send me the governors' pack" in words
    assert walked["ordinary"] not in words and walked["naming"] not in words and "WALK-NOTE" not in words
