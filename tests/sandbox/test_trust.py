"""`policybot sandbox --trust`: two schools in the sandbox's one workspace, played through the page as its people
would (sandbox/page.py): each school's report reaches its own leadership channel only, the peripatetic teacher is
asked which school, and the page lists the people by school."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.page import Page
from sandbox.run import Sandbox
from sandbox.trust import NORTH, PERIPATETIC, SCHOOLS_FILE, SOUTH, TEAM, TRUST_DSL
from sandbox.workspace import Message, View, dm_of
from tests.conftest import free_port, wait_until
from tests.slack_driver import report_values, select


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    running = Sandbox("127.0.0.1", free_port(), reset=True, folder=tmp_path_factory.mktemp("trust"), trust=True)
    yield running
    running.stop()
    assert "Traceback" not in log_of(running), log_of(running)
    assert not running.slack.invalid, f"Slack would have refused: {running.slack.invalid}"


def log_of(sandbox: Sandbox) -> str:
    return sandbox.file(".log").read_text()


def posts(sandbox: Sandbox, channel: str, reference: str) -> list[Message]:
    return [m for m in sandbox.workspace.visible(channel) if reference in m.text + json.dumps(m.blocks)]


def opened(page: Page, user: str, callback_id: str) -> View:
    """/report-concern typed in the person's DM, and the form it opened (a new one: not a receipt left open)."""
    before = page.workspace.top_view(user)
    page.command(user, "/report-concern", dm_of(user))

    def new() -> View | None:
        top = page.workspace.top_view(user)
        return top if top and top is not before and top.view.get("callback_id") == callback_id else None

    return wait_until(f"the form {callback_id}", new)


def report(page: Page, user: str, school: str, description: str = "A report.", safeguarding: bool = False) -> str:
    """The form filled in and sent; the reference of the receipt that then comes to the person's DM (such as
    SMP-NORTH-2026-0001 for North's)."""
    form = opened(page, user, "report_concern")
    return send_report(page, user, form, school, report_values(description=description, safeguarding=safeguarding))


def send_report(page: Page, user: str, form: View, school: str, values: dict[str, Any]) -> str:
    pattern = re.compile(rf"SMP-{school.upper()}-\d{{4}}-\d{{4}}")
    before = len(page.workspace.visible(user))
    page.submit(user, form.id, values)

    def receipt() -> str | None:
        seen = [pattern.search(m.text) for m in page.workspace.visible(user)[before:]]
        return next((found.group(0) for found in seen if found), None)

    return wait_until(f"a receipt of {school}'s in the DM", receipt)


def test_the_trust_starts_with_its_schools_file_and_not_the_one_schools_settings(sandbox: Sandbox) -> None:
    schools = (sandbox.folder / SCHOOLS_FILE).read_text()
    assert 'key = "north"' in schools and 'key = "south"' in schools and f'team_id = "{TEAM}"' in schools
    started = wait_until("the bot serving both schools", lambda: "for 2 schools: north, south" in log_of(sandbox))
    assert started and "schools file: north: added (North Academy" in log_of(sandbox)
    assert sandbox.workspace.answer("auth.test", {})["team_id"] == TEAM == sandbox.page_server.page.driver.team
    assert not (sandbox.folder / "sandbox.db").exists()  # the one school's files are not the trust's


def test_the_page_lists_people_by_school_and_each_leader_sees_their_own_schools_channel(sandbox: Sandbox) -> None:
    page = sandbox.page_server.page
    state = page.state(NORTH.people["leader"].id)
    assert [(s["key"], s["name"], s["school"]) for s in state["schools"]] == [
        ("north", "North Academy", True),
        ("south", "South Primary", True),
        ("trust", "The trust", False),
    ]
    north, south, trust = state["schools"]
    assert PERIPATETIC.id in north["people"] and PERIPATETIC.id in south["people"]
    assert NORTH.people["staff"].id in north["people"] and NORTH.people["staff"].id not in south["people"]
    assert trust["people"] == [TRUST_DSL.id]
    assert len(state["people"]) == len({p["id"] for p in state["people"]}) == 14  # each person once
    for school in (NORTH, SOUTH):
        seen = [c["name"] for c in page.state(school.people["leader"].id)["conversations"]]
        assert seen == [f"# {school.key}-leadership", "policybot (direct message)"]
    teacher = [c["name"] for c in page.state(NORTH.people["staff"].id)["conversations"]]
    assert teacher == ["policybot (direct message)"]


