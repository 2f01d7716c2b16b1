"""The governors' pack, put together: the period's anonymised facts (storage.pack_data), their figures with small
numbers suppressed (flows.pack) and the page (bot.pack_page). `policybot report` writes it; the review reminders
and the governors' App Home send it as a file (bot.documents)."""

from __future__ import annotations

from datetime import date, timedelta, tzinfo

from sqlalchemy import Engine

from bot.pack_page import render
from bot.views.contact_words import PERSON_LABELS
from flows.contact import Person, Verdict
from flows.pack import figures
from flows.platforms import Platforms, default_platforms
from flows.taxonomy import Area, EscalationTarget, Kind, Outcome
from storage import pack_data

VERDICT_LABELS = {
    Verdict.PERMITTED: "Permitted",
    Verdict.NOT_PERMITTED: "Not permitted",
    Verdict.REFER: "For leadership",
}


def labels(platforms: Platforms) -> dict[str, str]:
    words: dict[str, str] = {p.key: p.label for p in platforms.known}
    for enum in (Area, Kind, EscalationTarget, Outcome):
        words.update({member.value: member.label for member in enum})  # type: ignore[attr-defined]
    words.update({p.value: label for p, label in PERSON_LABELS.items()})
    words.update({v.value: label for v, label in VERDICT_LABELS.items()})
    return words


def vocabulary(platforms: Platforms) -> dict[str, list[str]]:
    return {
        "area": [a.value for a in Area],
        "kind": [k.value for k in Kind],
        "platform": [p.key for p in platforms.known],
        "target": [t.value for t in EscalationTarget],
        "outcome": [o.value for o in Outcome],
        "verdict": [v.value for v in Verdict],
        "person": [p.value for p in Person],
    }


def pack(
    engine: Engine,
    start: date,
    end: date,
    tz: tzinfo,
    nudge_after: timedelta,
    threshold: int,
    platforms: Platforms | None = None,
) -> str:
    platforms = platforms or default_platforms()
    year = timedelta(days=365)
    found = figures(
        (start, end),
        pack_data.concerns(engine, start, end, tz),
        pack_data.concerns(engine, start - year, end - year, tz),
        pack_data.questions(engine, start, end, tz),
        pack_data.declarations(engine, end),
        pack_data.reviews(engine),
        vocabulary(platforms),
        nudge_after,
        threshold,
        tz,
    )
    return render(found, labels(platforms), nudge_after)
