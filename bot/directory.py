"""Who holds which role right now: configured ids plus the leadership user group's members, briefly cached."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from flows.routing import People

log = logging.getLogger(__name__)


class Directory:
    def __init__(self, settings: Settings, client: WebClient, ttl_seconds: float = 300) -> None:
        self.settings = settings
        self.client = client
        self.ttl = ttl_seconds
        self._lock = threading.Lock()
        self._group: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")

    def _group_members(self) -> frozenset[str]:
        group = self.settings.leadership_usergroup_id
        if group is None:
            return frozenset()
        with self._lock:
            if time.monotonic() - self._fetched_at > self.ttl:
                try:
                    users = self.client.usergroups_users_list(usergroup=group).get("users") or []
                    self._group = frozenset(u for u in users if isinstance(u, str))
                    self._fetched_at = time.monotonic()
                except SlackApiError as error:
                    log.warning("could not read leadership user group: %s", error.response.get("error"))
            return self._group

    def people(self) -> People:
        s = self.settings
        return People(
            leadership=s.leadership_user_ids | self._group_members(),
            safeguarding_leads=s.safeguarding_lead_ids,
            headteacher=s.headteacher_id,
            chair_of_governors=s.chair_of_governors_id,
        )
