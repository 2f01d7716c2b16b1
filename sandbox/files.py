"""Files as Slack's upload flow keeps them: files.getUploadURLExternal gives an id and a URL, the content is posted
to that URL, files.completeUploadExternal shares it in a conversation (as a message carrying the file). The
workspace (sandbox/workspace.py) posts that message; the page offers the content for download."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Params = dict[str, Any]


@dataclass
class SlackFile:
    id: str
    name: str
    length: int
    title: str = ""
    content: bytes | None = None  # None until it is uploaded
    shared_in: list[str] = field(default_factory=list)

    def shown(self) -> dict[str, Any]:
        """As a message's `files` lists it (and the page shows it)."""
        return {"id": self.id, "name": self.name, "title": self.title or self.name, "size": len(self.content or b"")}


class Files:
    def __init__(self) -> None:
        self.kept: dict[str, SlackFile] = {}
        self.upload_base = "http://127.0.0.1/upload/"  # where contents are posted: the fake Slack's own address

    def upload_url(self, file_id: str, params: Params) -> dict[str, Any]:
        name = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except ValueError:
            length = 0
        if not name or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        self.kept[file_id] = SlackFile(file_id, name, length)
        return {"ok": True, "file_id": file_id, "upload_url": self.upload_base + file_id}

    def receive(self, params: Params) -> dict[str, Any]:
        found = self.kept.get(str(params.get("file")))
        content = params.get("content")
        if found is None or not isinstance(content, bytes):
            return {"ok": False, "error": "file_not_found"}
        found.content = content
        return {"ok": True}

    def complete(self, params: Params) -> tuple[dict[str, Any], list[SlackFile]]:
        """Slack's answer, and the files to share (in params["channel_id"]) if it is ok."""
        try:
            listed = json.loads(params.get("files") or "[]")
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}, []
        found = []
        for item in listed if isinstance(listed, list) else []:
            kept = self.kept.get(str((item or {}).get("id")))
            if kept is None or kept.content is None:
                return {"ok": False, "error": "file_not_found"}, []
            kept.title = str(item.get("title") or kept.name)
            found.append(kept)
        if not found:
            return {"ok": False, "error": "invalid_arguments"}, []
        return {"ok": True, "files": [{"id": f.id, "title": f.title} for f in found]}, found
