"""The trust's sandbox (`policybot sandbox --trust`) in a real browser: the switch between North Academy, South
Primary and the trust's own people; each school's people pages as the one school's are; a report by North's teacher
in North's leadership channel only; the peripatetic teacher asked which school. A screenshot of each step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.run import Sandbox
from sandbox.school import Person
from sandbox.trust import NORTH, PERIPATETIC, SOUTH, TRUST_DSL
from tests.browser.helpers import SCREENSHOTS, be, fill_in_report, open_place, report, type_command
from tests.conftest import free_port


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The trust's sandbox, in place of the one school's, for this module's stories."""
    running = Sandbox("127.0.0.1", free_port(), reset=True, folder=tmp_path_factory.mktemp("trust"), trust=True)
    yield running
    running.stop()


def switch_to(page: Any, school: str) -> None:
    switch = page.get_by_role("group", name="School")
    switch.get_by_role("button", name=school, exact=True).click()
    switch.get_by_role("button", name=school, exact=True).and_(page.locator("[aria-pressed=true]")).wait_for()


def people_listed(page: Any) -> list[str]:
    options = page.get_by_label("You are", exact=True).locator("option")
    return [text.split(" (")[0] for text in options.all_inner_texts()]


def places(page: Any) -> list[str]:
    return page.locator("#conversations button").all_inner_texts()


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"trust_{name}.png"), full_page=True)


def names(*people: Person) -> list[str]:
    return [p.name for p in people]


def test_the_switch_lists_each_schools_people_and_a_report_reaches_its_own_schools_channel_only(
    page: Any, sandbox: Sandbox
) -> None:
    page.goto(sandbox.page_server.url + f"?as={NORTH.people['staff'].id}")
    page.get_by_text("Sandbox: not connected to Slack").wait_for()
    switch = page.get_by_role("group", name="School")
    assert switch.get_by_role("button").all_inner_texts() == ["North Academy", "South Primary", "The trust"]
    switch.get_by_role("button", name="North Academy", pressed=True).wait_for()
    assert people_listed(page) == names(*NORTH.people.values(), PERIPATETIC)
    reference = report(page)
    assert reference.startswith("SMP-NORTH-")
    page.locator("#messages").get_by_text(reference).first.wait_for()  # the receipt, in the teacher's DM

    be(page, NORTH.people["leader"])
    assert places(page) == ["# north-leadership", "policybot (direct message)", "policybot: Home"]
    open_place(page, "# north-leadership")
    post = page.locator("article.message", has_text=reference)
    post.get_by_role("button", name="Acknowledge").click()
    post.get_by_text(re.compile("acknowledged", re.I)).first.wait_for()
    shot(page, "north_leader_acknowledged")

    switch_to(page, "South Primary")
    assert people_listed(page) == names(*SOUTH.people.values(), PERIPATETIC)
    assert page.get_by_label("You are", exact=True).input_value() == SOUTH.people["staff"].id  # South's first
    be(page, SOUTH.people["leader"])
    assert places(page) == ["# south-leadership", "policybot (direct message)", "policybot: Home"]
    open_place(page, "# south-leadership")
    page.locator("#messages").get_by_text("No messages yet.").wait_for()
    assert reference not in page.locator("#messages").inner_text()  # North's concern is not South's
    shot(page, "south_leader_channel")


def test_the_peripatetic_teacher_chooses_the_school_and_the_report_goes_to_that_schools_channel(
    page: Any, sandbox: Sandbox
) -> None:
    page.goto(sandbox.page_server.url + f"?as={PERIPATETIC.id}&school=south")
    page.get_by_role("group", name="School").get_by_role("button", name="South Primary", pressed=True).wait_for()
    type_command(page, "/report-concern")
    picker = page.get_by_role("dialog")
    picker.get_by_role("heading", name="Which school?").wait_for()
    picker.get_by_text("You work at more than one of the trust's schools").wait_for()
    shot(page, "peripatetic_asked_which_school")
    picker.get_by_label("School").select_option(label="South Primary")
    picker.get_by_role("button", name="Next").click()
    picker.get_by_role("heading", name="Report a concern").wait_for()
    reference = fill_in_report(page)
    assert reference.startswith("SMP-SOUTH-")

    be(page, SOUTH.people["head"])
    open_place(page, "# south-leadership")
    page.locator("article.message", has_text=reference).wait_for()
    shot(page, "south_head_sees_the_peripatetic_report")
    switch_to(page, "North Academy")
    be(page, NORTH.people["head"])
    open_place(page, "# north-leadership")
    drawn = page.locator("#messages article.message").first.or_(page.get_by_text("No messages yet."))
    drawn.wait_for()  # North's channel as drawn: its own concerns, if another story here made one, or none
    assert reference not in page.locator("#messages").inner_text()


def test_the_trusts_safeguarding_lead_is_under_the_trust_and_sees_each_schools_queue(
    page: Any, sandbox: Sandbox
) -> None:
    page.goto(sandbox.page_server.url + f"?as={NORTH.people['staff'].id}")
    reference = report(page, safeguarding=True)
    switch_to(page, "The trust")
    assert people_listed(page) == [TRUST_DSL.name]
    assert places(page) == ["policybot (direct message)", "policybot: Home"]  # in neither school's channel
    open_place(page, "policybot (direct message)")  # told it came, where, and who has it; never what it says
    told = page.locator("article.message", has_text=reference)
    told.get_by_text("was reported at North Academy").wait_for()
    assert "safeguarding team has it" in told.inner_text() and not told.get_by_role("button").count()
    shot(page, "trust_safeguarding_lead_told")
    open_place(page, "policybot: Home")
    home = page.locator("#messages")
    home.get_by_text("North Academy: safeguarding").wait_for()
    home.get_by_text(re.compile(r"SMP-NORTH-\d{4}-\d{4}")).first.wait_for()
    shot(page, "trust_safeguarding_lead_home")
    office = page.locator("#office li")
    assert office.all_inner_texts() == [
        "The governors' pack: North Academy",
        "What North Academy holds about you (subject access)",
        "What retention will redact: North Academy",
        "The governors' pack: South Primary",
        "What South Primary holds about you (subject access)",
        "What retention will redact: South Primary",
        "The trust pack: every school's figures side by side",
    ]
    with page.expect_popup() as opened:  # the real `policybot report --school south`, as the office would run it
        page.get_by_role("link", name="The governors' pack: South Primary").click()
    opened.value.get_by_role("heading", level=1).first.wait_for()
    assert "Governors' pack" in opened.value.title()
    opened.value.close()
    with page.expect_popup() as trust_pack:  # the real `policybot report --all-schools`
        page.get_by_role("link", name="The trust pack: every school's figures side by side").click()
    trust_pack.value.get_by_role("heading", name="Social Media Policy: the trust's figures").wait_for()
    shot(trust_pack.value, "trust_pack")


def test_someone_the_trust_does_not_have_is_played_as_its_first_person(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + "?as=USTAFF1")  # the one school's teacher, as the browser may remember
    page.get_by_label("You are", exact=True).and_(page.locator("[data-school=north]")).wait_for()
    assert page.get_by_label("You are", exact=True).input_value() == NORTH.people["staff"].id
    page.get_by_role("heading", level=1, name="policybot (direct message)").wait_for()
