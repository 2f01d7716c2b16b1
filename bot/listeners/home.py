"""The App Home: what each person sees there, chosen record by record with the permission table (so nobody sees
a record that names them), drawn by bot.views.home and bot.views.home_roles, published when the tab is opened,
after the viewer's own changes, and after anyone's change to a record it shows them (HomeRedraws)."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.deps import Deps
from bot.documents import pack_key
from bot.reminders import year_in_numbers
from bot.views import home, home_roles
from flows.permissions import POLICYBOT, Act, Kind, Record, who
from flows.taxonomy import EscalationTarget
from storage.models import Concern, ContactCheck, Declaration
from storage.records import facts
from storage.retention import REDACTED

REVIEW = Record(Kind.REVIEW)
KEPT = 50  # a member of staff's own concerns and questions read for the Home
MOST_REDRAWN = 25  # Homes redrawn after one change (views.publish is rate limited); the rest, when next opened
SETTLE = 1.0  # seconds others' Homes wait after a change, so that the changes of a busy minute are drawn together
# Whose Home shows a record: whoever may act on it or decide it, is told of it, holds its safeguarding queue or
# sees its patterns (the permission table says who, record by record).
SHOWN_TO = (
    Act.RESOLVE,
    Act.VIEW_DETAILS,
    Act.DECIDE,
    Act.ACKNOWLEDGE,
    Act.TOLD_OF_CHANGES,
    Act.ESCALATED_TO_SAFEGUARDING,
    Act.SEE_PATTERNS,
)

log = logging.getLogger(__name__)


def audience(deps: Deps, row: Any, actor: str) -> set[str]:
    """Whose Homes show `row` (as it is now), the person who changed it first and always; none for a governors'
    review but the actor's."""
    if not isinstance(row, Concern | ContactCheck | Declaration):
        return {actor} - {POLICYBOT}
    people, record = deps.directory.people(), facts(row)
    shown: set[str] = set().union(*(who(people, record, act) for act in SHOWN_TO))
    others = sorted(shown - {actor, POLICYBOT, REDACTED})[: MOST_REDRAWN - 1]
    return ({actor} - {POLICYBOT}) | set(others)


class HomeRedraws:
    """The Homes to redraw after changes: on a thread of their own, so that they never stand in the way of a click's
    work, and each person's once, however many changes came while it waited. The person who acted is drawn first;
    the others a moment later (SETTLE), so that a busy minute's changes are drawn together, not one by one. Best
    effort: a Home that could not be redrawn is redrawn when it is next opened."""

    def __init__(self, deps: Deps, client: WebClient, settle: float = SETTLE) -> None:
        self.deps = deps
        self.client = client
        self.settle = settle
        self._first: set[str] = set()  # the people who acted: drawn at once
        self._later: dict[str, float] = {}  # the others, and when they were first asked for (monotonic)
        self._lock = threading.Lock()
        self._work = threading.Event()
        self._thread: threading.Thread | None = None

    def after_change(self, row: Any, actor: str) -> None:
        try:
            people = audience(self.deps, row, actor)
        except Exception as error:  # noqa: BLE001 - the change is done; its Homes follow when next opened
            log.warning("App Homes not redrawn after a change: %s", type(error).__name__)
            return
        self.redraw({actor} & people, people - {actor})

    def redraw(self, first: set[str], later: Iterable[str] = ()) -> None:
        now = time.monotonic()
        with self._lock:
            self._first |= first
            for person in set(later) - self._first:
                self._later.setdefault(person, now)
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="policybot-homes", daemon=True)
                self._thread.start()
        self._work.set()

    def _next(self) -> tuple[str | None, float]:
        """The next Home to draw, or how long until one is due."""
        with self._lock:
            if self._first:
                user = min(self._first)
                self._first.discard(user)
                self._later.pop(user, None)
                return user, 0.0
            if not self._later:
                return None, 3600.0
            user, asked = min(self._later.items(), key=lambda item: (item[1], item[0]))
            wait = asked + self.settle - time.monotonic()
            if wait > 0:
                return None, wait
            del self._later[user]
            return user, 0.0

    def _drain(self) -> None:
        while True:
            user, wait = self._next()
            if user is None:
                self._work.wait(wait)
                self._work.clear()
                continue
            try:
                publish_home(self.deps, self.client, user)
            except Exception as error:  # noqa: BLE001 - one Home that failed does not stop the rest
                log.warning("App Home not redrawn after a change: %s", type(error).__name__)


def publish_home(deps: Deps, client: WebClient, user: str, seen: str | None = None) -> None:
    """Draw and publish one person's Home, with the hash of the view it replaces (`seen`, from the event that opened
    it, else the last one this process published), so that an older drawing never overwrites a newer one: on
    hash_conflict another drawing got there first, so it is drawn again from the records and published over it."""
    known = seen or deps.home_hashes.get(user)
    try:
        answer = client.views_publish(user_id=user, view=_view(deps, user), **({"hash": known} if known else {}))
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":
            raise
        answer = client.views_publish(user_id=user, view=_view(deps, user))
    published = (answer.get("view") or {}).get("hash")
    if isinstance(published, str):
        deps.home_hashes[user] = published


def _view(deps: Deps, user: str) -> View:
    return home.build(
        deps.checks.permissions_for(user),
        deps.declarations.declarations_for(user),
        deps.today(),
        roles(deps, user),
        deps.settings.platforms,
    )


def roles(deps: Deps, user: str) -> tuple[list[Block], list[Block]]:
    """(what waits for the viewer, shown first; what is theirs and the governors' review, shown after). Each part is
    read only for someone the permission table could show it to: the open queue for leaders, the safeguarding leads,
    the headteacher and the chair; the patterns for the headteacher and the chair."""
    now, people = deps.clock(), deps.directory.people()
    handles = user in people.leadership | people.safeguarding_leads | {people.headteacher, people.chair_of_governors}
    waiting = deps.store.open_concerns() if handles else []

    def may(concern: Concern, act: Act) -> bool:
        return user in who(people, facts(concern), act)

    acting = [c for c in waiting if may(c, Act.RESOLVE)]
    escalated = EscalationTarget.SAFEGUARDING_LEAD
    to_lead = [  # the safeguarding lead's: safeguarding concerns, and those escalated to them
        c
        for c in waiting
        if c not in acting
        and (
            c.safeguarding
            and may(c, Act.VIEW_DETAILS)
            or c.escalated_to == escalated
            and may(c, Act.ESCALATED_TO_SAFEGUARDING)
        )
    ]
    by_person: dict[str, list[Concern]] = defaultdict(list)
    if user in (people.headteacher, people.chair_of_governors):
        for concern in deps.store.naming_staff_since(now - timedelta(days=365)):
            if concern.involved_staff_id and may(concern, Act.SEE_PATTERNS):
                by_person[concern.involved_staff_id].append(concern)
    first = home_roles.queue("Waiting for you", acting, now)
    first += home_roles.queue("Safeguarding concerns", to_lead, now)
    first += home_roles.patterns(dict(by_person))
    platforms = deps.settings.platforms
    after = home_roles.mine(deps.store.reported_by(user, KEPT), deps.checks.asked_by(user, KEPT), platforms)
    if user in who(people, REVIEW, Act.REMINDED):
        review_on = deps.reviews.current_review(deps.settings.policy_review_date)
        year = year_in_numbers(deps.settings, deps.reviews, deps.today())
        pack = deps.outbox.latest(pack_key(user))
        after += home_roles.governors(review_on, deps.reviews.past(home_roles.MAX_ITEMS), year, pack)
    return first, after
