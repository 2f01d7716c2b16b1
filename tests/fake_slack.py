"""A local HTTP server that impersonates the Slack Web API methods policybot calls, and records every call.

Point the app's SLACK_API_URL at `FakeSlack.api_url`. Tests read `calls` to see what was asked, and `visible()` to see
what each person would now see in a channel or DM (posts as last updated, deleted ones gone, metadata kept). Faults:
any method can fail N times (HTTP 500, 429 with Retry-After, or Slack's own error), answer slowly, apply the call and
then answer 500, or hold its answer until the test lets it go (to kill the bot while Slack's answer is on its way).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

Params = dict[str, Any]


@dataclass
class Call:
    method: str
    params: Params
    at: float
    response: dict[str, Any] = field(default_factory=dict)


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


@dataclass
class Message:
    """A message as people see it now in one conversation."""

    channel: str
    ts: str
    text: str
    blocks: list[Any]
    thread_ts: str | None
    metadata: dict[str, Any] | None


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # channel id -> member ids
    calls: list[Call] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (method, what Slack would have refused)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self.messages: dict[str, list[Message]] = {}  # conversation id -> its messages, oldest first
        self.deleted: list[Message] = []
        self._triggers: set[Any] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server interface
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that went away mid-answer (a bot killed by a test) is not the fake's failure

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

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
        """What a person sees in a conversation now (a user id means their DM with the bot): the top-level messages,
        or with `thread_ts` the replies in that thread."""
        if channel[:1] in ("U", "W"):
            channel = "D" + channel[1:]
        with self._lock:
            found = list(self.messages.get(channel, []))
        return [m for m in found if m.thread_ts == thread_ts]

    def clear_messages(self) -> None:
        with self._lock:
            self.messages.clear()

    def of(self, method: str, after: int = 0, **match: Any) -> list[Call]:
        """Calls of `method` with these parameters; `after`: only those made since mark() returned it."""
        with self._lock:
            return [
                c
                for c in self.calls[after:]
                if c.method == method and all(c.params.get(k) == v for k, v in match.items())
            ]

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
        method = request.path.rsplit("/", 1)[-1]
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode()
        if "json" in (request.headers.get("Content-Type") or ""):
            params: Params = json.loads(raw or "{}")
        else:
            params = dict(parse_qsl(raw))
        for key in ("blocks", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
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
            self._answer(method, params)
        if failure and (failure.status != 200 or failure.error):
            body: dict[str, Any] = {"ok": False, "error": failure.error}
            status = failure.status
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        elif request.headers.get("Authorization") != f"Bearer {self.token}":
            body, status, headers = {"ok": False, "error": "invalid_auth"}, 200, {}
        elif problem := block_kit_problem(method, params):
            body, status, headers = {"ok": False, "error": "invalid_blocks", "detail": problem}, 200, {}
            with self._lock:
                self.invalid.append((method, problem))
        else:
            body, status, headers = self._answer(method, params), 200, {}
        with self._lock:
            self.calls.append(Call(method, params, time.time(), body if status == 200 else {}))
        self._reply(request, status, body, headers)

    def _answer(self, method: str, params: Params) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": "UPOLICYBOT", "bot_id": "BPOLICYBOT", "team_id": "T1", "team": "School"}
        if method in (
            "chat.postMessage",
            "chat.update",
            "chat.delete",
            "conversations.history",
            "conversations.replies",
        ):
            return self._conversation(method, params)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users"))[1:]}}
        if method == "chat.postEphemeral":
            return {"ok": True, "channel": params.get("channel"), "message_ts": "1.1"}
        if method == "views.open":  # a trigger opens one view: Slack refuses it a second time
            with self._lock:
                if params.get("trigger_id") in self._triggers:
                    return {"ok": False, "error": "expired_trigger_id"}
                self._triggers.add(params.get("trigger_id"))
            return {"ok": True, "view": {"id": f"VOPENED{next(self._views)}"}}
        if method in ("views.update", "views.publish"):
            return {"ok": True, "view": {"id": params.get("view_id") or f"VHOME{next(self._views)}"}}
        if method == "conversations.info":
            channel = self.channels.get(str(params.get("channel")))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": params.get("channel"), **channel}}
        if method == "conversations.members":
            return {
                "ok": True,
                "members": self.members.get(str(params.get("channel")), []),
                "response_metadata": {"next_cursor": ""},
            }
        if method == "usergroups.users.list":
            return {"ok": True, "users": self.usergroups.get(str(params.get("usergroup")), [])}
        return {"ok": False, "error": "unknown_method"}

    def _conversation(self, method: str, params: Params) -> dict[str, Any]:
        """Messages kept per conversation, as Slack keeps them: posted, updated, deleted, listed with metadata."""
        channel = str(params.get("channel"))
        if channel[:1] in ("U", "W"):
            channel = "D" + channel[1:]
        with self._lock:
            kept = self.messages.setdefault(channel, [])
            if method == "chat.postMessage":
                metadata = params.get("metadata")
                ts = f"{time.time():.0f}.{next(self._ts):06d}"
                kept.append(
                    Message(
                        channel,
                        ts,
                        str(params.get("text") or ""),
                        list(params.get("blocks") or []),
                        params.get("thread_ts") or None,
                        json.loads(metadata) if isinstance(metadata, str) else metadata,
                    )
                )
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
                    {"type": "message", "ts": m.ts, "text": m.text, "thread_ts": m.thread_ts, "metadata": m.metadata}
                    for m in listed[:limit]
                ],
                "has_more": len(listed) > limit,
            }

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


def block_kit_problem(method: str, params: Params) -> str | None:
    """The limits Slack enforces on what it is sent (it answers invalid_blocks): None when all is well."""
    if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
        blocks = params.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if len(blocks) > 50:
            return f"{len(blocks)} blocks in a message (at most 50)"
        if not params.get("text") and not blocks:
            return "a message with neither text nor blocks"
        return _texts_problem(blocks)
    if method in ("views.open", "views.update", "views.publish"):
        view = params.get("view") or {}
        if isinstance(view, str):
            view = json.loads(view)
        blocks = view.get("blocks") or []
        if len(blocks) > 100:
            return f"{len(blocks)} blocks in a view (at most 100)"
        title = (view.get("title") or {}).get("text", "")
        if len(title) > 24:
            return f"view title {title!r} is over 24 characters"
        if len(view.get("private_metadata") or "") > 3000:
            return "private_metadata over 3000 characters"
        return _texts_problem(blocks)
    return None


def _texts_problem(blocks: list[dict[str, Any]]) -> str | None:
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and len(text) > 3000:
            return f"a section of {len(text)} characters (at most 3000)"
        if block.get("type") == "header" and len(text) > 150:
            return "a header over 150 characters"
        for element in block.get("elements") or []:
            if (
                len(
                    (element.get("text") or {}).get("text", "")
                    if isinstance(element.get("text"), dict)
                    else element.get("text", "")
                )
                > 3000
            ):
                return "a context element over 3000 characters"
    return None
