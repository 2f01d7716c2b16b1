"""The deployment artefacts are what the docs say and what the code accepts: the systemd unit passes
`systemd-analyze verify` and starts `policybot serve` on loopback with options the command line takes, the container
runs the production install and publishes to loopback only, and the lock files pin exactly what pyproject.toml asks
for (runtime apart from development). CI also runs deploy/install.sh itself (.ci/run). Not tested here, and said so
in docs/operations.md: building the image (no container engine in CI) and the proxy configurations."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.arguments import command_parser

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "policybot.service"


def unit_value(key: str) -> str:
    [line] = [line for line in UNIT.read_text().splitlines() if line.startswith(f"{key}=")]
    return line.split("=", 1)[1]


def test_the_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not on this machine")
    installed = Path(sys.executable).with_name("policybot")  # where the unit's ExecStart points, on a server
    unit = tmp_path / "policybot.service"
    unit.write_text(UNIT.read_text().replace("/opt/policybot/venv/bin/policybot", str(installed)))
    checked = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert (checked.returncode, checked.stderr) == (0, "")


def test_the_unit_serves_on_loopback_with_options_policybot_takes() -> None:
    command = shlex.split(unit_value("ExecStart"))
    assert command[0] == "/opt/policybot/venv/bin/policybot"
    args = command_parser().parse_args(command[1:])
    assert (args.command, args.http, args.host) == ("serve", True, "127.0.0.1")
    assert unit_value("User") == "policybot" and unit_value("UMask") == "0077"
    assert unit_value("RestartPreventExitStatus").split() == ["2", "4"]  # the set-up, a newer schema: bot/cli.py


def test_the_container_runs_the_production_install_and_is_reached_on_loopback_only() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "RUN deploy/install.sh /opt/policybot/venv" in dockerfile and "USER policybot" in dockerfile
    [cmd] = re.findall(r"^CMD (\[.*\])$", dockerfile, re.M)
    args = command_parser().parse_args(eval(cmd)[1:])  # noqa: S307 - a JSON list in our own Dockerfile
    assert (args.command, args.http, args.port) == ("serve", True, 3000)
    compose = (ROOT / "compose.yaml").read_text()
    assert '- "127.0.0.1:3000:3000"' in compose and "image: postgres:15" in compose


def pinned(lock: Path) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", lock.read_text(), re.M))


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_the_lock_files_pin_what_pyproject_asks_for_runtime_apart_from_development() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = names(project["dependencies"]), names(project["optional-dependencies"]["dev"])
    locked, locked_dev = pinned(ROOT / "requirements.lock"), pinned(ROOT / "requirements-dev.lock")
    assert runtime <= set(locked) and not dev & set(locked)  # no development tool in production
    assert runtime | dev <= set(locked_dev)
    assert all(locked_dev[name] == version for name, version in locked.items())  # one version of each, both ways
    for lock in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / lock).read_text()
        assert all("--hash=sha256:" in block for block in text.split("==")[1:])  # every pin has its hashes
