"""The policybot command as a school's IT lead meets it: one-line errors, check, db upgrade, export."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, bot_environment, new_database_url
from tests.fake_slack import FakeSlack


def policybot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_missing_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADERSHIP_"))}
    env["POLICYBOT_ENV_FILE"] = os.devnull
    result = policybot("serve", "--http", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "policybot: configuration problem: SLACK_BOT_TOKEN: missing; expected a bot token starting xoxb-"
    )


def test_check_says_what_is_wrong_line_by_line(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = bot_environment(fake_slack, f"sqlite:///{tmp_path / 'c.db'}")
    ok = policybot("check", env=env)
    assert ok.returncode == 0 and "all good" in ok.stdout

    fake_slack.channels["CPUBLIC1"] = {"is_private": False, "is_member": False}
    public = policybot("check", env={**env, "LEADERSHIP_CHANNEL_ID": "CPUBLIC1"})
    assert public.returncode == 1
    assert "is a public channel" in public.stdout and "not a member" in public.stdout

    missing = policybot("check", env={**env, "LEADERSHIP_CHANNEL_ID": "CMISSING1"})
    assert "no such channel" in missing.stdout

    bad_token = policybot("check", env={**env, "SLACK_BOT_TOKEN": "xoxb-wrong"})
    assert bad_token.returncode == 1 and "not accepted by Slack (invalid_auth)" in bad_token.stdout

    refused = policybot("serve", "--http", "--port", "1", env={**env, "LEADERSHIP_CHANNEL_ID": "CPUBLIC1"})
    assert refused.returncode == 1 and "will not start" in refused.stderr and "public channel" in refused.stderr


def test_db_upgrade_and_export(tmp_path: Path) -> None:
    for url in new_database_url(tmp_path, "cli"):
        env = {**os.environ, "DATABASE_URL": url, "POLICYBOT_ENV_FILE": os.devnull}
        assert policybot("db", "upgrade", env=env).returncode == 0
        assert policybot("db", "upgrade", env=env).returncode == 0  # a second upgrade is a no-op

        from datetime import UTC, datetime

        from flows.concerns import ConcernDraft
        from flows.routing import People, route
        from flows.taxonomy import Area, Kind, Platform, Role
        from storage.db import make_engine
        from storage.repositories import ConcernStore

        store = ConcernStore(make_engine(url))
        people = People(frozenset({"U1"}), frozenset({"U2"}), "U1", "U9")
        draft = ConcernDraft(
            "U5",
            Area.CONTENT,
            Kind.VALUES,
            Platform.TIKTOK,
            frozenset({Role.PUBLIC}),
            description='=HYPERLINK("http://x") a formula',
            names="Someone",
        )
        store.create(draft, "VEXPORT1", route(people, safeguarding=False, involved=None), datetime.now(UTC))
        store.engine.dispose()

        as_json = policybot("export", "--format", "json", env=env)
        assert as_json.returncode == 0, as_json.stderr
        concerns = json.loads(as_json.stdout)["concerns"]
        assert concerns[0]["area"] == "content" and concerns[0]["audit"][0]["action"] == "reported"
        assert "description" not in concerns[0]

        out = tmp_path / "log.csv"
        detailed = policybot("export", "--format", "csv", "--include-details", "-o", str(out), env=env)
        assert detailed.returncode == 0
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
        assert rows[0]["description"].startswith("'=")  # a spreadsheet shows it, never runs it
        assert rows[0]["names"] == "Someone"

        later = policybot("export", "--since", "2999-01-01", "--format", "json", env=env)
        assert json.loads(later.stdout) == {
            "concerns": [],
            "contact_checks": [],
            "declarations": [],
            "contact_permissions": [],
        }
        header = policybot("export", "--since", "2999-01-01", "--log", "declarations", env=env)
        assert header.stdout.startswith("id,declared_at,staff_id")  # an empty log still has its columns
        bad = policybot("export", "--since", "yesterday", env=env)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_database_problem_is_one_line_with_what_to_do(tmp_path: Path) -> None:
    base = {**os.environ, "POLICYBOT_ENV_FILE": os.devnull}
    missing_dir = policybot("db", "upgrade", env={**base, "DATABASE_URL": "sqlite:////no/such/dir/policybot.db"})
    assert missing_dir.returncode == 3 and "Traceback" not in missing_dir.stderr
    assert missing_dir.stderr.startswith("policybot: database problem:") and "DATABASE_URL" in missing_dir.stderr
    assert len(missing_dir.stderr.strip().splitlines()) == 1

    empty = policybot("export", env={**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    assert empty.returncode == 3 and "policybot db upgrade" in empty.stderr and "Traceback" not in empty.stderr


def test_socket_mode_with_a_wrong_app_token_stops_with_one_line(fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = bot_environment(fake_slack, f"sqlite:///{tmp_path / 's.db'}", SLACK_APP_TOKEN="xapp-not-a-real-token")
    result = policybot("serve", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "SLACK_APP_TOKEN: Slack refused it (invalid_auth)" in result.stderr
    assert [c for c in fake_slack.of("apps.connections.open")]  # it did try Socket Mode, not HTTP
