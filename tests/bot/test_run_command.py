"""`policybot run` (what `make run` does): the sandbox when no Slack credentials are configured, saying so in one line
with its URL, ready within 10 s; the real bot, with its configuration checked, as soon as any credential is given."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, base_environment, free_port, policybot

READY_SECONDS = 10


def test_without_credentials_run_opens_the_sandbox_on_loopback_and_says_where(tmp_path: Path) -> None:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--port", str(port)],
        cwd=tmp_path,  # the sandbox keeps its files where it is started: here, not in the repository
        env={**base_environment(), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        ready = time.monotonic() - started
        assert "no Slack credentials are configured" in line and "not connected to Slack" in line, line
        assert f"http://localhost:{port}/" in line and "Connecting to your Slack workspace" in line
        assert ready < READY_SECONDS, f"ready after {ready:.1f} s"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert "Sandbox: not connected to Slack" in response.read().decode()
        assert (tmp_path / "sandbox.db").exists()  # its own database, never the configured DATABASE_URL
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, process.stderr.read() if process.stderr else ""


def test_run_with_trust_opens_the_trusts_sandbox_in_files_of_its_own(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--trust", "--port", str(port)],  # make run ARGS=--trust
        cwd=tmp_path,
        env={**base_environment(), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert f"http://localhost:{port}/" in process.stdout.readline()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/state?as=UPERI1", timeout=5) as response:
            schools = json.loads(response.read())["schools"]
        assert [s["name"] for s in schools] == ["North Academy", "South Primary", "The trust"]
        assert (tmp_path / "sandbox-trust.db").exists() and not (tmp_path / "sandbox.db").exists()
        assert 'key = "south"' in (tmp_path / "sandbox-trust-schools.toml").read_text()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, process.stderr.read() if process.stderr else ""


def test_a_half_filled_configuration_is_an_error_never_the_sandbox() -> None:
    ran = policybot("run", env=base_environment(SLACK_BOT_TOKEN="xoxb-1-2-3"))
    assert ran.returncode == 2
    assert "configuration problem: SLACK_SIGNING_SECRET" in ran.stderr and "sandbox" not in ran.stdout + ran.stderr


def test_the_sandbox_refuses_a_port_in_use_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = subprocess.run(
            [sys.executable, "-m", "sandbox", "--port", str(port)],
            cwd=tmp_path,
            env={**base_environment(), "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert ran.returncode == 1
    assert ran.stderr.strip().splitlines() == [
        f"policybot sandbox: cannot listen on 127.0.0.1:{port} (Address already in use); try --port"
    ]
