"""The readable rendering of a subject access document (storage.subject_access): one self-contained HTML page that
opens offline and prints, for the person it is about. Each record with its trail in sentences, times in the school's
zone to the minute, the person by name where the workspace knows it, what is withheld and why; the bookkeeping a
person need not read (delivery leases, Slack's message stamps) is left to the JSON, which keeps everything for the
data protection officer."""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape
from typing import Any

from bot.views import concern_words
from bot.views.contact_words import CHANNEL_LABELS, PERSON_LABELS
from flows.contact import Channel, Person
from flows.platforms import Platforms
from flows.taxonomy import Area, EscalationTarget, Kind, Outcome, Role

LOGS = {
    "concern": "Concern",
    "audit_entry": "Something done",
    "contact_check": "Contact question",
    "contact_permission": "Standing permission",
    "declaration": "Declared connection",
    "policy_review": "Policy review",
    "policy_version": "Policy version recorded",
    "outbox_message": "Message sent by policybot",
}
# How policybot keeps track of sending and retrying: in the JSON, not on the page.
BOOKKEEPING = frozenset(
    {
        "version", "submission_key", "request_key", "nudge_claimed_until", "next_nudge_at",
        "claimed_until", "attempts", "unsure", "revision", "next_attempt_at", "sent_ts", "sent_channel", "file_id",
        "thread_of", "key", "document", "deletes_ts", "subject_kind", "subject_id", "from_state", "to_state",
        "rule_ids", "person_key", "answered_by_permission_id", "next_notice_on",
    }
)  # fmt: skip
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1c1d}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3;width:14rem}.withheld{background:#fff4e5}"
    "ol{padding-left:1.2rem}section{break-inside:avoid;margin-bottom:1.5rem}@media print{body{margin:0}}"
)


ROUTES = {"channel": "the leadership channel", "direct": "one person, directly (a conflict of interest)"}


def _enum_words(enum: Any, labels: dict[Any, str] | None = None) -> dict[str, str]:
    return {member.value: (labels or {}).get(member) or member.label for member in enum}


class Words:
    """How the page says a value: the person's own id as their name (and the id), times in the school's zone, and
    the policy's words for what is stored as a key (an area, a platform, an outcome)."""

    def __init__(self, person: str, name: str | None, tz: tzinfo, platforms: Platforms) -> None:
        self.person, self.name, self.tz = person, name, tz
        self.fields: dict[str, dict[str, str]] = {
            "area": _enum_words(Area),
            "kind": _enum_words(Kind),
            "escalated_to": _enum_words(EscalationTarget),
            "outcome": _enum_words(Outcome),
            "route_kind": ROUTES,
            "person": _enum_words(Person, PERSON_LABELS),
            "channel": _enum_words(Channel, CHANNEL_LABELS),
            "platform": {p.key: p.label for p in platforms.known},
        }

    def field(self, name: str, value: Any) -> str:
        """A record's value: the policy's words for a key, roles one by one, otherwise value()."""
        if name == "roles" and isinstance(value, str):
            return escape(", ".join(Role(r).label for r in value.split(",") if r in Role._value2member_map_))
        known = self.fields.get(name, {})
        return escape(known[value]) if isinstance(value, str) and value in known else self.value(value)

    @property
    def who(self) -> str:
        return f"{self.name} ({self.person})" if self.name else self.person

    def time(self, text: str) -> str | None:
        """A stored time as the school reads it ("6 Dec 2026, 09:30 (+00:00)"); None for what is not a time."""
        if len(text) < 19 or text[10:11] != "T":
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        local = moment.astimezone(self.tz)
        offset = local.strftime("%z")
        return f"{local:%-d %b %Y, %H:%M} ({offset[:3]}:{offset[3:]})"

    def value(self, value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(self.value(v) for v in value)
        if value is None or value == "":
            return "—"
        if value is True or value is False:
            return "yes" if value else "no"
        text = str(value)
        if text == self.person:
            return escape(self.who)
        return escape(self.time(text) or text)


def _label(field: str) -> str:
    return field.replace("_id", "").replace("_", " ").capitalize()


def _table(fields: dict[str, Any], words: Words) -> str:
    rows = "".join(
        f"<tr><th>{escape(_label(k))}</th><td>{words.field(k, v)}</td></tr>"
        for k, v in fields.items()
        if k not in BOOKKEEPING
    )
    return f"<table>{rows}</table>"


def _event(event: dict[str, Any], words: Words) -> str:
    """One audit event as a sentence: when, who (you, or policybot: others' ids are withheld), what."""
    actor = event.get("actor_id")
    who = "You" if actor == words.person else ("policybot" if actor == "policybot" else "Someone else")
    at = words.time(str(event.get("at", ""))) or ""
    said = f"{escape(at)}: {who} {escape(concern_words.what_was_done(str(event.get('action')), event.get('detail')))}"
    note = event.get("note")
    return f"<li>{said}" + (f"<br>Note: {escape(str(note))}" if note else "") + "</li>"


def render(document: dict[str, Any], tz: tzinfo, name: str | None = None, platforms: Platforms | None = None) -> str:
    """The page; `name`: the person's display name where the workspace knows it."""
    from flows.platforms import default_platforms

    words = Words(document["subject"], name, tz, platforms or default_platforms())
    made = words.time(document["made_at"]) or document["made_at"]
    records = concern_words.plural(document["records"], "record")
    parts = [
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>",
        f"<title>Subject access: {escape(words.who)}</title><style>{STYLE}</style></head><body>",
        f"<h1>What policybot holds about {escape(words.who)}</h1>",
        f"<p>Made {escape(made)}: {records}.</p>",
        f"<p class='withheld'><strong>For the data protection officer:</strong> "
        f"{escape(document['for_the_data_protection_officer'])}</p>",
    ]
    for entry in document["held"]:
        title = f"{LOGS.get(entry['log'], entry['log'])} {entry['id']}"
        parts.append(f"<section><h2>{escape(title)}</h2><p>Held about you as: {escape(', '.join(entry['as']))}.</p>")
        if entry["log"] == "audit_entry":  # something done on a record not otherwise held about them: a sentence
            parts.append(f"<ol>{_event(entry['record'], words)}</ol>")
        else:
            parts.append(_table(entry["record"], words))
        if entry.get("audit"):
            events = "".join(_event(event, words) for event in entry["audit"])
            parts.append(f"<h3>What was done</h3><ol>{events}</ol>")
        shown = [w for w in entry["withheld"] if w["field"].rpartition(" ")[2] not in BOOKKEEPING]
        if shown:
            rows = "".join(
                f"<tr><th>{escape(w['field'].replace('_', ' '))}</th><td>{escape(w['why'])}</td></tr>" for w in shown
            )
            parts.append(f"<h3>Withheld</h3><table class='withheld'>{rows}</table>")
        if len(shown) < len(entry["withheld"]):
            rest = concern_words.plural(len(entry["withheld"]) - len(shown), "more field")
            parts.append(f"<p>{rest} of bookkeeping withheld, listed in the JSON for the data protection officer.</p>")
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "".join(parts)
