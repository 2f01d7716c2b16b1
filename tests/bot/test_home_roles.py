"""Each role's App Home shows exactly what the permission table allows, and nobody sees a record that names them:
a member of staff, a leader, the safeguarding lead, the headteacher, a governor, and a leader a concern is about."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.deps import Deps
from bot.documents import pack_for, pack_key
from bot.listeners.home import roles
from bot.views import home
from flows.permissions import RecordKind
from sandbox.slack import LocalSlack
from storage.concerns import ConcernStore
from tests.bot.helpers import DSL, GOVERNOR, HEAD, LEAD, Clock, build, report

LEAD_2 = "ULEADB9"


def seen(deps: Deps, user: str) -> tuple[str, str]:
    """(what waits for them, what is theirs), as text."""
    first, after = roles(deps, user)
    return json.dumps([b.to_dict() for b in first]), json.dumps([b.to_dict() for b in after])


def reference(store: ConcernStore, concern_id: int) -> str:
    concern = store.get(concern_id)
    assert concern is not None
    return concern.reference


def test_every_role_sees_what_the_table_allows_and_nobody_what_names_them(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 12, 3, 9, 0)
    deps = build(fake, database, clock, LEADERSHIP_USER_IDS=f"{LEAD},{LEAD_2}", POLICY_REVIEW_DATE="2027-03-01")
    ordinary = reference(deps.store, report(deps, "VH1"))
    safeguarding = reference(deps.store, report(deps, "VH2", safeguarding=True))
    about_lead_2 = reference(deps.store, report(deps, "VH3", involved=LEAD_2))  # to the headteacher directly

    waiting, _ = seen(deps, LEAD)
    assert ordinary in waiting and safeguarding not in waiting and about_lead_2 not in waiting
    assert "Acknowledge" in waiting  # the post's buttons, in the Home

    waiting, theirs = seen(deps, LEAD_2)  # a leader a concern is about never sees it, nor the pattern
    assert about_lead_2 not in waiting + theirs and ordinary in waiting

    waiting, _ = seen(deps, DSL)
    assert safeguarding in waiting and ordinary not in waiting and about_lead_2 not in waiting

    waiting, _ = seen(deps, HEAD)
    assert all(r in waiting for r in (ordinary, safeguarding, about_lead_2))
    assert "Concerns naming staff" in waiting and f"<@{LEAD_2}>: *1*" in waiting

    waiting, theirs = seen(deps, "USTAFF9")  # the reporter: their own, status only, nothing to act on
    assert waiting == "[]" and all(r in theirs for r in (ordinary, safeguarding, about_lead_2))
    assert "Acknowledge" not in theirs and "View details" not in theirs  # status only: no buttons, no details

    _, theirs = seen(deps, GOVERNOR)
    assert "The next review of the policy is due on *01 March 2027*" in theirs
    assert "Concerns reported, 04 Dec 2025 to 03 Dec 2026: 3." in theirs  # the pack's own figures and year
    assert "too few to break down" in theirs and "safeguarding" not in theirs.split("The last twelve months")[1]
    _, theirs = seen(deps, LEAD)
    assert "The policy review" not in theirs  # only governors


def test_a_long_queue_says_how_many_more_and_the_home_stays_within_slacks_limit(
    fake: LocalSlack, database: str
) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 12, 3, 9, 0)
    deps = build(fake, database, clock)
    for n in range(30):
        report(deps, f"VLONG{n}")
    first, after = roles(deps, HEAD)
    text = json.dumps([b.to_dict() for b in first])
    assert "and 18 more" in text  # twelve shown
    view = home.build([], [], clock().date(), (first * 3, after * 3))  # however much there is
    assert len(view.blocks) == home.MAX_BLOCKS and "more than this page can show" in json.dumps(view.to_dict())


def test_a_home_is_published_over_the_view_it_replaces_and_drawn_again_after_a_hash_conflict(
    fake: LocalSlack, database: str
) -> None:
    from bot.listeners.home import publish_home

    deps = build(fake, database, Clock(datetime.now(UTC)).at(2026, 12, 3, 9, 0))
    publish_home(deps, deps.client, LEAD)
    first = deps.home_hashes[LEAD]
    deps.client.views_publish(user_id=LEAD, view={"type": "home", "blocks": []})  # another process, meanwhile
    mark = fake.mark()
    publish_home(deps, deps.client, LEAD)
    tried, again = fake.of("views.publish", mark)
    assert tried.params.get("hash") == first and tried.response.get("error") == "hash_conflict"
    assert "hash" not in again.params and again.response["ok"]  # drawn again from the records, published over it
    assert deps.home_hashes[LEAD] == again.response["view"]["hash"]
    publish_home(deps, deps.client, LEAD)
    assert fake.of("views.publish")[-1].params.get("hash") == again.response["view"]["hash"]


def test_a_governors_home_shows_their_own_reports_and_where_their_pack_is(fake: LocalSlack, database: str) -> None:
    clock = Clock(datetime.now(UTC)).at(2026, 12, 3, 9, 0)
    deps = build(fake, database, clock, POLICY_REVIEW_DATE="2027-03-01")
    theirs = reference(deps.store, report(deps, "VG1", reporter=GOVERNOR))
    _, after = seen(deps, GOVERNOR)
    assert theirs in after and "The policy review" in after and "Your pack is on its way" not in after
    pack = pack_for(GOVERNOR, pack_key(GOVERNOR) + "1", (RecordKind.REVIEW, 20270301), clock().date(), 3)
    deps.outbox.put([pack], clock())
    _, after = seen(deps, GOVERNOR)
    assert "Your pack is on its way to your direct messages" in after and theirs in after


def test_a_home_drawn_again_after_a_hash_conflict_is_the_persons_own(fake: LocalSlack, database: str) -> None:
    from bot.listeners.home import publish_home

    deps = build(fake, database, Clock(datetime.now(UTC)).at(2026, 12, 3, 9, 0))
    waiting = reference(deps.store, report(deps, "VHC1"))
    publish_home(deps, deps.client, LEAD)
    deps.client.views_publish(user_id=LEAD, view={"type": "home", "blocks": []})  # another process, meanwhile
    mark = fake.mark()
    publish_home(deps, deps.client, LEAD)
    tried, again = fake.of("views.publish", mark)
    assert again.params["view"] == tried.params["view"] and waiting in str(again.params["view"])
