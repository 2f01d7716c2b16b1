"""The stories a school would play in the sandbox, in a real browser, asserting on what each person sees."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from sandbox.run import Sandbox
from sandbox.school import DSL, GOVERNOR, HEAD, LEADER, STAFF, STAFF_2
from tests.browser.helpers import DESCRIPTION, SCREENSHOTS, be, click_on_post, open_place, report, type_command


def test_a_concern_from_report_to_acknowledgement(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    page.get_by_text("Sandbox: not connected to Slack").wait_for()
    assert page.locator("#schools").is_hidden()  # one school: no switch between schools
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
    page.locator("article.ephemeral").get_by_text("Only those handling this concern can act on it").wait_for()
    assert "acknowledged" not in post.inner_text().lower()


def test_a_leader_reads_the_details_escalates_and_resolves_and_the_reporter_never_sees_the_notes(
    page: Any, sandbox: Sandbox
) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    reference = report(page)
    be(page, LEADER)
    open_place(page, "# leadership")
    click_on_post(page, reference, "View details")
    details = page.get_by_role("dialog")
    details.get_by_text(DESCRIPTION).wait_for()  # the description is in the details, for leadership only
    details.get_by_role("button", name=re.compile("Close|Done|Cancel")).click()
    details.wait_for(state="hidden")

    click_on_post(page, reference, "Escalate")
    form = page.get_by_role("dialog")
    form.get_by_role("radio", name="Headteacher").check()
    form.get_by_label(re.compile("^Why \\(your note\\)")).fill("Escalation note ESC-MARKER-41")
    form.get_by_role("button", name="Escalate").click()
    form.wait_for(state="hidden")
    page.locator("article.message", has_text=reference).get_by_text(re.compile("escalated", re.I)).first.wait_for()

    be(page, HEAD)  # the headteacher reads why it came to her: in her DM, and in View details
    open_place(page, "policybot (direct message)")
    escalation = page.locator("#messages article.message", has_text=f"{reference} has been escalated to you")
    escalation.get_by_text("ESC-MARKER-41").wait_for()
    escalation.get_by_role("button", name="View details").click()
    details = page.get_by_role("dialog")
    details.get_by_text("Escalation note ESC-MARKER-41").wait_for()
    details.get_by_text(re.compile("Priya Shah escalated it")).first.wait_for()
    details.get_by_role("button", name=re.compile("Close|Done|Cancel")).click()
    details.wait_for(state="hidden")

    be(page, LEADER)
    open_place(page, "# leadership")
    click_on_post(page, reference, "Resolve")
    form = page.get_by_role("dialog")
    form.get_by_role("radio", name="Advice given").check()
    form.get_by_label(re.compile("^Why \\(your note\\)")).fill("Resolution note RES-MARKER-42")
    form.get_by_role("button", name="Resolve").click()
    form.wait_for(state="hidden")
    post = page.locator("article.message", has_text=reference)
    post.get_by_text(re.compile("resolved", re.I)).first.wait_for()
    assert not post.get_by_role("button", name="Resolve", exact=True).count()  # a resolved concern has no buttons

    be(page, STAFF)
    open_place(page, "policybot (direct message)")
    dm = page.locator("#messages")
    dm.get_by_text(re.compile(f"{reference} has been resolved", re.I)).wait_for()
    seen = dm.inner_text()
    assert "escalated" in seen.lower()
    assert "ESC-MARKER-41" not in seen and "RES-MARKER-42" not in seen


def test_the_safeguarding_route_alerts_the_safeguarding_lead_at_once(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    reference = report(page, safeguarding=True)
    be(page, DSL)
    open_place(page, "policybot (direct message)")
    page.locator("#messages article.message", has_text=reference).wait_for()


def test_a_doubtful_contact_goes_to_leadership_and_is_approved(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    type_command(page, "/check-contact")
    form = page.get_by_role("dialog")
    form.get_by_role("radio", name="A pupil's parent, carer or relative").check()
    form.get_by_role("radio", name="Friend or follow them on social media").check()
    for question, answer in (("Are they under 18?", "No"), ("family or a close family friend", "No")):
        form.locator(".block.input", has_text=question).get_by_role("radio", name=answer, exact=True).check()
    form.locator(".block.input", has_text="personal friends before").get_by_role("radio", name="I don't know").check()
    form.get_by_label(re.compile("^Who is it, in a few words")).fill("J.B., a parent I know from the football club")
    form.get_by_role("button", name=re.compile("Check")).click()
    form.get_by_text("Leadership must decide").wait_for()
    form.get_by_role("button", name=re.compile("Ask leadership")).click()
    form.get_by_text(re.compile("sent to (the )?leadership", re.I)).first.wait_for()
    form.get_by_role("button", name=re.compile("Close|Done")).click()

    be(page, LEADER)
    open_place(page, "# leadership")
    request = page.locator("article.message", has_text="J.B.")
    request.get_by_role("button", name="Approve", exact=True).click()
    confirm = page.locator("#confirm")  # Approve asks first, as Slack's confirm dialog does
    confirm.get_by_role("heading").wait_for()
    confirm.get_by_role("button").last.click()
    page.locator("article.message", has_text="J.B.").get_by_text(re.compile("approved", re.I)).first.wait_for()

    be(page, STAFF)
    open_place(page, "policybot (direct message)")
    page.locator("#messages").get_by_text(re.compile("approved", re.I)).first.wait_for()


def test_the_app_home_is_drawn_when_opened_and_its_buttons_work(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    open_place(page, "policybot: Home")
    home = page.locator("#messages")
    home.get_by_role("heading", name="Your standing permissions").wait_for()
    home.get_by_role("button", name="Check a contact").click()
    form = page.get_by_role("dialog")
    form.get_by_role("heading", name="Check a contact").wait_for()
    page.keyboard.press("Escape")
    form.wait_for(state="hidden")


def test_a_leader_acts_from_the_app_home_queue(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    reference = report(page)
    be(page, LEADER)
    open_place(page, "policybot: Home")
    queue = page.locator("#messages")
    queue.get_by_role("heading", name="Waiting for you").wait_for()
    item = queue.locator(".block.section", has_text=reference)
    item.wait_for()
    item.locator("xpath=following-sibling::*[1]").get_by_role("button", name="Acknowledge").click()
    queue.locator(".block.section", has_text=reference).get_by_text("acknowledged").wait_for()  # the Home redrawn
    open_place(page, "# leadership")
    page.locator("article.message", has_text=reference).get_by_text(re.compile("acknowledged", re.I)).first.wait_for()


def test_a_governor_has_the_pack_from_the_home_and_opens_it(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={GOVERNOR.id}")
    open_place(page, "policybot: Home")
    home = page.locator("#messages")
    home.get_by_role("heading", name="The policy review").wait_for()
    home.get_by_role("button", name="Send me the governors' pack").click()
    open_place(page, "policybot (direct message)")
    files = page.locator("#messages a.file", has_text="Governors' pack")
    files.first.wait_for()  # the review reminder's (the sandbox's review is a week ahead), and the one asked for
    page.wait_for_function("document.querySelectorAll('#messages a.file').length >= 2")
    with page.context.expect_page() as opening:
        files.last.click()
    pack = opening.value
    pack.get_by_role("heading", level=1).wait_for()
    pack.get_by_text(re.compile("Too few concerns \\(fewer than 10\\) to break down")).wait_for()  # a handful
    assert 'id="published-figures"' in pack.content() and DESCRIPTION not in pack.content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pack.screenshot(path=str(SCREENSHOTS / "the-pack-opened-from-slack.png"), full_page=True)
    link = urljoin(sandbox.page_server.url, str(files.last.get_attribute("href")))
    assert page.request.get(link).status == 200
    assert page.request.get(link.replace(GOVERNOR.id, STAFF.id)).status == 404  # not shared with them: not theirs


def test_the_school_office_opens_the_pack_subject_access_and_retention(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    reference = report(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    opened: dict[str, Any] = {}
    for link in ("The governors' pack", "What is held about you (subject access)", "Retention: what is due"):
        with page.context.expect_page() as opening:
            page.get_by_role("link", name=link).click()
        opened[link] = opening.value
        opened[link].wait_for_load_state()
    pack = opened["The governors' pack"]
    assert "Concerns reported" in pack.content() and 'id="published-figures"' in pack.content()
    assert reference not in pack.content() and DESCRIPTION not in pack.content()
    held = opened["What is held about you (subject access)"]
    held.get_by_text(reference).first.wait_for()  # the reporter's own concern, with what they wrote
    assert DESCRIPTION in held.content()
    held.get_by_role("heading", name=f"What policybot holds about Sam Taylor ({STAFF.id})").wait_for()
    shown = held.content()
    assert "submission_key" not in shown and "nudge_claimed_until" not in shown  # bookkeeping: in the JSON only
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", shown)  # times to the minute, never the microsecond
    held.get_by_text(re.compile(r"You reported it")).first.wait_for()
    held.screenshot(path=str(SCREENSHOTS / "subject-access-from-the-sandbox.png"), full_page=True)
    listing = opened["Retention: what is due"].content()
    assert "Retention periods" in listing and "concerns on the safeguarding route" in listing


def test_a_field_error_keeps_everything_typed_and_other_asks_which(page: Any, sandbox: Sandbox) -> None:
    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    type_command(page, "/report-concern")
    modal = page.get_by_role("dialog")
    modal.get_by_role("radio", name=re.compile("^Aggressive")).check()
    modal.get_by_label("Where did it happen?").select_option(label="Other")
    modal.get_by_role("checkbox", name="Pupil", exact=True).check()
    modal.get_by_label("What happened?").fill(DESCRIPTION)
    modal.get_by_role("button", name="Send to leadership").click()
    modal.get_by_text("Choose whether this is about contact, conduct or content.").wait_for()
    modal.get_by_text("Say which platform or app").wait_for()
    # As in Slack: the form shows the errors in place and keeps every value.
    assert modal.get_by_label("What happened?").input_value() == DESCRIPTION
    assert modal.get_by_role("radio", name=re.compile("^Aggressive")).is_checked()
    assert modal.get_by_role("checkbox", name="Pupil", exact=True).is_checked()
    assert modal.get_by_label("Where did it happen?").input_value() == "other"
    modal.get_by_role("radio", name=re.compile("^Content")).check()
    modal.get_by_label(re.compile("^If Other: which")).fill("Mastodon")
    modal.get_by_role("button", name="Send to leadership").click()
    modal.get_by_text(re.compile(r"SMP-\d{4}-\d{4}")).first.wait_for()
    assert "CEOP" in modal.inner_text()  # a pupil is involved: the advice for children is given
    modal.get_by_role("button", name="Done").click()
    modal.wait_for(state="hidden")


def test_no_box_takes_more_than_its_field_may_hold(page: Any, sandbox: Sandbox) -> None:
    from flows.concerns import DESCRIPTION_MAX, NAMES_MAX

    page.goto(sandbox.page_server.url + f"?as={STAFF.id}")
    type_command(page, "/report-concern")
    modal = page.get_by_role("dialog")
    for label, most in (("What happened?", DESCRIPTION_MAX), (re.compile("^Names"), NAMES_MAX)):
        box = modal.get_by_label(label)
        box.fill("x" * (most + 50))  # a browser keeps to maxlength as Slack does
        assert len(box.input_value()) == most
    modal.get_by_role("button", name="Cancel").click()
    modal.wait_for(state="hidden")
