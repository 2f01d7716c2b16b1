"""What bot.telling draws for a change, as plain functions (no Slack, no database): the escalation DMs reach whoever
the concern was escalated to, never the leader who escalated it, even when they are one of that group."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.config import Settings
from bot.directory import Directory
from bot.telling import Telling
from flows.taxonomy import EscalationTarget
from storage.models import Concern
from storage.outbox_messages import Message

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CHANNEL, LEAD, DSL, HEAD = "CLEAD9", "ULEAD9", "UDSL9", "UHEAD9"


def telling(**env: str) -> Telling:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "s",
            "DATABASE_URL": "sqlite:///unused.db",  # never opened
            "LEADERSHIP_CHANNEL_ID": CHANNEL,
            "LEADERSHIP_USER_IDS": LEAD,
            "SAFEGUARDING_LEAD_IDS": DSL,
            "HEADTEACHER_ID": HEAD,
            "CHAIR_OF_GOVERNORS_ID": "UCHAIR9",
            **env,
        }
    )
    directory = Directory(settings, WebClient(token="xoxb-test"))  # never refreshed: the configured roles only
    return Telling(settings, directory, settings.contact_rules)


def escalated(to: EscalationTarget, by: str) -> Concern:
    return Concern(
        id=7,
        reference="SMP-2026-0007",
        submission_key="VREPORT",
        reporter_id="USTAFF",
        area="conduct",
        kind="aggressive",
        platform="whatsapp",
        roles="pupil",
        description="what happened",
        route_kind="channel",
        status="escalated",
        escalated_to=to,
        version=3,
        created_at=NOW,
        updated_at=NOW,
        last_actor_id=by,
    )


def escalation_dms(messages: list[Message]) -> dict[str, str]:
    return {m.channel: m.key for m in messages if ":escalated:" in m.key}


def test_a_leader_who_escalates_to_a_group_they_are_in_is_not_told_of_their_own_escalation() -> None:
    told = telling(SAFEGUARDING_LEAD_IDS=f"{DSL},{LEAD}")  # the leader is a safeguarding lead too
    messages = told.concern_changed(escalated(EscalationTarget.SAFEGUARDING_LEAD, LEAD), "rang the LADO")
    assert escalation_dms(messages) == {DSL: f"concern:7:escalated:3:{DSL}"}
    [dm] = [m for m in messages if m.channel == DSL]
    assert dm.audited_as == "sent_note" and LEAD in dm.blocks  # it says who escalated it


def test_an_escalation_reaches_the_whole_group_when_the_escalating_leader_is_not_in_it() -> None:
    told = telling(SAFEGUARDING_LEAD_IDS=f"{DSL},UDSL8")
    messages = told.concern_changed(escalated(EscalationTarget.SAFEGUARDING_LEAD, LEAD))
    assert sorted(escalation_dms(messages)) == ["UDSL8", DSL]
    assert {m.audited_as for m in messages if m.channel in (DSL, "UDSL8")} == {""}  # no note: nothing shown


def test_the_trusts_lead_is_told_where_a_safeguarding_concern_came_and_never_whom_it_names() -> None:
    base = telling()
    settings = replace(base.settings, school_name="North Academy", trust_safeguarding_lead_ids=frozenset({"UTRUST9"}))
    trust = Telling(settings, Directory(settings, WebClient(token="xoxb-test")), base.rules)

    def reported(safeguarding: bool = True, involved: str | None = None) -> list[Message]:
        concern = escalated(EscalationTarget.SAFEGUARDING_LEAD, LEAD)
        concern.status, concern.safeguarding, concern.involved_staff_id = "new", safeguarding, involved
        return [m for m in trust.concern_stored(concern) if m.channel == "UTRUST9"]

    [told] = reported()
    assert "reported at *North Academy*. North Academy's safeguarding team has it" in str(told.blocks)
    # About the school's lead, who is then not alerted: the same words (who was alerted would say whom it names).
    [about_the_lead] = reported(involved=DSL)
    assert about_the_lead.text == told.text and str(about_the_lead.blocks) == str(told.blocks)
    assert "what happened" not in str(told.blocks) + told.text
    assert not reported(safeguarding=False)
