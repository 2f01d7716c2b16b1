"""How a concern reads to a person, in one place a school can read in one sitting: where it went and why, where an
escalation goes, what each entry in its trail means, and how long it has waited."""

from __future__ import annotations

from datetime import timedelta

from flows.permissions import People, Placement, Record
from flows.taxonomy import EscalationTarget, Outcome


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 nudge', '2 nudges', '0 concerns'."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def waited(span: timedelta) -> str:
    """'under an hour', '1 hour', '5 hours', '2 days' (from two days on, whole days)."""
    hours = int(span.total_seconds() // 3600)
    if hours < 1:
        return "under an hour"
    return plural(hours // 24, "day") if hours >= 48 else plural(hours, "hour")


def target_label(target: EscalationTarget, people: People, reached: frozenset[str]) -> str:
    """An escalation target as the form offers it: the headteacher's is the chair's when the concern names the
    headteacher (flows.permissions sends it there)."""
    if target is EscalationTarget.HEADTEACHER and reached == {people.chair_of_governors}:
        return "Chair of governors (the concern names the headteacher)"
    return target.label


# --- the route: who has a concern, in words a member of staff understands ---------------------------------------


def holder(people: People, record: Record) -> str:
    """Who a concern went to, named by role only (never the member of staff it names)."""
    if record.placement is Placement.DIRECT:
        if record.direct_to == people.chair_of_governors:
            return "the chair of governors"
        return "the headteacher"
    if record.safeguarding:
        return "the designated safeguarding lead"
    return "the leadership team"


def handled_by(people: People, record: Record) -> str:
    """Who acted on a concern, as its reporter is told (by role; on the safeguarding route, the lead or the head)."""
    if record.placement is Placement.CHANNEL and record.safeguarding:
        return "those who handle safeguarding"
    return holder(people, record)


def why_direct(people: People, record: Record) -> str:
    """Why a concern came by DM to its holder: it names someone who would otherwise have seen it."""
    if record.direct_to == people.chair_of_governors:
        return (
            "It came to you, as chair of governors, because it names the headteacher: nobody else in the school "
            "has been shown it."
        )
    return (
        "It came to you, as headteacher, rather than to the leadership channel, because it names a member of staff "
        "who would otherwise have seen it. They have not been shown it."
    )


def waiting_for(people: People, record: Record) -> str:
    """What a new concern waits for, as its holder reads it."""
    if record.placement is Placement.DIRECT:
        return "waiting for you to acknowledge it"
    return "waiting for a leader to acknowledge it"


# --- the trail: each entry as a sentence about the person who took it ----------------------------------------------

_DONE = {
    "reported": "reported it",
    "delivered": "delivered it to whoever handles it",
    "acknowledged": "acknowledged it",
    "escalated": "escalated it",
    "resolved": "resolved it",
    "viewed_details": "opened its details",
    "nudged": "sent a reminder",
    "asked": "asked the question",
    "asked_leadership": "asked leadership",
    "approved": "approved it",
    "declined": "declined it",
    "declared": "declared it",
    "reconfirmed": "re-confirmed it",
    "reviewed": "recorded the review as done",
    "sent_pack": "was sent the governors' pack",
    "sent_note": "was sent the note with the escalation",
    "redacted_under_retention": "redacted its details under retention",
    "kept_under_retention": "kept it longer under retention",
    "retention_asked": "asked a safeguarding lead whether to redact it",
}
_REFUSED = {
    "view_details": "open its details",
    "acknowledge": "acknowledge it",
    "escalate": "escalate it",
    "resolve": "resolve it",
    "ask_leadership": "ask leadership",
    "decide": "decide it",
    "reconfirm": "re-confirm it",
    "mark_review_done": "record the review",
    "get_pack": "have the governors' pack",
    "redact": "redact it",
    "keep_longer": "keep it longer",
}


def what_was_done(action: str, detail: str | None) -> str:
    """What was done, as the end of a sentence whose subject is who did it, a person or policybot ("escalated it
    (to the headteacher)", "was refused when trying to acknowledge it", "sent a reminder (nudge 2)")."""
    if action.startswith("refused_"):
        tried = action.removeprefix("refused_")
        return f"was refused when trying to {_REFUSED.get(tried, tried.replace('_', ' '))}"
    said = _DONE.get(action, action.replace("_", " "))
    return f"{said} ({detail_words(action, detail)})" if detail else said


def detail_words(action: str, detail: str) -> str:
    """An audit detail in words: a target, an outcome, a nudge's number."""
    if action == "escalated" and detail in EscalationTarget._value2member_map_:
        return "to " + EscalationTarget(detail).label
    if action == "resolved" and detail in Outcome._value2member_map_:
        return Outcome(detail).label.lower()
    if action == "reported" and detail == "safeguarding":
        return "on the safeguarding route"
    return detail
