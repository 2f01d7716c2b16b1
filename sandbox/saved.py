"""The sandbox's workspace kept between runs (sandbox.json beside sandbox.db): the conversations, App Homes and
open modals people saw, so that a sandbox started again without --reset shows what its database remembers."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict
from pathlib import Path

from sandbox.workspace import Ephemeral, Message, View, Workspace

log = logging.getLogger(__name__)


def save(workspace: Workspace, path: Path) -> None:
    with workspace.lock:
        data = {
            "version": workspace.version,
            "messages": {c: [asdict(m) for m in kept] for c, kept in workspace.messages.items()},
            "ephemerals": [asdict(e) for e in workspace.ephemerals],
            "views": [asdict(v) for v in workspace.views.values()],
            "stacks": workspace.stacks,
            "homes": workspace.homes,
        }
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(data))
    os.replace(partial, path)  # never half a file


def load(workspace: Workspace, path: Path) -> None:
    """What was saved, if anything; a file that cannot be read is set aside and the workspace starts empty."""
    if not path.exists():
        return
    try:
        data = json.loads(path.read_text())
        messages = {c: [Message(**m) for m in kept] for c, kept in data["messages"].items()}
        ephemerals = [Ephemeral(**e) for e in data["ephemerals"]]
        views = {v["id"]: View(**v) for v in data["views"]}
        stacks, homes, version = dict(data["stacks"]), dict(data["homes"]), int(data["version"])
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("%s could not be read: the sandbox's conversations start empty", path.name)
        path.rename(path.with_suffix(".json.unreadable"))
        return
    with workspace.lock:
        workspace.messages, workspace.ephemerals, workspace.views = messages, ephemerals, views
        workspace.stacks, workspace.homes, workspace.version = stacks, homes, version
        workspace.skip_ids(len(views) + sum(len(kept) for kept in messages.values()) + version)


def keep_saving(workspace: Workspace, path: Path, stop: threading.Event, every: float = 1.0) -> threading.Thread:
    """Save whenever something changed, until `stop` is set (then once more)."""

    def loop() -> None:
        saved = -1
        while True:
            stopping = stop.wait(every)
            if workspace.version != saved or stopping:
                saved = workspace.version
                try:
                    save(workspace, path)
                except OSError as error:
                    log.warning("the sandbox's conversations could not be saved (%s)", type(error).__name__)
            if stopping:
                return

    thread = threading.Thread(target=loop, name="sandbox-save", daemon=True)
    thread.start()
    return thread
