"""The policybot command as a school's IT lead meets it: one-line errors, check, db upgrade, export.

Most tests run `main` in this process (a subprocess costs a second of imports); the Socket Mode one, and the export
ones, run the real entry point, `python -m bot`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from bot.arguments import command_parser
from bot.cli import SETTINGS_HELP
from sandbox.slack import LocalSlack
from storage.db import alembic_config
from tests.bot.conftest import Run
from tests.conftest import (
    base_environment,
    bot_environment,
    csv_rows,
    free_port,
    new_database_url,
    policybot,
    school_engine,
)


def test_every_missing_setting_is_one_line_then_where_they_are_described(run: Run) -> None:
    result = run("serve", "--http", env=base_environment())
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "policybot: configuration problem: SLACK_BOT_TOKEN: missing; expected a bot token starting xoxb-",
        "policybot: configuration problem: SLACK_SIGNING_SECRET: missing; expected the app's signing secret",
        "policybot: configuration problem: LEADERSHIP_CHANNEL_ID: missing; expected a channel id such as C0123ABCD "
        "(the private leadership channel)",
        "policybot: configuration problem: SAFEGUARDING_LEAD_IDS: missing; expected comma-separated Slack user ids, "
        "such as U0123ABCD,U0456EFGH",
        "policybot: configuration problem: HEADTEACHER_ID: missing; expected the headteacher's Slack user id, "
        "such as U0123ABCD",
        "policybot: configuration problem: CHAIR_OF_GOVERNORS_ID: missing; expected the chair of governors' Slack "
        "user id, such as U0123ABCD",
        "policybot: configuration problem: LEADERSHIP_USER_IDS: set it (comma-separated user ids) or "
        "LEADERSHIP_USERGROUP_ID: someone must be able to act on concerns",
        SETTINGS_HELP,
    ]


def test_a_wrong_log_level_is_reported_with_the_rest(fake_slack: LocalSlack, tmp_path: Path, run: Run) -> None:
    env = bot_environment(fake_slack, f"sqlite:///{tmp_path / 'l.db'}", POLICYBOT_LOG_LEVEL="loud")
    result = run("check", env={**env, "HEADTEACHER_ID": "Mrs Head"})
    assert result.returncode == 2
    assert [line.split(":")[2].strip() for line in result.stderr.splitlines()[:-1]] == [
        "HEADTEACHER_ID",
        "POLICYBOT_LOG_LEVEL",
    ]


def test_check_says_what_is_wrong_line_by_line(fake_slack: LocalSlack, tmp_path: Path, run: Run) -> None:
    env = bot_environment(fake_slack, f"sqlite:///{tmp_path / 'c.db'}")
    ok = run("check", env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("all good")

    fake_slack.channels["CPUBLIC1"] = {"is_private": False, "is_member": False}
    public = run("check", env={**env, "LEADERSHIP_CHANNEL_ID": "CPUBLIC1"})
    assert public.returncode == 1 and len(public.stdout.splitlines()) == 2
    assert "is a public channel" in public.stdout and "not a member" in public.stdout

    missing = run("check", env={**env, "LEADERSHIP_CHANNEL_ID": "CMISSING1"})
    assert "no such channel" in missing.stdout

    bad_token = run("check", env={**env, "SLACK_BOT_TOKEN": "xoxb-wrong"})
    assert bad_token.returncode == 1
    assert bad_token.stdout == "problem: SLACK_BOT_TOKEN is not accepted by Slack (invalid_auth)\n"

    refused = run("serve", "--http", "--port", "1", env={**env, "LEADERSHIP_CHANNEL_ID": "CPUBLIC1"})
    assert refused.returncode == 2 and "will not start" in refused.stderr and "public channel" in refused.stderr


@pytest.mark.parametrize("args", [("check",), ("serve", "--http", "--port", "1")])
def test_slack_out_of_reach_is_one_line_at_once(
    args: tuple[str, ...], fake_slack: LocalSlack, tmp_path: Path, run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    env = bot_environment(fake_slack, f"sqlite:///{tmp_path / 'r.db'}", SLACK_API_URL=closed)
    started = time.monotonic()
    result = run(*args, env=env)
    assert time.monotonic() - started < 5
    assert result.returncode == 1
    said = result.stdout if args[0] == "check" else result.stderr
    assert said.splitlines() == [
        ("problem: " if args[0] == "check" else "policybot: will not start: ")
        + "Slack could not be reached (URLError); check the network or SLACK_API_URL"
    ]
    assert (result.stdout + result.stderr).count("\n") == 1  # nothing else, on either
    logged = [record for record in caplog.records if record.name.startswith("slack_sdk")]
    assert not logged  # no retries, nor slack_sdk's own line about the failure


def test_every_command_and_option_is_explained() -> None:
    def unexplained(parser: argparse.ArgumentParser, path: str) -> Iterator[str]:
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            name = f"{path} {'/'.join(action.option_strings) or action.dest}"
            if not action.help:
                yield name
            if isinstance(action, argparse._SubParsersAction):
                explained = {choice.dest for choice in action._choices_actions if choice.help}
                yield from (f"{path} {sub}" for sub in action.choices if sub not in explained)
                for sub, subparser in action.choices.items():
                    yield from unexplained(subparser, f"{path} {sub}")

    assert list(unexplained(command_parser(), "policybot")) == []


def test_db_upgrade_says_what_it_did(tmp_path: Path, run: Run) -> None:
    for url in new_database_url(tmp_path, "upgrade"):
        scripts = ScriptDirectory.from_config(alembic_config(url))
        head = scripts.get_current_head()
        env = base_environment(DATABASE_URL=url)
        created = run("db", "upgrade", env=env)
        assert (created.returncode, created.stdout) == (0, f"created the database schema (revision {head})\n")
        again = run("db", "upgrade", env=env)
        assert again.stdout == f"the database schema is already current (revision {head})\n"

    for url in new_database_url(tmp_path, "older"):
        previous = scripts.get_revision(head).down_revision
        command.upgrade(alembic_config(url), str(previous))
        upgraded = run("db", "upgrade", env=base_environment(DATABASE_URL=url))
        assert upgraded.stdout == f"upgraded the database schema from revision {previous} to {head}\n"


def test_export_offers_every_log() -> None:
    from storage.export import LOGS

    assert [command_parser().parse_args(["export", "--log", log]).log for log in LOGS] == list(LOGS)


def test_db_upgrade_and_export(tmp_path: Path, run: Run) -> None:
    for url in new_database_url(tmp_path, "cli"):
        env = {**os.environ, "DATABASE_URL": url, "POLICYBOT_ENV_FILE": os.devnull}
        env["POLICYBOT_TIMEZONE"] = "Europe/London"
        assert run("db", "upgrade", env=env).returncode == 0
        assert run("db", "upgrade", env=env).returncode == 0  # a second upgrade is a no-op

        from datetime import UTC, datetime

        from flows.concerns import ConcernDraft
        from flows.permissions import People, place
        from flows.taxonomy import Area, Kind, Role
        from storage.concerns import ConcernStore

        store = ConcernStore(school_engine(url))
        people = People(frozenset({"U1"}), frozenset({"U2"}), "U1", "U9")
        draft = ConcernDraft(
            "U5",
            Area.CONTENT,
            Kind.VALUES,
            "tiktok",
            frozenset({Role.PUBLIC}),
            description='=HYPERLINK("http://x") a formula',
            names="Someone",
        )
        summer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
        store.create(draft, "VEXPORT1", place(people, safeguarding=False, involved=None), summer)
        store.engine.dispose()

        as_json = run("export", "--format", "json", env=env)
        assert as_json.returncode == 0, as_json.stderr
        concerns = json.loads(as_json.stdout)["concerns"]
        assert concerns[0]["area"] == "content" and concerns[0]["created_at"] == "2026-07-01T09:00:00+01:00"
        assert concerns[0]["audit"][0]["action"] == "reported" and concerns[0]["audit"][0]["actor_role"] == "reporter"
        assert "description" not in concerns[0] and "U5" not in as_json.stdout and "Someone" not in as_json.stdout

        out = tmp_path / "log.csv"
        detailed = run("export", "--format", "csv", "--include-details", "-o", str(out), env=env)
        assert detailed.returncode == 0
        rows = csv_rows(out.read_text())
        assert rows[0]["description"].startswith("'=")  # a spreadsheet shows it, never runs it
        assert rows[0]["names"] == "Someone"
        assert rows[0]["reporter_id"] == rows[0]["event_actor_id"] == "U5"

        later = run("export", "--since", "2999-01-01", "--format", "json", env=env)
        assert json.loads(later.stdout) == {
            "concerns": [],
            "contact_checks": [],
            "declarations": [],
            "policy_reviews": [],
            "contact_permissions": [],
        }
        header = run("export", "--since", "2999-01-01", "--log", "declarations", env=env)
        assert header.stdout.startswith("\ufeffid,declared_at,person,")  # an empty log still has its columns
        bad = run("export", "--since", "yesterday", env=env)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_database_problem_is_one_line_with_what_to_do(tmp_path: Path, run: Run) -> None:
    base = {**os.environ, "POLICYBOT_ENV_FILE": os.devnull}
    missing_dir = run("db", "upgrade", env={**base, "DATABASE_URL": "sqlite:////no/such/dir/policybot.db"})
    assert missing_dir.returncode == 3 and "Traceback" not in missing_dir.stderr
    assert missing_dir.stderr.startswith("policybot: database problem:") and "DATABASE_URL" in missing_dir.stderr
    assert len(missing_dir.stderr.strip().splitlines()) == 1

    new = tmp_path / "new.db"
    empty = run("export", env={**base, "DATABASE_URL": f"sqlite:///{new}"})
    assert empty.returncode == 3 and "Traceback" not in empty.stderr
    assert empty.stderr == f"policybot: no database yet at {new}: run `policybot db upgrade` first\n"
    assert not new.exists()  # and it made no empty database on the way
    new.touch()  # a file without the schema: the database's own words, and what to run
    bare = run("export", env={**base, "DATABASE_URL": f"sqlite:///{new}"})
    assert bare.returncode == 3 and "run `policybot db upgrade` first" in bare.stderr


def test_socket_mode_with_a_wrong_app_token_stops_with_one_line(fake_slack: LocalSlack, tmp_path: Path) -> None:
    env = bot_environment(fake_slack, f"sqlite:///{tmp_path / 's.db'}", SLACK_APP_TOKEN="xapp-not-a-real-token")
    result = policybot("serve", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "SLACK_APP_TOKEN: Slack refused it (invalid_auth)" in result.stderr
    assert [c for c in fake_slack.of("apps.connections.open")]  # it did try Socket Mode, not HTTP


def test_subject_access_writes_both_files_and_refuses_bad_input_in_one_line(tmp_path: Path, run: Run) -> None:
    wrong = run("subject-access", "@sam", env=base_environment(DATABASE_URL=f"sqlite:///{tmp_path}/none.db"))
    assert (wrong.returncode, wrong.stderr) == (2, "policybot: '@sam' is not a Slack user id (such as U0123ABCD)\n")
    absent = run("subject-access", "USAM1", env=base_environment(DATABASE_URL=f"sqlite:///{tmp_path}/none.db"))
    assert absent.returncode == 3 and "run `policybot db upgrade` first" in absent.stderr
    assert not (tmp_path / "none.db").exists()
    for url in new_database_url(tmp_path, "access"):
        env = base_environment(DATABASE_URL=url)
        run("db", "upgrade", env=env)
        base = tmp_path / "sam"
        made = run("subject-access", "USAM1", "-o", str(base), env=env)
        assert made.returncode == 0 and made.stdout.startswith(f"wrote {base}.json and {base}.html: 0 records")
        assert json.loads((tmp_path / "sam.json").read_text())["subject"] == "USAM1"
        assert "What policybot holds about USAM1" in (tmp_path / "sam.html").read_text()


def test_what_the_record_commands_write_only_their_owner_may_read(tmp_path: Path, run: Run) -> None:
    url = f"sqlite:///{tmp_path}/private.db"
    env = base_environment(DATABASE_URL=url)
    run("db", "upgrade", env=env)
    (tmp_path / "old.csv").write_text("an earlier export, readable by all")
    (tmp_path / "old.csv").chmod(0o644)
    old = os.umask(0o022)
    try:
        assert run("export", "--include-details", "--output", str(tmp_path / "old.csv"), env=env).returncode == 0
        assert run("subject-access", "USAM1", "-o", str(tmp_path / "sam"), env=env).returncode == 0
        assert run("report", "--output", str(tmp_path / "pack.html"), env=env).returncode == 0
    finally:
        os.umask(old)
    for name in ("old.csv", "sam.json", "sam.html", "pack.html"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name


def test_the_bot_listens_on_this_machine_unless_told_otherwise_and_says_its_version(run: Run) -> None:
    assert command_parser().parse_args(["serve"]).host == "127.0.0.1"
    assert command_parser().parse_args(["serve", "--host", "0.0.0.0"]).host == "0.0.0.0"
    shown = policybot("--version", env=base_environment())
    assert shown.returncode == 0 and shown.stdout.strip() == f"policybot {version('policybot')}"


def test_status_says_in_one_line_whether_messages_are_getting_out(tmp_path: Path, run: Run) -> None:
    env = base_environment(DATABASE_URL=f"sqlite:///{tmp_path}/status.db")
    assert run("status", env=env).returncode == 3  # no database yet: nothing is created
    run("db", "upgrade", env=env)
    ok = run("status", env=env)
    assert (ok.returncode, ok.stdout) == (0, "ok: the database answers; 0 messages waiting to be sent\n")


def test_a_rollback_is_a_command_and_an_older_policybot_says_what_to_do(tmp_path: Path, run: Run) -> None:
    from storage.db import revisions

    url = f"sqlite:///{tmp_path}/rollback.db"
    env = base_environment(DATABASE_URL=url)
    head, before = revisions(url)[-1], revisions(url)[-2]
    run("db", "upgrade", env=env)
    back = run("db", "downgrade", before, env=env)
    assert (back.returncode, back.stdout) == (0, f"took the database schema back from revision {head} to {before}\n")
    assert run("db", "downgrade", env=env).returncode == 2  # which revision? said in one line
    again = run("db", "upgrade", env=env)
    assert again.stdout == f"upgraded the database schema from revision {before} to {head}\n"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")  # as a newer policybot left it
    engine.dispose()
    older = run("db", "upgrade", env=env)
    assert older.returncode == 4 and older.stderr.count("\n") == 1
    assert older.stderr.startswith("policybot: database schema: the database schema is at revision 9999, newer")