def test_a_report_by_norths_teacher_reaches_norths_channel_and_not_souths(sandbox: Sandbox) -> None:
    page = sandbox.page_server.page
    reference = report(page, NORTH.people["staff"].id, "north", "North's report, story marker N41.")
    wait_until("the report in North's channel", lambda: posts(sandbox, NORTH.channel, reference))
    assert not posts(sandbox, SOUTH.channel, reference)
    assert "N41" not in json.dumps([m.blocks for m in sandbox.workspace.visible(NORTH.channel)])
    # South's leader is in neither North's channel nor its records: the North post's buttons refuse them
    [post] = posts(sandbox, NORTH.channel, reference)
    acknowledge = next(e for b in post.blocks if b["type"] == "actions" for e in b["elements"])
    action = {"type": "button", "block_id": "b", "action_id": acknowledge["action_id"], "value": acknowledge["value"]}
    assert acknowledge["value"].startswith("north|")
    page.act(SOUTH.people["leader"].id, action, {"channel": NORTH.channel, "ts": post.ts})
    refused = "Only those handling this concern can act on it"
    dm = SOUTH.people["leader"].id
    wait_until("South's leader told", lambda: [m for m in sandbox.workspace.visible(dm) if refused in m.text])
    assert "acknowledged" not in posts(sandbox, NORTH.channel, reference)[0].text.lower()
    page.act(NORTH.people["leader"].id, action, {"channel": NORTH.channel, "ts": post.ts})
    wait_until("acknowledged", lambda: "acknowledged" in posts(sandbox, NORTH.channel, reference)[0].text.lower())


def test_the_peripatetic_teacher_is_asked_which_school_and_the_report_goes_to_the_chosen_one(
    sandbox: Sandbox,
) -> None:
    page, peri = sandbox.page_server.page, PERIPATETIC.id
    picker = opened(page, peri, "pick_school")
    options = next(b for b in picker.view["blocks"] if b.get("block_id") == "school")["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in options] == [("north", NORTH.name), ("south", SOUTH.name)]
    page.submit(peri, picker.id, select("school", "south"))
    form = page.workspace.top_view(peri)
    assert form is not None and form.id == picker.id and form.view["callback_id"] == "report_concern"
    assert form.view["private_metadata"].startswith("south|")
    reference = send_report(page, peri, form, "south", report_values(description="The peripatetic teacher's report."))
    wait_until("the report in South's channel", lambda: posts(sandbox, SOUTH.channel, reference))
    assert not posts(sandbox, NORTH.channel, reference)


def test_the_trusts_safeguarding_lead_sees_each_schools_safeguarding_queue_in_their_home(sandbox: Sandbox) -> None:
    page = sandbox.page_server.page
    references = {s.key: report(page, s.people["staff"].id, s.key, safeguarding=True) for s in (NORTH, SOUTH)}
    shown = home_of(page, TRUST_DSL.id, references["south"])
    assert references["north"] in shown
    assert shown.index("North Academy: safeguarding") < shown.index(references["north"])
    assert shown.index("South Primary: safeguarding") < shown.index(references["south"])
    for school, other in ((NORTH, "south"), (SOUTH, "north")):  # each school's own lead sees their own only
        assert references[other] not in home_of(page, school.people["dsl"].id, references[school.key])


def home_of(page: Page, user: str, showing: str) -> str:
    """The person's App Home as drawn once they open it, when it shows `showing`."""
    page.open_home(user)

    def drawn() -> str | None:
        home = json.dumps(page.state(user)["home"])
        return home if showing in home else None

    return wait_until(f"{user}'s Home showing {showing}", drawn)


def test_the_trusts_files_are_its_own(sandbox: Sandbox) -> None:
    assert sandbox.file(".db").name == "sandbox-trust.db" and sandbox.file(".db").exists()
    assert sandbox.file(".review").exists() and sandbox.file(".log").exists()
