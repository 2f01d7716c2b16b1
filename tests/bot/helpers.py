"""The real Deps on a fake clock, a real database and the fake Slack Web API, for the bot-level tests: the school's
people, the clock moved by hand, a concern reported and sent, a contact question asked, the sender run until
nothing is due."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter

from bot.config import Settings
from bot.deps import Deps
from flows.concerns import ConcernDraft
from flows.permissions import Act, RecordKind, place
from flows.taxonomy import Area, Kind, Role
from sandbox.slack import LocalSlack
from storage.commands import Changed
from tests.conftest import LONDON

CHANNEL, LEAD, HEAD = "CLEAD9", "ULEAD9", "UHEAD9"
DSL, CHAIR, GOVERNOR = "UDSL9", "UCHAIR9", "UGOV9"
MARKER = "ZQXRETAIN"  # typed into every free-text field of a concern that retention must clear
REPORTER = "USTAFFRET"  # who reported it


class NoJitter(Jitter):
    def recalculate(self, duration: float) -> float:
        return duration


# slack_sdk's back-off between retries, 100 times shorter and without its up-to-a-second random jitter
QUICK_RETRIES = BackoffRetryIntervalCalculator(backoff_factor=0.005, jitter=NoJitter())


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, year: int, month: int, day: int, hour: int, minute: int) -> Clock:
        """The school's time, as on its clocks."""
        self.now = datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)
        return self


def build(fake: LocalSlack, url: str, clock: Clock, **env: str) -> Deps:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": fake.token,
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": url,
            "LEADERSHIP_CHANNEL_ID": CHANNEL,
            "LEADERSHIP_USER_IDS": LEAD,
            "SAFEGUARDING_LEAD_IDS": DSL,
            "HEADTEACHER_ID": HEAD,
            "CHAIR_OF_GOVERNORS_ID": CHAIR,
            "GOVERNOR_USER_IDS": GOVERNOR,
            **env,
        }
    )
    deps = Deps.build(settings, clock=clock)
    for handler in deps.client.retry_handlers:  # the bot's own retries (as many, on the same failures), sooner
        handler.interval_calculator = QUICK_RETRIES
    deps.directory.refresh()
    deps.nudger.kick = lambda: settle(deps)  # what a pass puts in the outbox is sent before run() returns
    return deps


def due_now(deps: Deps) -> bool:
    """Something in the outbox falls due by now on the fake clock (what the sender's loop wakes for)."""
    earliest = deps.outbox.earliest(deps.clock())
    return earliest is not None and earliest <= deps.clock()


def settle(deps: Deps) -> None:
    """The sender's passes (messages, then App Homes), on the fake clock, until nothing is due now (a retry waits for
    the clock to move)."""
    for _ in range(10):
        if not due_now(deps):
            return
        deps.delivery.run_pass()
        deps.delivery.draw_homes()


def report(
    deps: Deps,
    key: str,
    safeguarding: bool = False,
    involved: str | None = None,
    typed: str = "x",
    reporter: str = "USTAFF9",
) -> int:
    """A concern reported and sent; `typed` is in every free-text field."""
    draft = ConcernDraft(
        reporter,
        Area.CONDUCT,
        Kind.AGGRESSIVE,
        "tiktok",
        frozenset({Role.PUPIL}),
        names=typed,
        description=typed,
        links_text=f"https://example.com/{typed}",
        safeguarding=safeguarding,
        involved_staff_id=involved,
    )
    now = deps.clock()
    where = place(deps.directory.people(), safeguarding=safeguarding, involved=involved)
    due = deps.nudger.first_due(now, safeguarding)
    concern, _ = deps.store.create(draft, key, where, now, LONDON, due, tell=deps.telling.concern_stored)
    assert concern.id is not None
    settle(deps)  # posted, alerted, receipted
    return concern.id


def ask(deps: Deps, check_id: int, staff: str, key: str) -> None:
    due = deps.nudger.first_due(deps.clock(), False)

    def post(check: Any, _added: Any) -> Any:
        return deps.telling.posted(RecordKind.CONTACT_REQUEST, check_id, deps.telling.request_drawing(check, None))

    command = deps.command(RecordKind.CONTACT_REQUEST, check_id, Act.ASK_LEADERSHIP, staff, key, due=due, tell=post)
    assert isinstance(deps.change(command), Changed)
    settle(deps)
