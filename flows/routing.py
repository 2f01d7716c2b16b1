"""Where a concern goes and who handles it, as one Route: a view of flows.permissions (which decides all of it) for
the callers that store a concern's placement."""

from __future__ import annotations

from dataclasses import dataclass

from flows.permissions import Act, Kind, People, Placement, Record, place, who

RouteKind = Placement

__all__ = ["People", "Route", "RouteKind", "route"]


@dataclass(frozen=True)
class Route:
    kind: Placement
    recipient: str | None  # the DM recipient for a DIRECT route
    viewers: frozenset[str]  # may open View details
    deciders: frozenset[str]  # may acknowledge, escalate, resolve
    alert: frozenset[str]  # safeguarding leads to DM at once


def route(people: People, *, safeguarding: bool, involved: str | None) -> Route:
    placement, direct_to = place(people, safeguarding=safeguarding, involved=involved)
    record = Record(Kind.CONCERN, None, involved, safeguarding, placement, direct_to)
    return Route(
        placement,
        direct_to,
        who(people, record, Act.VIEW_DETAILS),
        who(people, record, Act.ACKNOWLEDGE),
        who(people, record, Act.ALERT),
    )
