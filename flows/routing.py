"""Who receives a concern, who may see its details and who may act on it.

The policy sends concerns to the leadership team and illegal material to the safeguarding route. Nobody is ever
shown, or asked to decide, a concern about themselves: when the staff member involved is one of those who would
receive it (a leader, a safeguarding lead, or anyone else in the leadership channel), it goes instead to the
headteacher, or to the chair of governors when the headteacher is involved. When it is not known who is in the
channel, a concern that names a member of staff takes that safe way too.
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
    channel_members: frozenset[str] | None = frozenset()  # None: the leadership channel's members are not known


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


def _would_see(people: People, involved: str) -> bool:
    if people.channel_members is None:
        return True  # unknown: assume the worst
    return involved in people.leadership | people.safeguarding_leads | {people.headteacher} | people.channel_members


def route(people: People, *, safeguarding: bool, involved: str | None) -> Route:
    excluded = {involved} if involved else set()
    leads = frozenset(people.safeguarding_leads - excluded)
    if involved is not None and _would_see(people, involved):
        recipient = people.chair_of_governors if involved == people.headteacher else people.headteacher
        handlers = {recipient} | (leads if safeguarding else set())
        return Route(
            RouteKind.DIRECT,
            recipient,
            frozenset(handlers),
            frozenset(handlers),
            leads if safeguarding else frozenset(),
        )
    leaders = people.leadership | {people.headteacher}
    if safeguarding:
        # Illegal material or a child at risk: the safeguarding lead(s) and the headteacher see and decide it.
        viewers = deciders = people.safeguarding_leads | {people.headteacher}
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
