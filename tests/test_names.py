"""One word per idea: no class, enum or type alias is defined under the same name in two modules of bot/, flows/ or
storage/ (a reader who meets `Result` or `Kind` finds one thing)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def type_names(path: Path) -> set[str]:
    """The classes and CapWords aliases (`Row = Concern | ...`, `Tell = Callable[...]`) a module defines at its top."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            aliasing = isinstance(node.value, ast.BinOp | ast.Subscript | ast.Name | ast.Attribute)
            for target in targets:
                if isinstance(target, ast.Name) and target.id[:1].isupper() and not target.id.isupper() and aliasing:
                    found.add(target.id)
    return found


def test_no_type_name_is_defined_twice() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for package in ("bot", "flows", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in type_names(path):
                where[name].append(str(path.relative_to(ROOT)))
    twice = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert twice == {}


def test_the_check_sees_classes_and_aliases(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("class Kind: ...\nResult = int | str\nLIMIT = 5\nlog = print\nTell = Callable[[int], str]\n")
    assert type_names(module) == {"Kind", "Result", "Tell"}
