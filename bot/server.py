"""HTTP mode under gunicorn: POST /slack/events through the gate (bot/gate.py) to the Bolt app, and GET /healthz.

Each gunicorn worker builds its own app and database engine after it forks (nothing is shared across a fork) and
only answers Slack and writes; the sender and the nudge pass run in one background process beside the workers
(bot/supervisor.py says why). The schema is upgraded once, before either starts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App, BoltRequest, BoltResponse

from bot import gate
from bot.app import create_app
from bot.campus import Campus, build_campus
from bot.config import Settings
from bot.deps import Deps
from bot.health import health, together
from bot.jobs import start_directory_refresh, start_scheduler
from bot.listeners.guard import tell_if_waiting
from bot.payload import kind
from bot.supervisor import Bell, supervise, wait_until_stopped

log = logging.getLogger(__name__)


def wsgi_app(deps: Deps | Campus) -> Callable[..., Iterable[bytes]]:
    """POST /slack/events through the gate to the Bolt app, and GET /healthz."""
    app = create_app(deps)
    campus = Campus.of(deps)
    secret = campus.first.settings.slack_signing_secret

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _health(deps, start_response)
        if app.oauth_flow is not None and path in INSTALL_PATHS and method == "GET":
            return _install(app, path, environ, start_response)
        if path != "/slack/events":
            return _answer(start_response, 404, "not found")
        if method != "POST":
            return _answer(start_response, 405, "POST only")
        refusal = gate.too_large(environ.get("CONTENT_LENGTH"))
        body = b"" if refusal else _read(environ)
        if body is None:
            refusal = gate.Refusal(413, "body over the size limit")
        headers = gate.slack_headers(environ)
        refusal = refusal or gate.signature_refusal(secret, headers, body or b"", time.time())
        if refusal is not None:
            log.info("request refused with %d: %s", refusal.status, refusal.reason)
            return _answer(start_response, refusal.status, refusal.reason)
        parsed = gate.parse(body or b"", headers["content-type"])
        if parsed is None:
            log.warning("signed request that is not one Slack sends: unreadable body")
            return _answer(start_response, 200, "")
        return _bolt(app, parsed, headers, start_response)

    return application


def _health(served: Deps | Campus, start_response: Callable[..., Any]) -> list[bytes]:
    """200 when the database answers and no message has waited past HEALTHZ_MAX_PENDING_SECONDS, else 503 with
    the reason (bot.health); with how many wait and when the sender last finished a pass over the outbox. A trust's
    schools: every school's outbox, as one."""
    found = together(
        [
            health(deps.outbox, deps.clock(), deps.settings.healthz_max_pending_seconds, deps.last_pass_at())
            for deps in Campus.of(served).every()
        ]
    )
    data = (json.dumps(found.as_dict()) + "\n").encode()
    start_response(
        _status(200 if found.reason is None else 503),
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]


INSTALL_PATHS = ("/slack/install", "/slack/oauth_redirect")


def _install(app: App, path: str, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Slack's OAuth flow (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET), as Bolt's own adapters hand it over: the page
    that begins an install, and Slack's redirect back with the workspace's grant."""
    assert app.oauth_flow is not None
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    request = BoltRequest(body="", query=str(environ.get("QUERY_STRING") or ""), headers=headers)
    flow = app.oauth_flow
    try:
        answer = flow.handle_installation(request) if path == flow.install_path else flow.handle_callback(request)
    except Exception as error:  # noqa: BLE001 - one line, never a traceback; the person can start again
        log.error("the install could not be finished (%s)", type(error).__name__)
        return _answer(start_response, 503, "policybot could not finish the install just now: please start again")
    return _respond(answer, start_response)


def _read(environ: dict[str, Any]) -> bytes | None:
    """The body, reading at most one byte past the limit; None when it is over the limit."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    declared = str(environ.get("CONTENT_LENGTH") or "")
    limit = gate.MAX_BODY_BYTES + 1
    body: bytes = stream.read(min(int(declared), limit) if declared.isdigit() else limit)
    return None if len(body) > gate.MAX_BODY_BYTES else body


def _bolt(app: App, body: dict[str, Any], headers: dict[str, str], start_response: Callable[..., Any]) -> list[bytes]:
    # Bolt takes an already parsed body in the form its Socket Mode adapter uses; it then skips its own signature
    # check, which the gate has just made on the raw bytes.
    try:
        response = app.dispatch(BoltRequest(body=body, headers=dict(headers), mode="socket_mode"))
    except Exception as error:  # noqa: BLE001 - Bolt reading a body of a shape Slack never sends: one line, a 200
        log.warning("%s: not handled (%s)", kind(body), type(error).__name__)
        tell_if_waiting(app.client, body)
        return _answer(start_response, 200, "")
    return _respond(response, start_response)


def _respond(response: BoltResponse, start_response: Callable[..., Any]) -> list[bytes]:
    data = (response.body or "").encode()
    reply_headers = [(name, value) for name, values in response.headers.items() for value in values]
    if not any(name.lower() == "content-type" for name, _ in reply_headers):
        reply_headers.append(("Content-Type", "text/plain; charset=utf-8"))
    reply_headers = [(n, v) for n, v in reply_headers if n.lower() != "content-length"]
    start_response(_status(response.status), [*reply_headers, ("Content-Length", str(len(data)))])
    return [data]


def _answer(start_response: Callable[..., Any], status: int, text: str) -> list[bytes]:
    data = (text + "\n").encode() if text else b""
    start_response(_status(status), [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))])
    return [data]


def _status(code: int) -> str:
    return f"{code} {HTTPStatus(code).phrase}"


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any], bell: Bell) -> None:
        self.settings = settings
        self.options = options
        self.bell = bell
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Iterable[bytes]]:
        campus = build_campus(self.settings)
        for deps in campus.every():
            deps.bell = self.bell
        start_directory_refresh(campus)
        return wsgi_app(campus)


def _background(settings: Settings, bell: Bell, stop: threading.Event) -> None:
    campus = build_campus(settings)
    for deps in campus.every():
        deps.delivery.on_pass = bell.passed
    start_scheduler(campus)
    bell.listen(campus.send_now, campus.arm)
    log.info("policybot's sender and nudges are running")
    if not campus.from_settings:
        log.info("for %d schools: %s", len(campus.schools), ", ".join(campus.schools))
    wait_until_stopped(stop)
    for deps in campus.every():
        deps.delivery.stop()  # what is being sent finishes; what is claimed and not begun is let go at once


def serve_http(settings: Settings, host: str, port: int, workers: int, threads: int) -> int:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        # One line a request: when, the method, the path (never a query or a body), the status, the size, the time.
        "accesslog": "-",
        "access_log_format": "%(t)s access %(m)s %(U)s %(s)s %(B)s %(M)sms",
        "loglevel": "warning",
        "preload_app": False,
    }
    log.info("policybot listening on http://%s:%d/slack/events (%d worker(s))", host, port, workers)
    bell = Bell()
    return supervise(lambda stop: _background(settings, bell, stop), lambda: _Gunicorn(settings, options, bell).run())
