"""The dependency rule: bot -> flows, storage; storage -> flows; flows -> the standard library only; the sandbox and
the bot apart (HTTP only). And only storage/ opens database sessions."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[path] = names
    return found


def test_flows_uses_only_the_standard_library_and_itself() -> None:
    for path, names in imports("flows").items():
        outside = {n for n in names if n != "flows" and n not in sys.stdlib_module_names and n != "__future__"}
        assert not outside, f"{path.relative_to(ROOT)} imports {outside}"


def test_storage_does_not_know_about_slack_or_bot() -> None:
    for path, names in imports("storage").items():
        assert not names & {"bot", "slack_bolt", "slack_sdk"}, path


def test_only_storage_opens_database_sessions() -> None:
    for package in ("bot", "flows"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text()
            assert "Session(" not in source and "sessionmaker" not in source, path


def test_the_sandbox_and_the_bot_know_each_other_only_over_http() -> None:
    """The sandbox is a Slack stand-in: it reaches the bot as Slack does, never through its code, and the bot
    knows nothing of it beyond the Web API base URL it is given."""
    for path, names in imports("sandbox").items():
        assert not names & {"bot", "storage", "flows", "slack_bolt"}, f"{path.relative_to(ROOT)} imports the bot"
    for package in ("bot", "storage", "flows"):
        for path, names in imports(package).items():
            assert "sandbox" not in names, f"{path.relative_to(ROOT)} imports the sandbox"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, by its full dotted name (`from tests.bot import test_nudges` imports
    tests.bot.test_nudges; a relative import is named from the file's own package)."""
    package = ".".join(path.relative_to(ROOT).parent.parts)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_no_module_imports_a_test_module() -> None:
    """What tests share is a fixture in the nearest conftest.py or a plain helper in a module that holds no tests
    (tests/bot/helpers.py, tests/slack_driver.py): a test module imported by another ties the two together and
    runs the first's module code for the second."""
    importing = {}
    for folder in ("tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            tests = {name for name in imported_modules(path) if name.rsplit(".", 1)[-1].startswith("test_")}
            if tests:
                importing[str(path.relative_to(ROOT))] = sorted(tests)
    assert importing == {}
