"""The readable rendering of a subject access document (storage.subject_access): one self-contained HTML page
that opens offline and prints, with each record, its audit trail and what is withheld and why."""

from __future__ import annotations

from html import escape
from typing import Any

LOGS = {
    "concern": "Concerns",
    "audit_entry": "Actions recorded",
    "contact_check": "Contact questions",
    "contact_permission": "Standing permissions",
    "declaration": "Declared connections",
    "policy_review": "Policy reviews",
    "policy_version": "Policy versions recorded",
    "outbox_message": "Messages sent by policybot",
    "review_reminder": "Review reminders",
}
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1c1d}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3;width:14rem}.withheld{background:#fff4e5}"
    "section{break-inside:avoid;margin-bottom:1.5rem}@media print{body{margin:0}}"
)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return escape(", ".join(str(v) for v in value))
    return escape("" if value is None else str(value))


def _table(fields: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in fields.items())
    return f"<table>{rows}</table>"


def render(document: dict[str, Any]) -> str:
    parts = [
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>",
        f"<title>Subject access: {escape(document['subject'])}</title><style>{STYLE}</style></head><body>",
        f"<h1>What policybot holds about {escape(document['subject'])}</h1>",
        f"<p>Made {escape(document['made_at'])}. {document['records']} record(s).</p>",
        f"<p class='withheld'><strong>For the data protection officer:</strong> "
        f"{escape(document['for_the_data_protection_officer'])}</p>",
    ]
    for entry in document["held"]:
        title = f"{LOGS.get(entry['log'], entry['log'])}: record {entry['id']}"
        parts.append(f"<section><h2>{escape(title)}</h2><p>Held about you as: {_cell(entry['as'])}.</p>")
        parts.append(_table(entry["record"]))
        for event in entry.get("audit", []):
            parts.append(f"<h3>Audit event {escape(str(event.get('id')))}</h3>{_table(event)}")
        if entry["withheld"]:
            rows = "".join(
                f"<tr><th>{escape(w['field'])}</th><td>{escape(w['why'])}</td></tr>" for w in entry["withheld"]
            )
            parts.append(f"<h3>Withheld</h3><table class='withheld'>{rows}</table>")
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "".join(parts)
