"""A Slack workspace as the Web API sees it: people, channels and their members, user groups, messages per
conversation (posted, updated, deleted, listed with their metadata), ephemeral messages, modal stacks, App Home tabs,
trigger ids and uploaded files. `answer(method, params)` is one Web API call; the HTTP side and its faults are in
sandbox/slack.py.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.files import Files

Params = dict[str, Any]
BOT = "UPOLICYBOT"
TRIGGER_SECONDS = 3.0  # as Slack: a trigger id opens one view, within three seconds


@dataclass
class Message:
    """A message as people see it now in one conversation."""

    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None
    metadata: dict[str, Any] | None
    files: list[dict[str, Any]] = field(default_factory=list)  # files shared with it (sandbox/files.py)


@dataclass
class Ephemeral:
    """A message only `user` sees, in `channel`, until they reload (Slack keeps no copy)."""

    channel: str
    user: str
    text: str
    blocks: list[Any]
    at: float


@dataclass
class View:
    """An open modal or a published App Home, as last drawn, with the field errors of its last submission."""

    id: str
    user: str | None
    view: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def dm_of(user: str) -> str:
    """The id of a person's DM with the bot."""
    return "D" + user[1:] if user[:1] in ("U", "W") else user


@dataclass
class Workspace:
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # channel id -> member ids
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    people: dict[str, dict[str, str]] = field(default_factory=dict)  # user id -> {"name": ..., "title": ...}
    strict_triggers: bool = False  # the sandbox: only trigger ids it issued, once, within 3 s
    team_id: str = "T1"  # the workspace's id, as auth.test gives it (and Slack sends it with every request)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.messages: dict[str, list[Message]] = {}  # conversation id -> its messages, oldest first
        self.deleted: list[Message] = []
        self.files = Files()
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}  # user -> open modal ids, bottom first
        self.homes: dict[str, str] = {}  # user -> their App Home's view id
        self.hashes: dict[str, str] = {}  # a Home's view id -> the hash of its current view
        self.version = 0  # bumped by every change a person could see
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._triggers: dict[str, tuple[str, float]] = {}  # issued: trigger id -> (user, issued at)
        self._used: set[str] = set()

    # --- what the sandbox and the tests read ---------------------------------------------------------------------

    def visible(self, channel: str, thread_ts: str | None = None) -> list[Message]:
        """What a person sees in a conversation now (a user id means their DM with the bot): the top-level messages,
        or with `thread_ts` the replies in that thread."""
        with self.lock:
            found = list(self.messages.get(dm_of(channel), []))
        return [m for m in found if m.thread_ts == thread_ts]

    def issue_trigger(self, user: str) -> str:
        """A trigger id for something `user` just did, as Slack puts in a payload."""
        with self.lock:
            trigger = f"{next(self._ids)}.{int(time.time())}.sandbox"
            self._triggers[trigger] = (user, time.monotonic())
            return trigger

    def skip_ids(self, count: int) -> None:
        """Ids and message timestamps start after `count` (a workspace loaded from a file: no id given twice)."""
        with self.lock:
            self._ids = itertools.count(next(self._ids) + count)
            self._ts = itertools.count(next(self._ts) + count)

    def top_view(self, user: str) -> View | None:
        with self.lock:
            stack = self.stacks.get(user) or []
            return self.views.get(stack[-1]) if stack else None

    def close_views(self, user: str, all_of_them: bool = False) -> None:
        with self.lock:
            stack = self.stacks.get(user) or []
            for view_id in stack if all_of_them else stack[-1:]:
                self.views.pop(view_id, None)
            self.stacks[user] = [] if all_of_them else stack[:-1]
            self.version += 1

    def replace_view(self, view_id: str, view: dict[str, Any], errors: dict[str, str] | None = None) -> None:
        with self.lock:
            if view_id in self.views:
                self.views[view_id].view = view
                self.views[view_id].errors = errors or {}
                self.version += 1

    def push_view(self, user: str, view: dict[str, Any]) -> str:
        with self.lock:
            view_id = f"V{next(self._ids):08d}"
            self.views[view_id] = View(view_id, user, view)
            self.stacks.setdefault(user, []).append(view_id)
            self.version += 1
            return view_id

    # --- the Web API -----------------------------------------------------------------------------------------------

    def answer(self, method: str, params: Params) -> dict[str, Any]:
        with self.lock:
            answer = self._answer(method, params)
            if answer.get("ok") and method not in ("auth.test", "conversations.info", "conversations.members"):
                self.version += 1
            return answer

    def _answer(self, method: str, params: Params) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT, "bot_id": "BPOLICYBOT", "team_id": self.team_id, "team": "School"}
        if method in ("chat.postMessage", "chat.update", "chat.delete", "conversations.history"):
            return self._conversation(method, params)
        if method == "conversations.replies":
            return self._conversation(method, params)
        if method == "files.getUploadURLExternal":
            return self.files.upload_url(f"F{next(self._ids):08d}", params)
        if method == "upload":  # the content, posted to the URL files.getUploadURLExternal gave
            return self.files.receive(params)
        if method == "files.completeUploadExternal":
            answer, shared = self.files.complete(params)
            if shared:
                channel = dm_of(str(params.get("channel_id")))
                ts = f"{time.time():.0f}.{next(self._ts):06d}"
                comment = str(params.get("initial_comment") or "")
                files = [f.shown() for f in shared]
                self.messages.setdefault(channel, []).append(Message(channel, ts, comment, [], None, None, files))
                for each in shared:
                    each.shared_in.append(channel)
            return answer
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": dm_of(str(params.get("users")))}}
        if method == "chat.postEphemeral":
            user, channel = str(params.get("user")), str(params.get("channel"))
            if channel in self.members and user not in self.members[channel]:
                return {"ok": False, "error": "user_not_in_channel"}
            blocks = list(params.get("blocks") or [])
            self.ephemerals.append(Ephemeral(channel, user, str(params.get("text") or ""), blocks, time.time()))
            return {"ok": True, "channel": channel, "message_ts": f"{time.time():.6f}"}
        if method == "response_url":  # Slack's answer to a payload's response_url: to the person, or the channel
            if params.get("response_type") == "in_channel":
                return self._conversation("chat.postMessage", params)
            return self._answer("chat.postEphemeral", params)
        if method in ("views.open", "views.push"):
            return self._open(method, params)
        if method in ("views.update", "views.publish"):
            return self._redraw(method, params)
        if method == "conversations.info":
            info = self.channels.get(str(params.get("channel")))
            if info is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": params.get("channel"), **info}}
        if method == "conversations.members":
            members = self.members.get(str(params.get("channel")), [])
            return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.usergroups.get(str(params.get("usergroup")), [])}
        if method == "users.info":
            person = self.people.get(str(params.get("user")))
            if person is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": params.get("user"), "real_name": person["name"], **person}}
        return {"ok": False, "error": "unknown_method"}

    def _open(self, method: str, params: Params) -> dict[str, Any]:
        """A trigger opens one view (Slack refuses it a second time, or after three seconds)."""
        trigger = str(params.get("trigger_id"))
        if trigger in self._used:
            return {"ok": False, "error": "expired_trigger_id"}
        issued = self._triggers.get(trigger)
        if self.strict_triggers:
            if issued is None:
                return {"ok": False, "error": "invalid_trigger_id"}
            if time.monotonic() - issued[1] > TRIGGER_SECONDS:
                return {"ok": False, "error": "expired_trigger_id"}
        self._used.add(trigger)
        user = issued[0] if issued else None
        view = _as_dict(params.get("view"))
        if user is None:
            view_id = f"VOPENED{next(self._ids)}"
            self.views[view_id] = View(view_id, None, view)
        elif method == "views.open":
            self.close_views(user, all_of_them=True)
            view_id = self.push_view(user, view)
        else:
            view_id = self.push_view(user, view)
        return {"ok": True, "view": {"id": view_id, **view}}

    def _redraw(self, method: str, params: Params) -> dict[str, Any]:
        view = _as_dict(params.get("view"))
        if method == "views.publish":  # a hash, when given, must be the Home's current one (Slack's race guard)
            user = str(params.get("user_id"))
            view_id = self.homes.get(user) or f"VHOME{next(self._ids)}"
            current = self.hashes.get(view_id)
            if params.get("hash") and params.get("hash") != current:
                return {"ok": False, "error": "hash_conflict"}
            self.homes[user] = view_id
            self.views[view_id] = View(view_id, user, view)
            self.hashes[view_id] = f"{view_id}.{next(self._ids)}"
            return {"ok": True, "view": {"id": view_id, **view, "hash": self.hashes[view_id]}}
        view_id = str(params.get("view_id") or "")
        if view_id not in self.views:
            if self.strict_triggers:
                return {"ok": False, "error": "not_found"}
            return {"ok": True, "view": {"id": view_id or f"VUPDATED{next(self._ids)}", **view}}
        self.views[view_id].view, self.views[view_id].errors = view, {}
        return {"ok": True, "view": {"id": view_id, **view}}

    def _conversation(self, method: str, params: Params) -> dict[str, Any]:
        """Messages kept per conversation, as Slack keeps them: posted, updated, deleted, listed with metadata."""
        channel = dm_of(str(params.get("channel")))
        kept = self.messages.setdefault(channel, [])
        if method == "chat.postMessage":
            metadata = params.get("metadata")
            ts = f"{time.time():.0f}.{next(self._ts):06d}"
            text, blocks = str(params.get("text") or ""), list(params.get("blocks") or [])
            metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
            kept.append(Message(channel, ts, text, blocks, params.get("thread_ts") or None, metadata))
            return {"ok": True, "channel": channel, "ts": ts}
        found = [m for m in kept if m.ts == params.get("ts")]
        if method == "chat.update":
            for message in found:
                message.text, message.blocks = str(params.get("text") or ""), list(params.get("blocks") or [])
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method == "chat.delete":
            if not found:
                return {"ok": False, "error": "message_not_found"}
            kept.remove(found[0])
            self.deleted.append(found[0])
            return {"ok": True, "channel": channel, "ts": params.get("ts")}
        if method == "conversations.replies":
            listed = [m for m in kept if m.ts == params.get("ts") or m.thread_ts == params.get("ts")]
        else:  # history: top-level messages from `oldest`, newest first
            oldest = float(params.get("oldest") or 0)
            listed = [m for m in reversed(kept) if m.thread_ts is None and float(m.ts) >= oldest]
        limit = int(params.get("limit") or 100)
        return {
            "ok": True,
            "messages": [
                {
                    "type": "message",
                    "ts": m.ts,
                    "text": m.text,
                    "thread_ts": m.thread_ts,
                    "metadata": m.metadata,
                    **({"files": m.files} if m.files else {}),
                }
                for m in listed[:limit]
            ],
            "has_more": len(listed) > limit,
        }


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})
