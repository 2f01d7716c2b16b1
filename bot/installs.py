"""Slack's OAuth installs, kept by slack_sdk's own SQLAlchemy stores (tables made by migration 0015): which
workspaces installed policybot, with their bot tokens, and the short-lived states of installs under way. Used when
SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set; a bot token alone (SLACK_BOT_TOKEN) needs none of it. Tokens are
secrets: nothing here logs one. slack_sdk's stores open their own connections (the one exception to storage/
opening every session): they are Slack's library's, and hold no school's records."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData

STATE_SECONDS = 600  # an install begun and not finished within ten minutes must begin again


def installation_store(engine: Engine, client_id: str) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine)


def school_install(store: SQLAlchemyInstallationStore, team: str) -> Installation | None:
    """The install a school's work uses: its workspace's (T...), or its organisation's org-wide one (E...: the
    schools file names the organisation under Enterprise Grid)."""
    if team.startswith("E"):
        return store.find_installation(enterprise_id=team, team_id=None, is_enterprise_install=True)
    return store.find_installation(enterprise_id=None, team_id=team)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine)


def with_install_tables(metadata: MetaData) -> MetaData:
    """`metadata`'s tables and the install tables, as slack_sdk defines them (what migration 0015 must match)."""
    found = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(found)
    SQLAlchemyInstallationStore.build_installations_table(
        found, SQLAlchemyInstallationStore.default_installations_table_name
    )
    SQLAlchemyInstallationStore.build_bots_table(found, SQLAlchemyInstallationStore.default_bots_table_name)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(found, SQLAlchemyOAuthStateStore.default_table_name)
    return found
