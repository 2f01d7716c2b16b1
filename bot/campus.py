"""One bot for a trust's schools: each school its own Deps (its engine, opened for its rows only, its settings, its
people, its outbox and sender), and which of them a request belongs to (flows.which_school). A database with no
schools imported holds the one school the settings describe: a campus of one, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import payload
from bot.config import Settings
from bot.deps import Deps
from bot.views import school_picker
from flows.errors import DomainError
from flows.which_school import Choose, Nobody, One, Place, which_school
from storage.db import make_engine
from storage.schools import described, settings_school, trust_leads
from storage.tenancy import for_school

log = logging.getLogger(__name__)

WHICH_UNCLEAR = (
    "policybot could not tell which of your schools this is for, so nothing was done. Please use the button or "
    "form of the school it is about."
)


TRUST_LEAD = (
    "You are the trust's safeguarding lead, named at no school, so nothing was done or saved. Reports and contact "
    "questions are made as a member of a school's staff: if you work at one, ask whoever keeps the trust's schools "
    "file to add you to that school."
)


class NotHere(DomainError):
    """Nobody at any school here (or a workspace none of the schools is in): told whom to ask; nothing is stored."""


@dataclass
class Campus:
    places: list[Place]  # each school's people are read from its Directory when a request comes
    schools: dict[str, Deps]  # by key, in key order
    trust_leads: frozenset[str] = frozenset()  # the trust's safeguarding leads: every school's queue in their Home

    @classmethod
    def single(cls, deps: Any) -> Campus:
        """The one school run from the settings: every request is its."""
        return cls([Place(0, "school", "", None, None, frozenset())], {"school": deps})

    @classmethod
    def of(cls, served: Any) -> Campus:
        """A campus as it is, or one school's Deps as a campus of one."""
        return served if isinstance(served, Campus) else cls.single(served)

    @property
    def first(self) -> Deps:
        return next(iter(self.schools.values()))

    @property
    def from_settings(self) -> bool:
        """The one school the settings describe (no schools file imported): every request is its."""
        return len(self.places) == 1 and self.places[0].team_id is None

    def every(self) -> list[Deps]:
        return list(self.schools.values())

    def where(self, body: dict[str, Any]) -> Deps | Choose:
        """The school's Deps a request belongs to, or the schools the person must choose between; NotHere for
        nobody's (its sentence says whom to ask)."""
        if self.from_settings:
            return self.first
        places = [replace(p, people=self.schools[p.key].directory.everyone()) for p in self.places]
        arrival = payload.arrival(body)
        found = which_school(places, arrival)
        if _home_opened(body) and not isinstance(found, One):
            return self.first  # a Home of several schools, or of none (bot.listeners.home draws it for the person)
        if isinstance(found, Nobody):
            raise NotHere(TRUST_LEAD if arrival.user_id in self.trust_leads else found.why)
        if isinstance(found, One):
            return self.schools[found.place.key]
        return found

    def ask_which(self, choose: Choose, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A person in several schools typed a command (or pressed a button of a Home of several schools): a form
        asks which school, then opens the form they asked for."""
        wanted = body.get("command")
        if wanted is None and body.get("type") == "block_actions":
            wanted = school_picker.FROM_HOME.get(str(payload.action(body).get("action_id")))
        if wanted not in school_picker.WHAT:
            raise NotHere(WHICH_UNCLEAR)
        trigger = payload.trigger_id(body)
        if ack.response is None:
            ack()
        client.views_open(trigger_id=trigger, view=school_picker.form(choose.places, str(wanted)))

    def schools_of(self, user: str) -> list[Deps]:
        """The schools a person is named at, in key order (all of them for the one school run from the settings)."""
        if self.from_settings:
            return self.every()
        return [deps for deps in self.every() if user in deps.directory.everyone()]

    def tell_later(self, user: str, text: str) -> None:
        """A private reply Slack would not take now, to the person's DM through one of their schools' outboxes."""
        if self.from_settings:
            self.first.tell_later(user, text)
            return
        theirs = [deps for deps in self.every() if user in deps.directory.everyone()]
        if theirs:
            theirs[0].tell_later(user, text)
        else:
            log.info("private reply not sent later: the person is at none of the schools")

    def send_now(self, key: str | None = None) -> None:
        """The bell rang: something was put in school `key`'s outbox (None: the one school's)."""
        for deps in self._rung(key):
            deps.delivery.kick()

    def arm(self, key: str | None = None) -> None:
        """The bell rang: a due time was stored at school `key` (None: the one school's)."""
        for deps in self._rung(key):
            deps.nudger.arm()

    def _rung(self, key: str | None) -> list[Deps]:
        return [self.schools[key]] if key in self.schools else self.every()

    def in_background(self, work: Callable[..., object], *args: Any) -> None:
        self.first.in_background(work, *args)  # every school's Deps shares these threads

    def in_trigger_lane(self, work: Callable[..., None], *args: Any) -> None:
        self.first.in_trigger_lane(work, *args)


def _home_opened(body: dict[str, Any]) -> bool:
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") == "app_home_opened"


def build_campus(settings: Settings, clock: Callable[[], datetime] | None = None) -> Campus:
    """Every school the database holds, each with its own Deps on one engine (one pool) and the same threads; the
    one school the settings describe when no schools file was imported."""
    engine = make_engine(settings.database_url)
    schools = described(engine)
    if not schools:
        return Campus.single(Deps.build(settings, clock, engine=settings_school(engine)))
    built: dict[str, Deps] = {}
    places: list[Place] = []
    leads = trust_leads(engine)
    for school_id, school in schools:
        school_settings = settings.for_school(school, leads)
        deps = Deps.build(school_settings, clock, engine=for_school(engine, school_id), key=school.key)
        if built:
            first = next(iter(built.values()))
            deps.share_threads(first)
            deps.delivery.share_with(first.delivery)
        built[school.key] = deps
        places.append(Place(school_id, school.key, school.name, school.team_id, school.leadership_channel, frozenset()))
    campus = Campus(places, built, leads)
    for deps in built.values():
        deps.campus = campus
    return campus
