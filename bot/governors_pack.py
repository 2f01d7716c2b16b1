"""The governors' figures, put together once for every place they are shown: the period's anonymised facts
(storage.pack_data), their published figures (flows.pack, protected by flows.disclosure) and one set of labels.
The pack file (bot.pack_page, `policybot report`, the reminders' attachment), the review reminder's summary and the
governors' App Home all come from year_figures(), so they agree figure for figure."""

from __future__ import annotations

from datetime import date, timedelta, tzinfo

from sqlalchemy import Engine

from bot.views.contact_words import PERSON_LABELS
from flows.contact import Person, Verdict
from flows.pack import FLOOR, Figure, Figures, figures
from flows.platforms import Platforms, default_platforms
from flows.scheduling import describe
from flows.taxonomy import Area, EscalationTarget, Kind, Outcome
from storage import pack_data

VERDICT_LABELS = {
    Verdict.PERMITTED: "The policy permits it",
    Verdict.NOT_PERMITTED: "The policy does not permit it",
    Verdict.REFER: "The policy leaves it to leadership",
}
DECISIONS = {"none": "not asked", "pending": "still deciding", "approved": "approved", "declined": "declined"}
STAGES = {
    "before_nudge": "before the first nudge was due",
    "after_nudge": "after the first nudge was due",
    "not_yet": "not yet",
}


def labels(platforms: Platforms) -> dict[str, str]:
    """Stored values in words: one table for the pack, the reminder and the Home."""
    words: dict[str, str] = {p.key: p.label for p in platforms.known}
    for enum in (Area, Kind, EscalationTarget, Outcome):
        words.update({member.value: member.label for member in enum})  # type: ignore[attr-defined]
    words.update({p.value: label for p, label in PERSON_LABELS.items()})
    words.update({v.value: label for v, label in VERDICT_LABELS.items()})
    return {**words, **STAGES}


def vocabulary(platforms: Platforms) -> dict[str, list[str]]:
    return {
        "area": [a.value for a in Area],
        "kind": [k.value for k in Kind],
        "platform": [p.key for p in platforms.offered()],  # and any other a concern of the period names
        "target": [t.value for t in EscalationTarget],
        "outcome": [o.value for o in Outcome],
        "person": [p.value for p in Person],
    }


def year_figures(
    engine: Engine,
    start: date,
    end: date,
    tz: tzinfo,
    nudge_after: timedelta,
    threshold: int,
    platforms: Platforms | None = None,
) -> Figures:
    """Every figure the governors are shown for a period: the one function behind the pack, the reminder and the
    App Home."""
    platforms = platforms or default_platforms()
    year = timedelta(days=365)
    return figures(
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


def pack(
    engine: Engine,
    start: date,
    end: date,
    tz: tzinfo,
    nudge_after: timedelta,
    threshold: int,
    platforms: Platforms | None = None,
) -> str:
    from bot.pack_page import render  # matplotlib: loaded only where a pack is drawn

    platforms = platforms or default_platforms()
    found = year_figures(engine, start, end, tz, nudge_after, threshold, platforms)
    return render(found, labels(platforms), nudge_after)


# --- the figures in words: one line of the reminder or the Home per table -------------------------------------


def said(figure: Figure | None) -> str:
    """A count as published."""
    return "not published" if figure is None else str(figure.shown)


# What a yes/no or an empty value means, column by column.
ANSWERS = {
    ("safeguarding", True): "on the safeguarding route",
    ("safeguarding", False): "not on the safeguarding route",
    ("nudged", True): "nudged",
    ("nudged", False): "not nudged",
    ("head_told", True): "headteacher told",
    ("head_told", False): "headteacher not told",
    ("lapsed", True): "lapsed (not re-confirmed in time)",
    ("lapsed", False): "current",
    ("escalated_to", None): "not escalated",
    ("outcome", None): "not yet resolved",
}


def named(figure: Figure, words: dict[str, str]) -> str:
    """What a figure counts, in words ("Contact", "Contact · Sexual", "left to leadership, approved")."""
    parts = []
    for column, value in figure.where:
        if column == "request_status":
            continue
        if column == "verdict" and value == "REFER":
            parts.append(f"left to leadership, {DECISIONS.get(str(figure.at('request_status')), 'not asked')}")
        elif (column, value) in ANSWERS:
            parts.append(ANSWERS[(column, value)])
        else:
            parts.append(words.get(str(value), str(value)))
    return " · ".join(parts)


def summary(found: Figures, words: dict[str, str]) -> list[str]:
    """The year in a few lines, every count one of the pack's published figures."""
    start, end = found.period
    total = found.count("Concerns")
    lines = [f"Concerns reported, {start:%d %b %Y} to {end:%d %b %Y}: {said(total)}."]
    if not found.table("Concerns by area"):
        lines.append(f"Fewer than {FLOOR} concerns: too few to break down without pointing at someone.")
    else:
        areas = ", ".join(f"{named(f, words)} {f.shown}" for f in found.table("Concerns by area"))
        lines.append(f"By area: {areas}.")
        route = found.count("Concerns on the safeguarding route", safeguarding=True)
        lines.append(f"On the safeguarding route: {said(route)}.")
        stages = found.table("Concerns by when they were acknowledged")
        if stages:
            lines.append("Acknowledged " + "; ".join(f"{named(f, words)}: {f.shown}" for f in stages) + ".")
        if found.ack_median is not None and found.ack_ninth_tenth is not None:
            lines.append(
                f"Half were acknowledged within {describe(found.ack_median)}; nine in ten within "
                f"{describe(found.ack_ninth_tenth)}."
            )
    lines.append(f"Contact questions asked: {said(found.count('Contact questions'))}.")
    lines.append(f"Declared connections: {said(found.count('Declared connections'))}.")
    return lines


__all__ = ["labels", "pack", "said", "summary", "vocabulary", "year_figures"]
