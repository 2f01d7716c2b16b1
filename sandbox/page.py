"""What the sandbox's page does for the person at the keyboard: what they see as the person they chose (their
conversations, ephemeral messages, open modal and App Home), and what they do, sent to the bot as Slack would send
it (sandbox/driver.py) with the bot's answer applied to the workspace as Slack applies it."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any

from sandbox.driver import Reply, SlackDriver
from sandbox.school import SEED, Group
from sandbox.workspace import BOT, Workspace, dm_of

log = logging.getLogger(__name__)

COMMANDS = ("/report-concern", "/check-contact")


class Refused(Exception):
    """What the person tried cannot be done (an unknown command, a view that is gone): said to them in one line."""


class Page:
    def __init__(self, workspace: Workspace, driver: SlackDriver, groups: tuple[Group, ...] = SEED.groups) -> None:
        self.workspace = workspace
        self.driver = driver
        self.groups = groups  # the people to choose from, by school (a trust's), with the switch between them
        self.people = list({p.id: p for group in groups for p in group.people}.values())  # each once

    # --- what a person sees ----------------------------------------------------------------------------------------

    def state(self, user: str) -> dict[str, Any]:
        ws = self.workspace
        with ws.lock:
            conversations: list[dict[str, Any]] = [
                {"id": channel, "name": f"# {info['name']}", "private": bool(info.get("is_private"))}
                for channel, info in ws.channels.items()
                if user in ws.members.get(channel, [])
            ]
            conversations.append({"id": dm_of(user), "name": "policybot (direct message)", "private": True})
            messages = {str(c["id"]): self._messages(str(c["id"])) for c in conversations}
            ephemerals = [asdict(e) for e in ws.ephemerals if e.user == user]
            modal = ws.top_view(user)
            home = ws.views.get(ws.homes.get(user, ""))
            return {
                "version": ws.version,
                "me": user,
                "people": [{"id": p.id, "name": p.name, "title": p.title} for p in self.people],
                "schools": [
                    {"key": g.key, "name": g.name, "school": g.school, "people": [p.id for p in g.people]}
                    for g in self.groups
                ],
                "names": {pid: person["name"] for pid, person in ws.people.items()},
                "conversations": conversations,
                "messages": messages,
                "ephemerals": ephemerals,
                "modal": {"id": modal.id, "view": modal.view, "errors": modal.errors} if modal else None,
                "home": {"id": home.id, "view": home.view} if home else None,
            }

    def _messages(self, channel: str) -> list[dict[str, Any]]:
        kept = self.workspace.messages.get(channel, [])
        top = [m for m in kept if m.thread_ts is None]
        return [
            {
                "ts": m.ts,
                "text": m.text,
                "blocks": m.blocks,
                "files": m.files,
                "replies": [{"ts": r.ts, "text": r.text, "blocks": r.blocks} for r in kept if r.thread_ts == m.ts],
            }
            for m in top
        ]

    def file(self, user: str, file_id: str) -> tuple[str, bytes]:
        """A file shared where the person can see it: (its name, its content)."""
        ws = self.workspace
        with ws.lock:
            kept = ws.files.kept.get(file_id)
            seen = {dm_of(user)} | {c for c, members in ws.members.items() if user in members}
            if kept is None or kept.content is None or not seen & set(kept.shared_in):
                raise Refused("That file is not shared with you")
            return kept.name, kept.content

    # --- what a person does ----------------------------------------------------------------------------------------

    def command(self, user: str, line: str, channel: str) -> None:
        name, _, text = line.strip().partition(" ")
        if not name.startswith("/"):
            raise Refused(f"Messages are not sent anywhere here: type {' or '.join(COMMANDS)}")
        if name not in COMMANDS:
            raise Refused(f"{name or 'That'} is not a command here: try {' or '.join(COMMANDS)}")
        trigger = self.workspace.issue_trigger(user)
        reply = self.driver.post(self.driver.command_body(name, user, text, channel, trigger))
        self._expect_ok(reply)
        if reply.body.strip():  # a command's own answer is shown only to the person who typed it
            body: dict[str, Any] = reply.json() if reply.body.lstrip().startswith("{") else {"text": reply.body}
            self._ephemeral(user, channel, str(body.get("text", "")), list(body.get("blocks") or []))

    def act(self, user: str, action: dict[str, Any], where: dict[str, Any]) -> None:
        trigger = self.workspace.issue_trigger(user)
        if where.get("view_id"):
            view = self._view(user, str(where["view_id"]), where.get("values") or {})
            reply = self.driver.block_action(user, action, trigger, view=view)
        else:
            channel, ts = str(where["channel"]), str(where["ts"])
            found = [m for m in self.workspace.messages.get(channel, []) if m.ts == ts]
            if not found:
                raise Refused("That message is no longer there")
            message = {"type": "message", "ts": ts, "text": found[0].text, "blocks": found[0].blocks, "user": BOT}
            reply = self.driver.block_action(user, action, trigger, message=message, channel=channel)
        self._expect_ok(reply)

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> None:
        view = self._view(user, view_id, values)
        reply = self.driver.post(self._submission(user, view))
        self._expect_ok(reply)
        answer = reply.json() if reply.body.strip() else {}
        action = answer.get("response_action")
        if action == "errors":
            drawn = {k: v for k, v in view.items() if k not in ("id", "hash", "state")}
            self.workspace.replace_view(view_id, drawn, answer.get("errors") or {})
        elif action == "update":
            self.workspace.replace_view(view_id, answer["view"])
        elif action == "push":
            self.workspace.push_view(user, answer["view"])
        else:
            self.workspace.close_views(user, all_of_them=action == "clear")

    def close(self, user: str, view_id: str) -> None:
        top = self.workspace.top_view(user)
        if top is None or top.id != view_id:
            raise Refused("That form is no longer open")
        if top.view.get("notify_on_close"):
            self._expect_ok(self.driver.view_closed(user, self._view(user, view_id, {})))
        self.workspace.close_views(user)

    def open_home(self, user: str) -> None:
        event = {"type": "app_home_opened", "user": user, "channel": dm_of(user), "tab": "home"}
        self._expect_ok(self.driver.event(event))

    # --- as Slack builds it ------------------------------------------------------------------------------------------

    def _view(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """The view as Slack sends it back in a payload: its definition, id, hash and the state of its inputs."""
        with self.workspace.lock:
            kept = self.workspace.views.get(view_id)
            if kept is None or kept.user != user:
                raise Refused("That form is no longer open")
            drawn = kept.view
        return {
            **drawn,
            "id": view_id,
            "hash": f"{view_id}.{self.workspace.version}",
            "state": {"values": values},
        }

    def _submission(self, user: str, view: dict[str, Any]) -> str:
        return self.driver.submission_body(
            str(view.get("callback_id", "")),
            view["state"]["values"],
            user,
            view_id=view["id"],
            private_metadata=str(view.get("private_metadata") or ""),
        )

    def _ephemeral(self, user: str, channel: str, text: str, blocks: list[Any]) -> None:
        self.workspace.answer("chat.postEphemeral", {"user": user, "channel": channel, "text": text, "blocks": blocks})

    @staticmethod
    def _expect_ok(reply: Reply) -> None:
        if reply.status != 200:
            log.warning("the bot answered %d", reply.status)
            raise Refused(f"policybot answered {reply.status}: it may still be starting, or has stopped")


def as_json(data: Any) -> bytes:
    return json.dumps(data).encode()
