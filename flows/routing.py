"""Who receives a concern, who may see its details and who may act on it.

The policy sends concerns to the leadership team and illegal material to the safeguarding route. Nobody is ever
shown, or asked to decide, a concern about themselves: when the staff member involved is one of those who would
receive it, it goes instead to the headteacher, or to the chair of governors when the headteacher is involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class People:
    """The school's roles as Slack user ids."""

    leadership: frozenset[str]
    safeguarding_leads: frozenset[str]
    headteacher: str
    chair_of_governors: str


class RouteKind(StrEnum):
    CHANNEL = "channel"  # the private leadership channel
    DIRECT = "direct"  # a DM to one person, because of a conflict of interest


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    recipient: str | None  # the DM recipient for a DIRECT route
    viewers: frozenset[str]  # may open View details
    deciders: frozenset[str]  # may acknowledge, escalate, resolve
    alert: frozenset[str]  # safeguarding leads to DM at once


def route(people: People, *, safeguarding: bool, involved: str | None) -> Route:
    would_receive = people.leadership | people.safeguarding_leads | {people.headteacher}
    if involved is not None and involved in would_receive:
        recipient = people.chair_of_governors if involved == people.headteacher else people.headteacher
        only = frozenset({recipient})
        return Route(RouteKind.DIRECT, recipient, only, only, only if safeguarding else frozenset())
    excluded = {involved} if involved else set()
    leaders = people.leadership | {people.headteacher}
    if safeguarding:
        viewers = people.safeguarding_leads | {people.headteacher}
        deciders = leaders | people.safeguarding_leads
        alert = people.safeguarding_leads
    else:
        viewers = leaders | people.safeguarding_leads
        deciders = leaders
        alert = frozenset()
    return Route(
        RouteKind.CHANNEL,
        None,
        frozenset(viewers - excluded),
        frozenset(deciders - excluded),
        frozenset(alert - excluded),
    )
