"""What the listeners need, built once per process: settings, stores, directory, what people are told (telling), the
one sender (delivery), clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.clock import FileClock, utc_now
from bot.config import Settings
from bot.delivery import Delivery
from bot.directory import Directory
from bot.documents import Documents
from bot.nudges import Nudger
from bot.retention import Retention
from bot.slack_api import make_client
from bot.supervisor import ARM, SEND, Bell
from bot.telling import Telling
from bot.tokens import InstalledToken, installed_token
from flows.contact import RuleSet
from flows.permissions import Act, RecordKind
from storage.commands import Changed, Command, Result, change, look, record_look
from storage.concerns import ConcernStore
from storage.contact_checks import ContactCheckStore
from storage.db import make_engine, read_together
from storage.declarations import DeclarationStore
from storage.nudges import NudgeStore
from storage.outbox import OutboxStore
from storage.outbox_messages import Message, Tell
from storage.reviews import ReviewStore
from storage.schools import settings_school

WORKERS = 8  # threads for the work after an ack: as many as the server's request threads
SQLITE_WORKERS = 2
TRIGGER_WORKERS = 4  # threads for work that spends a trigger (a form to open within its three seconds): never queued
# behind the rest


def school_token(settings: Settings, engine: Engine) -> InstalledToken | None:
    """Under Slack's OAuth flow: the school's workspace's install's token (a trust's school's: it names its own)."""
    if not (settings.slack_client_id and settings.slack_client_secret and settings.team_id):
        return None
    return installed_token(
        engine, settings.slack_client_id, settings.slack_client_secret, settings.team_id, settings.slack_api_url
    )


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    client: WebClient
    store: ConcernStore
    contact_checks: ContactCheckStore
    declarations: DeclarationStore
    outbox: OutboxStore
    nudges: NudgeStore
    reviews: ReviewStore
    directory: Directory
    delivery: Delivery
    rules: RuleSet
    telling: Telling
    nudger: Nudger
    clock: Callable[[], datetime] = utc_now
    background: Executor | None = None  # where clicks' and commands' work runs after their ack
    trigger_lane: Executor | None = None  # where work that spends a trigger runs after its ack (a lane of its own)
    bell: Bell | None = None  # HTTP mode's workers: the sender and the nudges run in another process
    home_hashes: dict[str, str] = field(default_factory=dict)  # each App Home's view hash, as last published here
    campus: Any = None  # a trust's school: every school this bot serves (bot.campus), for a Home of several
    key: str | None = None  # a trust's school: its key, stamped on what it draws (bot.stamps); None for the settings'

    def in_background(self, work: Callable[..., object], *args: Any) -> None:
        """Run a listener's work after its ack, on the bot's own threads (bot.listeners.guard.Wiring)."""
        self._background().submit(work, *args)

    def _background(self) -> Executor:
        if self.background is None:
            # SQLite has one writer at a time: more threads would only wait for it there (its wait is not in turn, so
            # one could give up); the work queues here instead.
            workers = WORKERS if self.engine.dialect.name != "sqlite" else SQLITE_WORKERS
            self.background = ThreadPoolExecutor(workers, thread_name_prefix="policybot-work")
        return self.background

    def in_trigger_lane(self, work: Callable[..., None], *args: Any) -> None:
        """Run work that spends a trigger (opens a form) after its ack, on threads that nothing else queues on: a
        busy minute's acknowledgements, redraws and writes never make a form miss its three seconds."""
        self._trigger_lane().submit(work, *args)

    def _trigger_lane(self) -> Executor:
        if self.trigger_lane is None:
            self.trigger_lane = ThreadPoolExecutor(TRIGGER_WORKERS, thread_name_prefix="policybot-trigger")
        return self.trigger_lane

    def share_threads(self, other: Deps) -> None:
        """A trust's schools share one process's threads (bot.campus): a school of their own each would be 60 x 12."""
        self.background, self.trigger_lane = other._background(), other._trigger_lane()

    def redraw_homes(self, *people: str) -> None:
        """These people's Homes show something new that no record's change announced (the pack they asked for)."""
        self.tell(self.telling.home_messages(set(people), self.clock()))

    def reading_together(self) -> AbstractContextManager[None]:
        """This thread's reads of this school's records share one read transaction until the block ends (drawing a
        Home reads several stores one after another: storage.db.read_together)."""
        return read_together(self.engine)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def change(self, command: Command) -> Result:
        """A person's act on a record, through the one command path, with today's roles; what people are told of
        it (the command's `tell`, and the App Homes it shows up in) is sent at once."""
        with_homes = replace(command, tell=self.with_homes(command.tell, command.actor))
        result = change(self.engine, self.directory.people(), with_homes)
        if isinstance(result, Changed):
            self.send_now()
        return result

    def with_homes(self, tell: Tell | None, actor: str) -> Tell:
        """`tell`, and the App Homes the record shows up in (the `actor`'s first), drawn again by the sender in the
        background process (bot.telling.homes), never on a thread that answers Slack: all written with the record,
        in its transaction."""

        def told(row: Any, *added: Any) -> list[Message]:
            return [*(tell(row, *added) if tell is not None else []), *self.telling.homes(row, actor, self.clock())]

        return told

    def tell(self, messages: list[Message]) -> None:
        """Messages that follow no change (a post redrawn because it may show an older state), sent at once."""
        self.outbox.put(messages, self.clock())
        self.send_now()

    def send_now(self) -> None:
        """Something was just put in the outbox: the sender sends it now, not at its next pass."""
        if self.bell is not None:
            self.bell.ring(SEND, self.key)
        else:
            self.delivery.kick()

    def rearm(self, at: datetime | None = None) -> None:
        """A due time was just stored: the nudge pass wakes for it (the scheduler is read after the ack)."""
        if self.bell is not None:
            self.bell.ring(ARM, self.key)
        else:
            self.in_background(self.nudger.arm, at)

    def last_pass_at(self) -> datetime | None:
        """When the sender last finished a pass over the outbox, whichever process it runs in."""
        return self.bell.last_pass_at() if self.bell is not None else self.delivery.last_pass_at

    def look(self, command: Command, audited_as: str | None = None) -> Result:
        """May the person do this now (open a record's details or a form)? Refusals are audited."""
        return look(self.engine, self.directory.people(), command, audited_as)

    def shown(self, command: Command, row: Any, action: str = "viewed_details") -> None:
        """A record's details were shown to command.actor: recorded in its audit trail after, off the trigger lane."""
        self.in_background(record_look, self.engine, command, row, action)

    def tell_later(self, user: str, text: str) -> None:
        """A private reply Slack would not take now: to the person's DM, through the outbox (retried until sent)."""
        self.tell([Message(f"reply:{uuid.uuid4().hex}", None, user, text)])

    def command(
        self, kind: RecordKind, record_id: int, act: Act, actor: str, request_key: str, **extra: Any
    ) -> Command:
        return Command(kind, record_id, act, actor, self.clock(), request_key, **extra)

    def today(self) -> date:
        """The school's date now (POLICYBOT_TIMEZONE), for review and re-confirmation dates."""
        return self.clock().astimezone(self.timezone).date()

    @classmethod
    def build(
        cls,
        settings: Settings,
        clock: Callable[[], datetime] | None = None,
        *,
        engine: Engine | None = None,
        key: str | None = None,
    ) -> Deps:
        """`engine`: opened for the school (storage.tenancy); by default the one school the settings describe.
        `key`: a trust's school's, stamped on every button and form it draws (bot.stamps)."""
        clock = clock or (FileClock(settings.clock_file) if settings.clock_file else utc_now)
        engine = engine or settings_school(make_engine(settings.database_url))
        token = school_token(settings, engine)
        client = make_client(settings, school=key, token=token)
        # The sender's own client: no HTTP-level retry (a post repeated on a 5xx can be doubled); the outbox retries.
        sender = make_client(settings, retries=False, school=key, token=token)
        store, checks, outbox = ConcernStore(engine), ContactCheckStore(engine), OutboxStore(engine)
        declarations, nudges, reviews = DeclarationStore(engine), NudgeStore(engine), ReviewStore(engine)
        directory = Directory(settings, client)
        rules = settings.contact_rules
        telling = Telling(settings, directory, rules)
        nudger = Nudger(settings, nudges, reviews, declarations, directory, clock)
        built = cls(
            settings=settings,
            engine=engine,
            client=client,
            store=store,
            contact_checks=checks,
            declarations=declarations,
            outbox=outbox,
            nudges=nudges,
            reviews=reviews,
            directory=directory,
            delivery=Delivery(settings, outbox, sender, clock, Documents(settings, engine)),
            rules=rules,
            telling=telling,
            nudger=nudger,
            clock=clock,
            key=key,
        )
        if key is not None:
            nudger.wake_job = f"{nudger.wake_job}:{key}"
        nudger.retention = Retention(settings, engine, directory, clock, lambda: nudger.kick(), built.change)
        from bot import remaining  # these drawings need the whole of Deps
        from bot.listeners.home import publish_home

        built.delivery.draw_home = lambda user: publish_home(built, sender, user)
        built.delivery.draw_remaining = lambda row: remaining.draw(built, row)
        return built
