"""What the listeners need, built once per process: settings, store, directory, delivery, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery import Delivery
from bot.directory import Directory
from bot.slack_api import make_client
from storage.db import make_engine
from storage.repositories import ConcernStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    client: WebClient
    store: ConcernStore
    directory: Directory
    delivery: Delivery
    clock: Callable[[], datetime] = utc_now

    @classmethod
    def build(cls, settings: Settings, clock: Callable[[], datetime] = utc_now) -> Deps:
        engine = make_engine(settings.database_url)
        client = make_client(settings)
        store = ConcernStore(engine)
        directory = Directory(settings, client)
        delivery = Delivery(settings, store, directory, client, clock)
        return cls(settings, engine, client, store, directory, delivery, clock)
