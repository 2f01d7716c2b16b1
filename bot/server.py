"""HTTP mode: Bolt's WSGI adapter behind gunicorn, answering POST /slack/events and GET /healthz.

Each gunicorn worker builds its own app, database engine and delivery job after it forks (nothing is shared
across a fork); the schema is upgraded once, before the workers start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import create_app
from bot.config import Settings
from bot.deps import Deps
from bot.jobs import start_scheduler
from storage.db import ping

log = logging.getLogger(__name__)


def wsgi_app(deps: Deps) -> Callable[..., Iterable[bytes]]:
    slack = SlackRequestHandler(create_app(deps), path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy = ping(deps.engine)
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n" if healthy else b"database unavailable\n"]
        return slack(environ, start_response)

    return application


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable[..., Iterable[bytes]]:
        deps = Deps.build(self.settings)
        start_scheduler(deps)
        return wsgi_app(deps)


def serve_http(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": None,
        "loglevel": "warning",
        "preload_app": False,
    }
    log.info("policybot listening on http://%s:%d/slack/events (%d worker(s))", host, port, workers)
    _Gunicorn(settings, options).run()
