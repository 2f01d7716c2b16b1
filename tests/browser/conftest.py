"""The sandbox in a real browser: Playwright driving Debian's Chromium (nothing is downloaded at run time).

Without Chromium (or Playwright) these tests are skipped with a line saying how to run them; CI sets
POLICYBOT_REQUIRE_BROWSER=1, which turns that skip into a failure. Screenshots of each story's end state go to
test-artefacts/screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.run import Sandbox
from tests.browser.helpers import SCREENSHOTS
from tests.conftest import free_port

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the machine's network is closed: no update checks, no sync
    "--disable-component-update",
    "--disable-sync",
]
HOW = "install Debian's chromium (apt-get install chromium) and `pip install -e '.[dev]'` to run the browser tests"


def _chromium() -> str | None:
    return os.environ.get("POLICYBOT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str) -> None:
    if os.environ.get("POLICYBOT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (POLICYBOT_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(f"{reason}: {HOW}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if os.environ.get("POLICYBOT_TEST_DATABASE_URL"):
        pytest.skip("the sandbox keeps its own SQLite database: its browser tests run on the SQLite pass")
    executable = _chromium()
    if executable is None:
        _unavailable("no Chromium found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox per test module (its school is shared by the module's stories: each uses its own concern)."""
    running = Sandbox("127.0.0.1", free_port(), reset=True, folder=tmp_path_factory.mktemp("sandbox"))
    yield running
    running.stop()


@pytest.fixture
def page(browser: Any, sandbox: Sandbox, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
