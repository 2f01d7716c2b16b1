"""Who holds which role right now: the configured ids, the leadership user group's members and the leadership
channel's members.

The memberships are read from Slack at start-up and then by the scheduler every few minutes, never while a request
waits: listeners only read what is cached. What could not be read stays as last known; channel members never read
are "unknown", and placement then takes the safe way (flows.permissions).
"""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient

from bot.config import Settings
from bot.slack_api import SLACK_FAILURES, slack_reason
from flows.permissions import Act, People, Record, who

log = logging.getLogger(__name__)

REFRESH_SECONDS = 300


class Directory:
    def __init__(self, settings: Settings, client: WebClient) -> None:
        self.settings = settings
        self.client = client
        self._lock = threading.Lock()
        self._group: frozenset[str] = frozenset()
        self._governors: frozenset[str] = frozenset()
        self._staff: frozenset[str] = frozenset()
        self._channel: frozenset[str] | None = None

    def refresh(self) -> None:
        """Read the memberships from Slack; keep what was known for anything that fails. Never raises."""
        group = self._read_group(self.settings.leadership_usergroup_id, "leadership")
        governors = self._read_group(self.settings.governors_usergroup_id, "governors")
        staff = self._read_group(self.settings.staff_usergroup_id, "staff")
        channel = self._read_channel()
        with self._lock:
            if staff is not None:
                self._staff = staff
            if group is not None:
                self._group = group
            if governors is not None:
                self._governors = governors
            if channel is not None:
                self._channel = channel

    def _read_group(self, group_id: str | None, what: str) -> frozenset[str] | None:
        if group_id is None:
            return frozenset()
        try:
            users = self.client.usergroups_users_list(usergroup=group_id).get("users") or []
            return frozenset(u for u in users if isinstance(u, str))
        except SLACK_FAILURES as error:
            log.warning("could not read the %s user group (%s)", what, slack_reason(error))
            return None

    def _read_channel(self) -> frozenset[str] | None:
        members: set[str] = set()
        cursor = None
        try:
            while True:
                page = self.client.conversations_members(
                    channel=self.settings.leadership_channel_id, limit=200, cursor=cursor
                )
                members.update(m for m in page.get("members") or [] if isinstance(m, str))
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return frozenset(members)
        except SLACK_FAILURES as error:
            log.warning("could not read the leadership channel's members (%s)", slack_reason(error))
            return None

    def people(self) -> People:
        s = self.settings
        with self._lock:
            group, channel, governors = self._group, self._channel, self._governors
        return People(
            leadership=s.leadership_user_ids | group,
            safeguarding_leads=s.safeguarding_lead_ids,
            headteacher=s.headteacher_id,
            chair_of_governors=s.chair_of_governors_id,
            channel_members=channel,
            governors=s.governor_user_ids | governors,  # GOVERNOR_USER_IDS and the governors' user group
            trust_safeguarding_leads=s.trust_safeguarding_lead_ids,
        )

    def everyone(self) -> frozenset[str]:
        """Everyone named at the school in any role (user groups as last read): for finding a person's school."""
        people = self.people()
        with self._lock:
            staff = self.settings.staff_user_ids | self._staff
        named = {people.headteacher, people.chair_of_governors} - {""}
        return staff | people.leadership | people.safeguarding_leads | people.governors | named

    def who(self, record: Record, act: Act) -> frozenset[str]:
        """Who the act is open to for this record, with today's roles: flows.permissions' answer, and the only one."""
        return who(self.people(), record, act)

    def may(self, record: Record, act: Act, person: str) -> bool:
        return person in self.who(record, act)
