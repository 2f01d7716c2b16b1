"""A local HTTP server that impersonates the Slack Web API methods policybot calls, and records every call.

Point the app's SLACK_API_URL at `LocalSlack.api_url`. Tests read `calls` to see what was asked, and `visible()` to see
what each person would now see in a channel or DM (posts as last updated, deleted ones gone, metadata kept). Faults:
any method can fail N times (HTTP 500, 429 with Retry-After, or Slack's own error), answer slowly, apply the call and
then answer 500, or hold its answer until the test lets it go (to kill the bot while Slack's answer is on its way).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from sandbox.limits import block_kit_problem
from sandbox.workspace import BOT, Message, Workspace

OAUTH_CLIENT = ("111.222", "client-secret-for-tests")  # the app's client id and secret, as SLACK_CLIENT_ID/SECRET
OAUTH_CODE = "good-code"  # what Slack's redirect carries back after an admin approves the install

Params = dict[str, Any]


@dataclass
class Call:
    method: str
    params: Params
    at: float  # when it was answered
    response: dict[str, Any] = field(default_factory=dict)
    received: float = 0.0  # when it reached Slack (what a trigger's three seconds are counted to)


@dataclass
class _Failure:
    method: str
    status: int
    times: int
    retry_after: int | None
    when: Callable[[Params], bool]
    error: str
    applied: bool = False  # do what was asked, then answer with the failure
    delay: float = 0.0  # answer this many seconds late
    hold: threading.Event | None = None  # answer only once this is set
    reached: threading.Event = field(default_factory=threading.Event)  # a call has come to this failure


def manifest_scopes() -> set[str]:
    """The bot scopes manifest.yml asks for: an app installed from it is granted these."""
    manifest = Path(__file__).resolve().parent.parent / "manifest.yml"
    if not manifest.exists():
        return set()
    found, inside = set(), False
    for line in manifest.read_text().splitlines():
        if line.strip() == "bot:":
            inside = True
        elif inside and line.strip().startswith("- "):
            found.add(line.strip()[2:].split("#")[0].strip())
        elif inside and line.strip() and not line.strip().startswith("#"):
            break
    return found


class LocalSlack:
    def __init__(
        self,
        token: str = "xoxb-test-token",
        channels: dict[str, dict[str, Any]] | None = None,
        usergroups: dict[str, list[str]] | None = None,
        members: dict[str, list[str]] | None = None,
        workspace: Workspace | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.workspace = workspace or Workspace(channels or {}, members or {}, usergroups or {})
        self.calls: list[Call] = []
        self._by_method: dict[str, list[tuple[int, Call]]] = {}  # each method's calls, with their place in `calls`
        self.invalid: list[tuple[str, str]] = []  # (method, what Slack would have refused)
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self.latency = 0.0  # seconds every answer is late by (a slow day at Slack)
        self.scopes = manifest_scopes()  # what the app was granted when it was installed (auth.test says)
        self.install_team = "T1"  # the workspace an OAuth install (oauth.v2.access) is for
        self.token_lifetime = 0  # seconds: a token that rotates (0: it never expires)
        self.refresh_token = ""
        self.rotations = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server interface
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that went away mid-answer (a bot killed by a test) is not the fake's failure

        self._server = Server((host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.workspace.files.upload_base = f"http://{host}:{self._server.server_port}/upload/"

    @property
    def channels(self) -> dict[str, dict[str, Any]]:
        return self.workspace.channels

    @property
    def members(self) -> dict[str, list[str]]:
        return self.workspace.members

    @property
    def usergroups(self) -> dict[str, list[str]]:
        return self.workspace.usergroups

    @property
    def deleted(self) -> list[Message]:
        return self.workspace.deleted

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what tests use --------------------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        when: Callable[[Params], bool] = lambda _params: True,
        error: str = "fake_failure",
        *,
        applied: bool = False,
        delay: float = 0.0,
        hold: threading.Event | None = None,
    ) -> _Failure:
        """The next `times` matching calls fail: an HTTP error `status`, or with status 200 Slack's own `error`;
        `applied`: the call is done all the same (Slack did it, then the answer failed); `delay`: the answer comes
        that late; `hold`: the answer waits until the event is set. A status of 200 with error "" is no failure:
        use it with `delay` or `hold` for a slow answer that succeeds."""
        failure = _Failure(method, status, times, retry_after, when, error, applied, delay, hold)
        with self._lock:
            self._failures.append(failure)
        return failure

    def recover(self) -> None:
        """Slack is well again: every failure not yet used is dropped."""
        with self._lock:
            self._failures.clear()

    def visible(self, channel: str, thread_ts: str | None = None) -> list[Message]:
        """What a person sees in a conversation now (a user id means their DM with the bot)."""
        return self.workspace.visible(channel, thread_ts)

    def of(self, method: str, after: int = 0, **match: Any) -> list[Call]:
        """Calls of `method` with these parameters; `after`: only those made since mark() returned it."""
        with self._lock:
            found = self._by_method.get(method, [])
            return [c for place, c in found if place >= after and all(c.params.get(k) == v for k, v in match.items())]

    def mark(self) -> int:
        """A point in the calls: wait_for(after=mark()) sees only what came later (the server is shared by tests)."""
        with self._lock:
            return len(self.calls)

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Params], bool] = lambda _p: True,
        count: int = 1,
        timeout: float = 10,
        answered: bool = True,
        after: int = 0,
    ) -> list[Call]:
        """Calls of `method` matching `predicate`; by default only those the fake answered ok."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                c for c in self.of(method, after) if predicate(c.params) and (c.response.get("ok") or not answered)
            ]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {method} call(s), saw {len(found)}: {self.summary()}")
            time.sleep(0.02)

    def summary(self) -> str:
        with self._lock:
            return ", ".join(f"{c.method}({c.params.get('channel', '')})" for c in self.calls[-30:])

    # --- the server side -------------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        received = time.time()
        method = request.path.rsplit("/", 1)[-1]
        responding = "/response_url/" in request.path  # a payload's response_url: .../response_url/USER/CHANNEL
        uploading = "/upload/" in request.path  # a file's content, to the URL files.getUploadURLExternal gave
        length = int(request.headers.get("Content-Length") or 0)
        content = request.rfile.read(length)
        params: Params
        if uploading:
            method, params = "upload", {"file": method, "content": content}
        elif "json" in (request.headers.get("Content-Type") or ""):
            params = json.loads(content.decode() or "{}")
        else:
            params = dict(parse_qsl(content.decode()))
        for key in ("blocks", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        if responding:
            method = "response_url"
            params["user"], params["channel"] = request.path.rstrip("/").split("/")[-2:]
        with self._lock:
            failure = next((f for f in self._failures if f.method == method and f.times > 0 and f.when(params)), None)
            if failure:
                failure.times -= 1
        if failure:
            failure.reached.set()
        if failure and failure.hold is not None:
            failure.hold.wait(30)
        if failure and failure.delay:
            time.sleep(failure.delay)
        if failure and failure.applied:
            self.workspace.answer(method, params)
        if failure and (failure.status != 200 or failure.error):
            body: dict[str, Any] = {"ok": False, "error": failure.error}
            status = failure.status
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        elif method == "oauth.v2.access":  # an install, or a rotating token renewed: the app's id and secret
            body, status, headers = self._oauth(params, request.headers.get("Authorization") or ""), 200, {}
        elif not (responding or uploading) and request.headers.get("Authorization") != f"Bearer {self.token}":
            body, status, headers = {"ok": False, "error": "invalid_auth"}, 200, {}
        elif problem := block_kit_problem(method, params):
            body, status, headers = {"ok": False, "error": "invalid_blocks", "detail": problem}, 200, {}
            with self._lock:
                self.invalid.append((method, problem))
        else:
            body, status, headers = self.workspace.answer(method, params), 200, {}
            if method == "auth.test":  # as Slack does: the scopes the installed app was granted
                headers = {"x-oauth-scopes": ",".join(sorted(self.scopes))}
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            call = Call(method, params, time.time(), body if status == 200 else {}, received)
            self._by_method.setdefault(method, []).append((len(self.calls), call))
            self.calls.append(call)
        self._reply(request, status, body, headers)

    @staticmethod
    def _reply(
        request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

    # --- Slack's OAuth flow: an install, and rotating tokens --------------------------------------------------------

    def _oauth(self, params: Params, authorization: str) -> dict[str, Any]:
        """oauth.v2.access: `code` is OAUTH_CODE for the workspace `install_team`; with `token_lifetime` set, the
        token rotates (a refresh token comes with it, and each refresh makes a new token, which is then the one
        accepted)."""
        expected = "Basic " + base64.b64encode(f"{OAUTH_CLIENT[0]}:{OAUTH_CLIENT[1]}".encode()).decode()
        if authorization != expected:
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                if params.get("refresh_token") != self.refresh_token:
                    return {"ok": False, "error": "invalid_refresh_token"}
                self.rotations += 1
                self.token = f"xoxe.xoxb-rotated-{self.rotations}"
            elif params.get("code") != OAUTH_CODE:
                return {"ok": False, "error": "invalid_code"}
            granted: dict[str, Any] = {
                "ok": True,
                "app_id": "A1",
                "authed_user": {"id": "UINSTALLER"},
                "scope": ",".join(sorted(self.scopes)),
                "token_type": "bot",
                "access_token": self.token,
                "bot_user_id": BOT,
                "team": {"id": self.install_team, "name": "The trust"},
                "enterprise": None,
                "is_enterprise_install": False,
            }
            if self.token_lifetime:
                self.refresh_token = f"xoxe-1-refresh-{self.rotations}"
                granted |= {"refresh_token": self.refresh_token, "expires_in": self.token_lifetime}
            return granted

    def close_now(self) -> None:
        """close(), without waiting for the server's loop to look for the stop request (every half second): a
        connection wakes it at once. It records no call (it sends no request)."""
        import socket

        port = self._server.server_port
        closing = threading.Thread(target=self.close)
        closing.start()
        while closing.is_alive():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                pass  # closed already
            closing.join(0.01)
