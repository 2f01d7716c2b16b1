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
