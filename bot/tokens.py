"""A workspace's bot token when policybot is installed through Slack's OAuth flow: read from the installation store,
kept in memory a few minutes (an uninstall is noticed), and renewed before it expires when Slack rotates tokens
(TokenRotator, as Bolt does for a request; here for the work no request starts: the sender, nudges, reminders, the
directory's refresh). Never logged."""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from bot.installs import installation_store, school_install

KEEP_SECONDS = 300  # a token read is used this long before it is read again
RENEW_MINUTES = 120  # a rotating token is renewed this long before it expires (Bolt's default)


class NotInstalled(SlackClientError):
    """No workspace (or not this school's) has installed policybot yet, or it was uninstalled: nothing can be sent
    there; the outbox keeps what waits and tries again."""


class InstalledToken:
    def __init__(self, engine: Engine, client_id: str, client_secret: str, team_id: str, api_url: str | None) -> None:
        self.store = installation_store(engine, client_id)
        self.engine, self.client_id, self.team_id = engine, client_id, team_id
        client = WebClient(base_url=api_url) if api_url else WebClient()
        self.rotator = TokenRotator(client_id=client_id, client_secret=client_secret, client=client)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._until = 0.0

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._until:
                self._until = time.monotonic() + KEEP_SECONDS  # or sooner, for a token due for renewal (_read)
                self._token = self._read()
            return self._token

    def forget(self) -> None:
        """Read it again at the next call: Slack refused it (revoked, or the workspace uninstalled and installed
        policybot again: bot.stamps.SchoolClient)."""
        with self._lock:
            self._token = None

    def _read(self) -> str:
        installation = school_install(self.store, self.team_id) if self.team_id else None
        if installation is None or not installation.bot_token:
            raise NotInstalled("policybot is not installed in this school's workspace")
        if installation.bot_refresh_token:
            renewed = self.rotator.perform_token_rotation(
                installation=installation, minutes_before_expiration=RENEW_MINUTES
            )
            if renewed is not None:
                self.store.save(renewed)
                installation = renewed
        expires = installation.bot_token_expires_at
        if expires:  # read again before it is due for renewal
            self._until = min(self._until, time.monotonic() + max(expires - time.time() - RENEW_MINUTES * 60, 0))
        assert installation.bot_token is not None
        return installation.bot_token


_SHARED: dict[tuple[str, str], InstalledToken] = {}
_SHARED_LOCK = threading.Lock()


def installed_token(
    engine: Engine, client_id: str, client_secret: str, team_id: str, api_url: str | None
) -> InstalledToken:
    """One per workspace in a process, shared by the schools in it: one read, one renewal at a time."""
    with _SHARED_LOCK:
        found = _SHARED.get((client_id, team_id))
        if found is None:
            found = _SHARED[(client_id, team_id)] = InstalledToken(engine, client_id, client_secret, team_id, api_url)
        return found
