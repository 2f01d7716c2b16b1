"""Which workspace installed policybot last, read from the installs slack_sdk's store keeps (migration 0015; the
stores themselves are bot.installs): the one school run from the settings has no workspace of its own."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, select

_BOTS = Table(
    "slack_bots",
    MetaData(),
    Column("client_id", String(32)),
    Column("team_id", String(32)),
    Column("installed_at", DateTime),
)


def latest_team(engine: Engine, client_id: str) -> str | None:
    query = select(_BOTS.c.team_id).where(_BOTS.c.client_id == client_id).order_by(_BOTS.c.installed_at.desc()).limit(1)
    with engine.connect() as connection:
        return connection.execute(query).scalar()
