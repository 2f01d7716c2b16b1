"""policybot check catches what would stop policybot doing its job before anyone meets it: a database it cannot
reach, a schema from a newer version, a scope the installed app was not granted, a person a setting names who is
not in the workspace. One line each, exit 1."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.cli import main
from bot.setup_check import REQUIRED_SCOPES
from sandbox.slack import LocalSlack, manifest_scopes
from storage.db import revisions, upgrade
from tests.conftest import bot_environment

Check = Callable[..., tuple[int, list[str]]]


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Check]:
    """`policybot check` in this process with exactly `env`: its exit code and the lines it printed (the loggers
    the command line sets a level on are put back after)."""
    loggers = [logging.getLogger(name) for name in ("", *logging.root.manager.loggerDict)]
    levels = [(logger, logger.level) for logger in loggers]

    def run(env: dict[str, str], *args: str) -> tuple[int, list[str]]:
        for name in set(os.environ) - set(env):
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(list(args) or ["check"])
        said = capsys.readouterr()
        return code, (said.out + said.err).splitlines()

    yield run
    for logger, level in levels:
        logger.setLevel(level)


def test_the_code_asks_for_the_scopes_the_manifest_asks_for() -> None:
    assert REQUIRED_SCOPES == manifest_scopes() and len(REQUIRED_SCOPES) == 10


def test_all_good_is_said_only_when_all_is_good(own_slack: LocalSlack, tmp_path: Path, check: Check) -> None:
    code, lines = check(bot_environment(own_slack, f"sqlite:///{tmp_path}/ok.db"))
    assert code == 0 and lines[0].startswith("all good: the database answers")


def test_a_database_out_of_reach_a_missing_scope_and_an_unknown_person_are_each_a_line(
    own_slack: LocalSlack, check: Check
) -> None:
    own_slack.scopes.discard("files:write")
    wrong = "postgresql+psycopg://policybot:wrong-password@127.0.0.1:1/policybot"
    code, lines = check(bot_environment(own_slack, wrong, HEADTEACHER_ID="UNOBODY1"))
    assert code == 1 and len(lines) == 3, lines
    assert lines[0].startswith("problem: DATABASE_URL: the database does not answer:")
    assert "wrong-password" not in "\n".join(lines)
    assert lines[1] == (
        "problem: the installed app lacks the scopes files:write: add the scopes in manifest.yml and reinstall the app"
    )
    assert lines[2] == "problem: HEADTEACHER_ID UNOBODY1: nobody with that id in this workspace"


def test_a_schema_from_a_newer_version_is_a_line(own_slack: LocalSlack, tmp_path: Path, check: Check) -> None:
    url = f"sqlite:///{tmp_path}/newer.db"
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    code, lines = check(bot_environment(own_slack, url))
    newest = revisions(url)[-1]
    assert (code, lines) == (
        1,
        [f"problem: the database schema is at revision 9999, newer than this version knows (up to {newest})"],
    )


@pytest.mark.parametrize(("status", "error"), [(503, "service_unavailable"), (200, "internal_error")])
def test_slack_unwell_at_start_is_out_of_reach_so_the_service_tries_again(
    own_slack: LocalSlack, tmp_path: Path, check: Check, status: int, error: str
) -> None:
    """Exit 1, which the unit restarts, never 2 (a token Slack refuses), which it leaves stopped."""
    own_slack.fail("auth.test", status, times=1, error=error)
    code, lines = check(bot_environment(own_slack, f"sqlite:///{tmp_path}/p.db"), "serve", "--http", "--port", "1")
    assert code == 1 and lines[0].startswith("policybot: will not start: Slack could not be reached"), lines
    own_slack.fail("auth.test", 200, times=1, error="invalid_auth")
    code, lines = check(bot_environment(own_slack, f"sqlite:///{tmp_path}/p.db"), "serve", "--http", "--port", "1")
    assert code == 2 and "SLACK_BOT_TOKEN is not accepted by Slack (invalid_auth)" in lines[0]
