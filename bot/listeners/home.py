"""The App Home: what each person sees there, chosen record by record with the permission table (so nobody sees
a record that names them), drawn by bot.views.home and bot.views.home_roles; published when the tab is opened, and
by the sender (an outbox row per person, Send.HOME) after a change to a record it shows them (bot.telling.homes)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import payload
from bot.deps import Deps
from bot.documents import pack_key
from bot.listeners.guard import Wiring
from bot.reminders import year_in_numbers
from bot.stamps import SEVERAL, stamped
from bot.views import home, home_roles
from flows.permissions import Act, who
from flows.taxonomy import EscalationTarget
from flows.which_school import NOT_NAMED
from storage.models import Concern
from storage.records import REVIEW, facts

TRUST_VIEW = (
    "As the trust's safeguarding lead, you see each school's open safeguarding concerns here, as they stand when you "
    "open this tab, and are told by direct message when one is reported. Each school's own safeguarding team acts "
    "on them."
)
KEPT = 50  # a member of staff's own concerns and questions read for the Home

log = logging.getLogger(__name__)


def publish_home(deps: Deps, client: WebClient, user: str, seen: str | None = None) -> None:
    """Draw and publish one person's Home, with the hash of the view it replaces (`seen`, from the event that opened
    it, else the last one this process published), so that an older drawing never overwrites a newer one: on
    hash_conflict another drawing got there first, so it is drawn again from the records and published over it."""
    known = seen or deps.home_hashes.get(user)
    try:
        answer = client.views_publish(user_id=user, view=home_view(deps, user), **({"hash": known} if known else {}))
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":
            raise
        answer = client.views_publish(user_id=user, view=home_view(deps, user))
    published = (answer.get("view") or {}).get("hash")
    if isinstance(published, str):
        deps.home_hashes[user] = published


def home_view(deps: Deps, user: str) -> View:
    """The person's Home as the records stand: its school's parts read in one read transaction, not one each."""
    with deps.reading_together():
        return _view(deps, user)


def _view(deps: Deps, user: str) -> View:
    """The person's Home: their school's; for someone at several of a trust's schools, each school's part under its
    name; for the trust's safeguarding lead, every school's safeguarding queue too."""
    campus = deps.campus
    if campus is None or campus.from_settings:
        return _one(deps, user)
    theirs = campus.schools_of(user)
    trust = user in campus.trust_leads
    if not theirs and not trust:
        return home.several([("", [home.notice(NOT_NAMED)])], SEVERAL, ways_in=False)
    if not trust and [school.key for school in theirs] == [deps.key]:
        return _one(deps, user)
    parts = [(school.settings.school_name, stamped(_part(school, user), school.key or "")) for school in theirs]
    if trust:
        parts.insert(0, ("", [home.notice(TRUST_VIEW)]))
        now = deps.clock()
        for school in campus.every():
            # Each school's safeguarding concerns the table tells the trust's lead of (never one that names them).
            waiting = [c for c in school.store.open_concerns() if school.directory.may(facts(c), Act.TRUST_ALERT, user)]
            queue = home_roles.trust_queue(sorted(waiting, key=lambda c: c.created_at), now)
            parts.append((f"{school.settings.school_name}: safeguarding", stamped(queue, school.key or "")))
    return home.several(parts, SEVERAL, ways_in=bool(theirs))


def _one(deps: Deps, user: str) -> View:
    return home.whole(_part(deps, user))


def _part(deps: Deps, user: str) -> list[Block]:
    """One school's part of a person's Home (the whole of it, below the ways in, at one school)."""
    return home.sections(
        deps.contact_checks.permissions_for(user),
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
    mine = {c.id for c in acting}  # by id: comparing two rows field by field costs more than drawing the Home
    escalated = EscalationTarget.SAFEGUARDING_LEAD
    to_lead = [  # the safeguarding lead's: safeguarding concerns, and those escalated to them
        c
        for c in waiting
        if c.id not in mine
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
    after = home_roles.mine(deps.store.reported_by(user, KEPT), deps.contact_checks.asked_by(user, KEPT), platforms)
    if user in who(people, REVIEW, Act.REMINDED):
        review_on = deps.reviews.current_review(deps.settings.policy_review_date)
        year = year_in_numbers(deps.settings, deps.reviews, deps.today())
        pack = deps.outbox.latest(pack_key(user))
        after += home_roles.governors(review_on, deps.reviews.past(home_roles.MAX_ITEMS), year, pack)
    return first, after


def home_opened(deps: Deps, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """The person opened the Home tab: their Home, drawn now, over the view Slack says they are looking at."""
    event = payload.event(body)
    user = event.get("user")
    if not isinstance(user, str) or not user:
        raise payload.Malformed("event.user")
    if event.get("tab", "home") == "home":
        view = event.get("view")
        seen = view.get("hash") if isinstance(view, dict) else None
        publish_home(deps, client, user, seen if isinstance(seen, str) else None)


def register(app: App, deps: Any) -> None:
    """The Home's own buttons open the forms of their features (contacts.py, declarations.py, review.py)."""
    app.event("app_home_opened")(Wiring(deps).lazily(home_opened))
