"""Which school an event belongs to: by its workspace (or, under an org-wide install, its organisation); within a
workspace several schools share, by the school that drew the button or form, the leadership channel a button sits in,
then by the person's school; a person in two schools (a peripatetic teacher) chooses; a person in none is told whom
to ask, and nothing is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """A school as events find it."""

    school_id: int
    key: str
    name: str
    team_id: str | None  # its workspace (T...) or organisation (E...); None: the one school run from the settings
    leadership_channel: str | None
    people: frozenset[str]  # everyone named at the school in any role, user groups already expanded


@dataclass(frozen=True)
class Arrival:
    """What an event says of where it came from."""

    team_id: str | None
    enterprise_id: str | None = None
    channel_id: str | None = None  # where a button sat, or a command was typed
    user_id: str | None = None
    chosen: str | None = None  # the school's key, as the person chose it in a form
    drawn_for: str | None = None  # the school's key, as the button or form they used carries it (bot.stamps)


@dataclass(frozen=True)
class One:
    place: Place


@dataclass(frozen=True)
class Choose:
    """The person belongs to several schools here: the form asks which (their keys and names, in key order)."""

    places: tuple[Place, ...]


@dataclass(frozen=True)
class Nobody:
    """No school here has this person (or this workspace): they are told whom to ask, and nothing is stored."""

    why: str


Belongs = One | Choose | Nobody

NOT_OURS = "This Slack workspace is not one of the schools policybot serves."
NOT_NAMED = (
    "policybot does not know which school you belong to, so nothing was saved. Please ask your school's IT lead "
    "to add you to the trust's schools file."
)


def which_school(places: Sequence[Place], arrival: Arrival) -> Belongs:
    """The school the event belongs to, or who must choose, or nobody."""
    settings = [p for p in places if p.team_id is None]
    if settings:
        return One(settings[0])  # one school, run from the settings: every workspace the app is in is its
    here = [p for p in places if p.team_id == arrival.team_id]
    if not here and arrival.enterprise_id:
        here = [p for p in places if p.team_id == arrival.enterprise_id]
    if not here:
        return Nobody(NOT_OURS)
    if len(here) == 1:
        return One(here[0])
    for rule in (
        lambda p: p.key == arrival.drawn_for,  # the school drew it: its permissions then say who may use it
        lambda p: p.key == arrival.chosen and arrival.user_id in p.people,  # never a school they are not in
        lambda p: arrival.channel_id is not None and p.leadership_channel == arrival.channel_id,
    ):
        matched = [p for p in here if rule(p)]
        if len(matched) == 1:
            return One(matched[0])
    theirs = sorted((p for p in here if arrival.user_id in p.people), key=lambda p: p.key)
    if len(theirs) == 1:
        return One(theirs[0])
    if theirs:
        return Choose(tuple(theirs))
    return Nobody(NOT_NAMED)
