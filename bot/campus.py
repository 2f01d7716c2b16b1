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
from bot.ids import CHECK_COMMAND, REPORT_COMMAND
from bot.views import school_picker
from flows.errors import DomainError
from flows.which_school import Choose, Nobody, One, Place, which_school
from storage.db import make_engine
from storage.schools import described, settings_school
from storage.tenancy import for_school

log = logging.getLogger(__name__)

WHICH_UNCLEAR = (
    "policybot could not tell which of your schools this is for, so nothing was done. Please use the button or "
    "form of the school it is about."
)
PICKED = frozenset({REPORT_COMMAND, CHECK_COMMAND})  # the forms a person in several schools opens by choosing


class NotHere(DomainError):
    """Nobody at any school here (or a workspace none of the schools is in): told whom to ask; nothing is stored."""


@dataclass
class Campus:
    places: list[Place]  # each school's people are read from its Directory when a request comes
    schools: dict[str, Deps]  # by key, in key order

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
        found = which_school(places, payload.arrival(body))
        if isinstance(found, Nobody):
            raise NotHere(found.why)
        if isinstance(found, One):
            return self.schools[found.place.key]
        return found

    def ask_which(self, choose: Choose, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A person in several schools typed a command: a form asks which school (then opens the command's own)."""
        command = body.get("command")
        if command not in PICKED:
            raise NotHere(WHICH_UNCLEAR)
        trigger = payload.trigger_id(body)
        if ack.response is None:
            ack()
        client.views_open(trigger_id=trigger, view=school_picker.form(choose.places, str(command)))

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

    def send_now(self) -> None:
        """The bell rang: something was put in an outbox (the sender of each school looks at its own)."""
        for deps in self.every():
            deps.delivery.kick()

    def arm(self) -> None:
        """The bell rang: a due time was stored (each school's nudge pass wakes for its own)."""
        for deps in self.every():
            deps.nudger.arm()

    def in_background(self, work: Callable[..., object], *args: Any) -> None:
        self.first.in_background(work, *args)  # every school's Deps shares these threads

    def in_trigger_lane(self, work: Callable[..., None], *args: Any) -> None:
        self.first.in_trigger_lane(work, *args)


def build_campus(settings: Settings, clock: Callable[[], datetime] | None = None) -> Campus:
    """Every school the database holds, each with its own Deps on one engine (one pool) and the same threads; the
    one school the settings describe when no schools file was imported."""
    engine = make_engine(settings.database_url)
    schools = described(engine)
    if not schools:
        return Campus.single(Deps.build(settings, clock, engine=settings_school(engine)))
    built: dict[str, Deps] = {}
    places: list[Place] = []
    for school_id, school in schools:
        deps = Deps.build(settings.for_school(school), clock, engine=for_school(engine, school_id), key=school.key)
        if built:
            deps.share_threads(next(iter(built.values())))
        built[school.key] = deps
        places.append(Place(school_id, school.key, school.name, school.team_id, school.leadership_channel, frozenset()))
    return Campus(places, built)
