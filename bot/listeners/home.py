"""The App Home: what each person sees there, chosen record by record with the permission table (so nobody sees
a record that names them), drawn by bot.views.home and bot.views.home_roles, published when the tab is opened,
after the viewer's own changes, and after anyone's change to a record it shows them (HomeRedraws)."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from bot.deps import Deps
from bot.documents import pack_key
from bot.reminders import year_in_numbers
from bot.views import home, home_roles
from flows.permissions import POLICYBOT, Act, Kind, Record
from flows.taxonomy import EscalationTarget
from storage.models import Concern, ContactCheck, Declaration
from storage.records import facts
from storage.retention import REDACTED

REVIEW = Record(Kind.REVIEW)
KEPT = 50  # a member of staff's own concerns and questions read for the Home
MOST_REDRAWN = 25  # Homes redrawn after one change (views.publish is rate limited); the rest, when next opened
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
    """Whose Homes show `row` (as it is now), and the person who changed it; none for a governors' review."""
    if not isinstance(row, Concern | ContactCheck | Declaration):
        return set()
    record = facts(row)
    shown: set[str] = set().union(*(deps.directory.who(record, act) for act in SHOWN_TO))
    return (shown | {actor}) - {POLICYBOT, REDACTED}


class HomeRedraws:
    """The Homes to redraw after changes: on a thread of their own, so that they never stand in the way of a click's
    work (whose trigger to open a form lasts three seconds), and each person's once, however many changes came
    while it waited. Best effort: a Home that could not be redrawn is redrawn when it is next opened."""

    def __init__(self, deps: Deps, client: WebClient) -> None:
        self.deps = deps
        self.client = client
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="policybot-homes")

    def after_change(self, row: Any, actor: str) -> None:
        try:
            people = set(sorted(audience(self.deps, row, actor))[:MOST_REDRAWN])
        except Exception as error:  # noqa: BLE001 - the change is done; its Homes follow when next opened
            log.warning("App Homes not redrawn after a change: %s", type(error).__name__)
            return
        with self._lock:
            fresh = people - self._waiting
            self._waiting |= people
        if fresh:
            self._thread.submit(self._drain)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._waiting:
                    return
                user = min(self._waiting)
                self._waiting.discard(user)
            try:
                publish_home(self.deps, self.client, user)
            except Exception as error:  # noqa: BLE001 - one Home that failed does not stop the rest
                log.warning("App Home not redrawn after a change: %s", type(error).__name__)


def publish_home(deps: Deps, client: WebClient, user: str) -> None:
    view = home.build(
        deps.checks.permissions_for(user),
        deps.declarations.declarations_for(user),
        deps.today(),
        roles(deps, user),
        deps.settings.platforms,
    )
    client.views_publish(user_id=user, view=view)


def roles(deps: Deps, user: str) -> tuple[list[Block], list[Block]]:
    """(what waits for the viewer, shown first; what is theirs and the governors' review, shown after)."""
    now = deps.clock()
    waiting = deps.store.open_concerns()

    def may(concern: Concern, act: Act) -> bool:
        return user in deps.directory.who(facts(concern), act)

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
    for concern in deps.store.naming_staff_since(now - timedelta(days=365)):
        if concern.involved_staff_id and may(concern, Act.SEE_PATTERNS):
            by_person[concern.involved_staff_id].append(concern)
    first = home_roles.queue("Waiting for you", acting, now)
    first += home_roles.queue("Safeguarding concerns", to_lead, now)
    first += home_roles.patterns(dict(by_person))
    platforms = deps.settings.platforms
    after = home_roles.mine(deps.store.reported_by(user, KEPT), deps.checks.asked_by(user, KEPT), platforms)
    if user in deps.directory.who(REVIEW, Act.REMINDED):
        review_on = deps.reviews.current_review(deps.settings.policy_review_date)
        year = year_in_numbers(deps.settings, deps.reviews, deps.today())
        pack = deps.outbox.latest(pack_key(user))
        after += home_roles.governors(review_on, deps.reviews.past(home_roles.MAX_ITEMS), year, pack)
    return first, after
