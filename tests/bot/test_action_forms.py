"""The Escalate form offers what the permission table lets this leader choose: the LADO, with KCSIE's one working
day, only for a concern that names a member of staff; never the person escalating, nor whoever the concern names."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bot.listeners.leadership import escalation_choices
from bot.views import action_forms
from flows.escalation import LADO_HINT
from flows.permissions import Act, People, Placement
from storage.models import Concern

PEOPLE = People(frozenset({"ULEAD", "UDSL"}), frozenset({"UDSL"}), "UHEAD", "UCHAIR")
DEPS: Any = SimpleNamespace(directory=SimpleNamespace(people=lambda: PEOPLE))


def a_concern(concern_id: int, involved: str | None = None, **facts: Any) -> Concern:
    return Concern(
        id=concern_id,
        version=2,
        reference=f"SMP-2026-{concern_id:04d}",
        reporter_id="USTAFF",
        involved_staff_id=involved,
        route_kind=facts.pop("route_kind", Placement.CHANNEL),
        **facts,
    )


def offered(concern: Concern, actor: str = "ULEAD") -> tuple[dict[str, str], str | None]:
    view = action_forms.build(Act.ESCALATE, concern, escalation_choices(DEPS, concern, actor)).to_dict()
    target = view["blocks"][0]
    options = {o["value"]: o["text"]["text"] for o in target["element"]["options"]}
    return options, (target.get("hint") or {}).get("text")


def test_the_lado_is_offered_only_when_a_member_of_staff_is_named() -> None:
    values, hint = offered(a_concern(7, involved="USTAFF2"))
    assert "lado" in values and hint == LADO_HINT
    values, hint = offered(a_concern(8))
    assert "lado" not in values and "safeguarding_lead" in values and hint is None
    resolve = action_forms.build(Act.RESOLVE, a_concern(7, involved="U1"))
    assert "lado" not in str(resolve.to_dict())


def test_the_headteacher_is_not_offered_herself_and_a_concern_naming_her_goes_to_the_chair() -> None:
    values, _ = offered(a_concern(9), actor="UHEAD")
    assert "headteacher" not in values and "safeguarding_lead" in values and "police" in values
    values, _ = offered(a_concern(10), actor="UDSL")  # the only lead, escalating
    assert "safeguarding_lead" not in values and values["headteacher"] == "Headteacher"
    direct = a_concern(11, involved="UHEAD", route_kind=Placement.DIRECT, route_recipient="UCHAIR")
    values, _ = offered(direct, actor="UCHAIR")
    assert "headteacher" not in values  # the chair holds it: escalating "to the head" would reach herself
    values, _ = offered(a_concern(12, involved="UHEAD"), actor="ULEAD")
    assert values["headteacher"].startswith("Chair of governors")


def test_the_note_box_takes_exactly_what_the_note_may_hold() -> None:
    from flows.concerns import NOTE_MAX

    for action in (Act.ESCALATE, Act.RESOLVE):
        note = action_forms.build(action, a_concern(7), []).to_dict()["blocks"][1]
        assert note["element"]["max_length"] == NOTE_MAX
        assert "Never to the reporter" in note["hint"]["text"]
