"""The sandbox's web server: the page (HTML, CSS and JavaScript from sandbox/static, nothing fetched from elsewhere)
and its JSON calls: GET /api/state?as=USER, POST /api/command, /api/action, /api/submit, /api/close, /api/home and
/api/clock. A bad call gets a 400 with one line for the page to show; nothing here ever answers with a trace."""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.office import Office, OfficeError
from sandbox.page import Page, Refused
from sandbox.school import ZONE

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
MAX_BODY = 256 * 1024


class PageServer:
    def __init__(
        self,
        page: Page,
        host: str,
        port: int,
        advance: Callable[[str], dict[str, Any]],
        offset: Callable[[], float],
        office: Office | None = None,
    ) -> None:
        self.page = page
        self.office = office  # the school office's commands (sandbox.office)
        self.advance = advance  # moves the bot's clock forward: "hour", "morning" or "week"
        self.offset = offset  # how far ahead of the real time the bot's clock is, in seconds
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server interface
                server._get(self)

            def do_POST(self) -> None:  # noqa: N802
                server._post(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer((host, port), Handler)
        self.http.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = str(self.http.server_address[0]), int(self.http.server_address[1])
        return f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"

    def start(self) -> None:
        threading.Thread(target=self.http.serve_forever, name="sandbox-page", daemon=True).start()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()

    def _get(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        if url.path == "/api/state":
            user = (parse_qs(url.query).get("as") or [""])[0]
            if user not in self.page.workspace.people:
                people = [p.id for p in self.page.people]  # the page then plays the first of them
                return _send(request, 400, {"error": "Choose who you are from the list", "people": people})
            clock = {"clock_offset_seconds": self.offset(), "school_timezone": ZONE.key}
            return _send(request, 200, {**self.page.state(user), **clock})
        if url.path.startswith("/records/") and self.office is not None:
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            what = url.path.removeprefix("/records/")
            return self._record(request, what, query.get("as", ""), query.get("school", ""))
        if url.path.startswith("/files/"):
            return self._file(request, url.path.removeprefix("/files/"), (parse_qs(url.query).get("as") or [""])[0])
        name = "index.html" if url.path in ("/", "/index.html") else url.path.removeprefix("/static/")
        try:
            path = (STATIC / name).resolve()
            found = STATIC.resolve() in path.parents and path.is_file()
        except (OSError, ValueError):  # a name no file can have (a NUL byte, too long)
            found = False
        if not found:
            return _send(request, 404, {"error": "not found"})
        data = path.read_bytes()
        request.send_response(200)
        request.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "application/octet-stream")
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)

    def _record(self, request: BaseHTTPRequestHandler, what: str, user: str, school: str) -> None:
        assert self.office is not None
        try:
            kind, data = self.office.document(what, user, school)
        except OfficeError as error:
            return _send(request, 400, {"error": str(error)})
        request.send_response(200)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)

    def _file(self, request: BaseHTTPRequestHandler, file_id: str, user: str) -> None:
        """A shared file, opened in the browser (the governors' pack is a page)."""
        try:
            name, data = self.page.file(user, file_id)
        except Refused as refused:
            return _send(request, 404, {"error": str(refused)})
        request.send_response(200)
        request.send_header("Content-Type", mimetypes.guess_type(name)[0] or "application/octet-stream")
        request.send_header("Content-Disposition", f'inline; filename="{name}"')
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)

    def _post(self, request: BaseHTTPRequestHandler) -> None:
        length = request.headers.get("Content-Length") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            return _send(request, 400, {"error": "That request is too large"})
        try:
            body = json.loads(request.rfile.read(int(length)) or b"{}")
            user = str(body.get("as", ""))
            if user not in self.page.workspace.people:
                raise Refused("Choose who you are from the list")
            self._do(urlsplit(request.path).path, user, body)
        except Refused as refused:
            return _send(request, 400, {"error": str(refused)})
        except (ValueError, KeyError, TypeError, AttributeError) as error:  # a made-up call or field
            log.warning("page call %s not understood: %s", request.path, type(error).__name__)
            return _send(request, 400, {"error": "The sandbox did not understand that"})
        except OSError as error:
            log.warning("page call %s: the bot did not answer (%s)", request.path, type(error).__name__)
            return _send(request, 400, {"error": "policybot did not answer: it may still be starting, or has stopped"})
        except Exception as error:  # noqa: BLE001 - anything else a made-up call causes: one line, never a trace
            log.warning("page call %s failed: %s", urlsplit(request.path).path, type(error).__name__)
            return _send(request, 400, {"error": "The sandbox could not do that"})
        _send(request, 200, {"ok": True})

    def _do(self, path: str, user: str, body: dict[str, Any]) -> None:
        page = self.page
        if path == "/api/command":
            page.command(user, str(body["text"]), str(body["channel"]))
        elif path == "/api/action":
            page.act(user, dict(body["action"]), dict(body["where"]))
        elif path == "/api/submit":
            page.submit(user, str(body["view_id"]), dict(body.get("values") or {}))
        elif path == "/api/close":
            page.close(user, str(body["view_id"]))
        elif path == "/api/home":
            page.open_home(user)
        elif path == "/api/clock":
            self.advance(str(body["step"]))
        else:
            raise Refused("No such call")


def _send(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json; charset=utf-8")
    request.send_header("Content-Length", str(len(data)))
    request.send_header("Cache-Control", "no-store")
    request.end_headers()
    request.wfile.write(data)
