"""What the listeners need, built once per process: settings, store, directory, delivery, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.contact_delivery import ContactDelivery
from bot.delivery import Delivery
from bot.directory import Directory
from bot.nudges import Nudger
from bot.slack_api import make_client
from flows.contact import RuleSet
from flows.permissions import Act, Kind
from storage.checks import CheckStore
from storage.commands import Command, Outcome, change, look
from storage.concerns import ConcernStore
from storage.db import make_engine
from storage.declarations import DeclarationStore
from storage.nudges import NudgeStore
from storage.posts import PostStore
from storage.reviews import ReviewStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    client: WebClient
    store: ConcernStore
    checks: CheckStore
    declarations: DeclarationStore
    posts: PostStore
    nudges: NudgeStore
    reviews: ReviewStore
    directory: Directory
    delivery: Delivery
    rules: RuleSet
    contact_delivery: ContactDelivery
    nudger: Nudger
    clock: Callable[[], datetime] = utc_now

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def change(self, command: Command) -> Outcome:
        """A person's act on a record, through the one command path, with today's roles."""
        return change(self.engine, self.directory.people(), command)

    def look(self, command: Command, audited_as: str | None = None) -> Outcome:
        """May the person do this now (open a record's details or a form)? Refusals are audited."""
        return look(self.engine, self.directory.people(), command, audited_as)

    def command(self, kind: Kind, record_id: int, act: Act, actor: str, request_key: str, **extra: Any) -> Command:
        return Command(kind, record_id, act, actor, self.clock(), request_key, **extra)

    def today(self) -> date:
        """The school's date now (POLICYBOT_TIMEZONE), for review and re-confirmation dates."""
        return self.clock().astimezone(self.timezone).date()

    @classmethod
    def build(cls, settings: Settings, clock: Callable[[], datetime] = utc_now) -> Deps:
        engine = make_engine(settings.database_url)
        client = make_client(settings)
        store, checks, posts = ConcernStore(engine), CheckStore(engine), PostStore(engine)
        declarations, nudges, reviews = DeclarationStore(engine), NudgeStore(engine), ReviewStore(engine)
        directory = Directory(settings, client)
        rules = settings.contact_rules
        return cls(
            settings=settings,
            engine=engine,
            client=client,
            store=store,
            checks=checks,
            declarations=declarations,
            posts=posts,
            nudges=nudges,
            reviews=reviews,
            directory=directory,
            delivery=Delivery(settings, store, directory, client, clock),
            rules=rules,
            contact_delivery=ContactDelivery(settings, checks, posts, rules, client, clock),
            nudger=Nudger(settings, nudges, reviews, declarations, directory, client, clock),
            clock=clock,
        )
