"""The bot-level tests' shared fixtures: the fake Slack with the leadership channel, a migrated database (SQLite,
or PostgreSQL on that pass), and the policybot command run in this process."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import AT_LEAST_INFO, AT_LEAST_WARNING, main
from sandbox.slack import LocalSlack
from tests.bot.helpers import CHANNEL, HEAD, LEAD
from tests.conftest import migrated_database_url


@pytest.fixture
def fake() -> Iterator[LocalSlack]:
    slack = LocalSlack(channels={CHANNEL: {"is_private": True, "is_member": True}}, members={CHANNEL: [LEAD, HEAD]})
    yield slack
    slack.close_now()


@pytest.fixture
def database(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    yield from migrated_database_url(tmp_path, request.module.__name__.rsplit(".", 1)[-1])


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


Run = Callable[..., Ran]

# The loggers bot.cli._configure_logging sets a level on, put back after each test that runs main here.
CONFIGURED_LOGGERS = (*AT_LEAST_INFO, *AT_LEAST_WARNING)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Run]:
    """`policybot *args` in this process, with exactly `env` as its environment."""

    def run(*args: str, env: dict[str, str]) -> Ran:
        for name in set(os.environ) - set(env):
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        root = logging.getLogger()
        handlers = list(root.handlers)
        try:
            code = main(list(args))
        finally:  # logging.basicConfig adds a handler only when pytest has none on the root logger: not for long
            for handler in set(root.handlers) - set(handlers):
                root.removeHandler(handler)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    levels = {name: logging.getLogger(name).level for name in ("", *CONFIGURED_LOGGERS)}
    yield run
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
