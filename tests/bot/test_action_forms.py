"""The Escalate form offers the LADO, with KCSIE's one working day, only for a concern that names a member of staff."""

from __future__ import annotations

from bot.views import action_forms
from flows.escalation import LADO_HINT, Action
from storage.models import Concern


def offered(concern: Concern) -> tuple[list[str], str | None]:
    view = action_forms.build(Action.ESCALATE, concern).to_dict()
    target = view["blocks"][0]
    return [o["value"] for o in target["element"]["options"]], (target.get("hint") or {}).get("text")


def test_the_lado_is_offered_only_when_a_member_of_staff_is_named() -> None:
    values, hint = offered(Concern(id=7, version=2, reference="SMP-2026-0007", involved_staff_id="USTAFF2"))
    assert "lado" in values and hint == LADO_HINT
    values, hint = offered(Concern(id=8, version=1, reference="SMP-2026-0008", involved_staff_id=None))
    assert "lado" not in values and "safeguarding_lead" in values and hint is None
    resolve = action_forms.build(
        Action.RESOLVE, Concern(id=7, version=2, reference="SMP-2026-0007", involved_staff_id="U1")
    )
    assert "lado" not in str(resolve.to_dict())
