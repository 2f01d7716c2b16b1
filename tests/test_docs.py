"""The README, CHANGELOG.md and docs/*.md are true of the code: every file path, section link, make target,
`policybot` command and option, Python name, setting and log line they name exists; every setting the code reads is
in the README's settings table, with its default; the scopes the README explains are the manifest's; and the README
sections the code's own messages point to are there. Reads the pages and the code; starts no server."""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import inspect
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
# Pages linked to before they exist. docs/mutation.md: the mutation scores and survivors, written from the next full
# run of `make mutation`; linked from docs/testing.md.
EXPECTED = {ROOT / "docs" / "mutation.md"}
PRODUCT = ("bot", "storage", "sandbox")  # the packages whose settings a school sets (flows/ reads none)
PACKAGES = ("bot", "flows", "storage", "sandbox", "tests", "bench")
# Made by running things, never in the repository: named in the pages, not checked as paths.
GENERATED = (".venv/", "mutants/", "test-artefacts/", "bench/results/", "sandbox.db", "sandbox.log")

SPAN = re.compile(r"`([^`]+)`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
NAME = re.compile(r"[A-Z][A-Z0-9_]*")  # an environment variable's name
SETTING = re.compile(r"(?<![\w.$])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w.(])")  # one named in a page's text
# A path from the top folder (beginning as the repository's own names do: Europe/London is a time zone).
PATH = re.compile(r"[a-z.][\w.-]*(?:/[\w.-]*)+|[a-z.][\w.-]*\.(?:py|md|toml|yml|txt|png|js|css|example|mako)")
DOTTED = re.compile(rf"(?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+(?:\(\))?")
MAKE = re.compile(r"(?:^|[\s\"'(])make ([a-z][\w-]*)")
POLICYBOT = re.compile(r"\bpolicybot ([a-z][\w-]*)([^`#]*)")  # up to a comment
OPTION = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")
MODULE = re.compile(r"\bpython -m ([\w.]+)")
# A log line quoted as the code writes it: an optional time, the level, the logger and the message ("..." where the
# page leaves a value out).
LOG_LINE = re.compile(r"(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} )?(DEBUG|INFO|WARNING|ERROR) ([\w.]+): (.+)")


class Page:
    """A page as markdown has it: headings, links and code spans in its prose; the lines of its fenced blocks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        prose: list[str] = []
        self.fenced: list[str] = []
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("```"):
                inside = not inside
                prose.append("")
                continue
            (self.fenced if inside else prose).append(line)
            if inside:
                prose.append("")
        self.prose = prose
        self.paragraphs = [" ".join(p.split("\n")) for p in "\n".join(prose).split("\n\n")]

    @property
    def name(self) -> str:
        return str(self.path.relative_to(ROOT))

    def spans(self) -> list[str]:
        return [" ".join(found.split()) for paragraph in self.paragraphs for found in SPAN.findall(paragraph)]

    def code(self) -> list[str]:
        """Everything written as code: the inline spans, and each line of a fenced block."""
        return [*self.spans(), *self.fenced]

    def links(self) -> list[str]:
        return [target for paragraph in self.paragraphs for target in LINK.findall(SPAN.sub("", paragraph))]

    def headings(self) -> list[str]:
        return [found.group(2) for line in self.prose if (found := HEADING.match(line))]

    def anchors(self) -> set[str]:
        """GitHub's: the heading's text, lower case, without punctuation, spaces as hyphens; repeats numbered."""
        seen: dict[str, int] = {}
        found = set()
        for heading in self.headings():
            slug = anchor(heading)
            found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
            seen[slug] = seen.get(slug, 0) + 1
        return found

    def section(self, heading: str) -> list[str]:
        """The prose lines under a heading, up to the next heading of the same level or above."""
        lines: list[str] | None = None
        level = 0
        for line in self.prose:
            found = HEADING.match(line)
            if lines is not None and found and len(found.group(1)) <= level:
                break
            if lines is not None:
                lines.append(line)
            elif found and found.group(2) == heading:
                lines, level = [], len(found.group(1))
        assert lines is not None, f"{self.name} has no heading {heading!r}"
        return lines


def anchor(heading: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def page(path: Path) -> Page:
    return Page(path)


def pages() -> Iterator[Page]:
    return (page(path) for path in PAGES)


def table_rows(lines: list[str]) -> list[list[str]]:
    """The cells of each row of the markdown tables among `lines` (header rows included, separators not)."""
    rows = []
    for line in lines:
        if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def generated(text: str) -> bool:
    return text.startswith(GENERATED)


# --- links and paths -------------------------------------------------------------------------------------------------


def test_the_pages_are_there() -> None:
    names = {p.name for p in pages()}
    assert {"README.md", "docs/operations.md", "docs/data-protection.md", "docs/architecture.md"} <= names
    assert "docs/testing.md" in names and (ROOT / "docs" / "sandbox.png").is_file()


def test_every_paragraph_closes_its_code_spans() -> None:
    """An unclosed backtick would hide everything after it from these checks (and garble the page)."""
    for each in pages():
        for paragraph in each.paragraphs:
            assert paragraph.count("`") % 2 == 0, f"{each.name}: an unclosed code span in {paragraph[:80]!r}"


def test_every_link_leads_to_a_file_and_a_heading_that_exist() -> None:
    checked = 0
    for each in pages():
        for target in each.links():
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, fragment = target.partition("#")
            file = (each.path.parent / path).resolve() if path else each.path
            assert file.is_relative_to(ROOT), f"{each.name}: {target} leads out of the repository"
            if file in EXPECTED and not file.exists():
                continue  # written by another piece of work; see EXPECTED
            assert file.exists(), f"{each.name}: {target} does not exist"
            if fragment:
                assert file.suffix == ".md", f"{each.name}: {target}: a heading in a file that is not a page"
                assert fragment in page(file).anchors(), f"{each.name}: {target}: no such heading"
            checked += 1
    assert checked > 30


def test_every_file_path_named_exists() -> None:
    checked = 0
    for each in pages():
        for span in each.spans():
            if not PATH.fullmatch(span) or generated(span):
                continue
            assert (ROOT / span).exists(), f"{each.name}: `{span}` does not exist"
            checked += 1
    assert checked > 50


# --- make, policybot and Python names -------------------------------------------------------------------------------


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", text, re.MULTILINE))


def test_every_make_target_named_is_in_the_makefile() -> None:
    targets, named = make_targets(), set()
    for each in pages():
        for code in each.code():
            for target in MAKE.findall(code):
                assert target in targets, f"{each.name}: `make {target}`: the Makefile has {sorted(targets)}"
                named.add(target)
    assert {"run", "test", "check", "mutation"} <= named


def subcommands() -> Mapping[str, argparse.ArgumentParser]:
    from bot.arguments import command_parser

    [found] = [a for a in command_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return found.choices


def test_every_policybot_command_and_option_named_is_the_command_lines() -> None:
    commands, named = subcommands(), set()
    for each in pages():
        for code in each.code():
            if LOG_LINE.fullmatch(code):
                continue  # a log line ("policybot stopped"): checked against the code's own below
            for sub, rest in POLICYBOT.findall(code):
                assert sub in commands, f"{each.name}: `policybot {sub}` is not one of {sorted(commands)}"
                parser = commands[sub]
                for option in OPTION.findall(rest):
                    assert option in parser._option_string_actions, f"{each.name}: `policybot {sub} {option}`"
                chosen = [list(a.choices) for a in parser._actions if not a.option_strings and a.choices]
                words = rest.split()
                if chosen and words and not words[0].startswith(("-", "[")):
                    assert words[0] in chosen[0], f"{each.name}: `policybot {sub} {words[0]}`"
                named.add(sub)
    assert set(commands) <= named, f"commands the pages never name: {set(commands) - named}"


def test_every_option_named_alone_is_one_of_the_command_lines() -> None:
    """`--include-details`, named in a sentence without its command, is still some command's option."""
    options = {option for parser in subcommands().values() for option in parser._option_string_actions}
    checked = 0
    for each in pages():
        for span in each.spans():
            if span.startswith("-"):
                for option in OPTION.findall(span):
                    assert option in options, f"{each.name}: `{option}` is no policybot command's option"
                    checked += 1
    assert checked > 10


def resolve(dotted: str) -> Any:
    """The module, class, function or value a dotted name names; AttributeError or an import error if none."""
    parts = dotted.removesuffix("()").split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            found: Any = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is None or not (name == error.name or name.startswith(error.name + ".")):
                raise  # a module that is there, failing to import something of its own
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(dotted)


def test_every_python_name_named_exists() -> None:
    checked = 0
    for each in pages():
        for span in each.spans():
            if DOTTED.fullmatch(span) and not generated(span):
                try:
                    resolve(span)
                except (AttributeError, ModuleNotFoundError):
                    pytest.fail(f"{each.name}: `{span}` names nothing in the code")
                checked += 1
        for code in each.code():
            for module in MODULE.findall(code):
                assert importlib.util.find_spec(module), f"{each.name}: `python -m {module}`: no such module"
    assert checked > 100


LEVELS = {"debug": {"DEBUG"}, "info": {"INFO"}, "warning": {"WARNING"}, "error": {"ERROR"}}
PLACEHOLDER = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdrf]")


@cache
def log_messages() -> dict[tuple[str, str], list[re.Pattern[str]]]:
    """(logger, level) -> every message the product's code logs there, as a pattern (a placeholder is any text).
    A logger is a module's `logging.getLogger(__name__)` or one it names; `log.log(level, ...)` may be any level."""
    found: dict[tuple[str, str], list[re.Pattern[str]]] = {}
    for package in (*PRODUCT, "flows"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            loggers = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args:
                    if ast.unparse(node.value.func) == "logging.getLogger":
                        [argument] = node.value.args
                        name = module if ast.unparse(argument) == "__name__" else getattr(argument, "value", None)
                        for target in node.targets:
                            if isinstance(target, ast.Name) and isinstance(name, str):
                                loggers[target.id] = name
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                owner, method = node.func.value, node.func.attr
                if not (isinstance(owner, ast.Name) and owner.id in loggers) or method not in (*LEVELS, "log"):
                    continue
                arguments = node.args[1:] if method == "log" else node.args
                if arguments and isinstance(arguments[0], ast.Constant) and isinstance(arguments[0].value, str):
                    pieces = PLACEHOLDER.split(arguments[0].value)
                    pattern = re.compile(".*".join(re.escape(piece) for piece in pieces))
                    for level in LEVELS.get(method) or {"DEBUG", "INFO", "WARNING", "ERROR"}:
                        found.setdefault((loggers[owner.id], level), []).append(pattern)
    return found


def test_every_log_line_quoted_is_one_the_code_writes() -> None:
    """`INFO policybot: policybot stopped`, or a whole line with its time: that logger writes that message at that
    level ("..." stands where the page leaves a value out)."""
    messages, checked = log_messages(), 0
    for each in pages():
        for code in each.code():
            if found := LOG_LINE.fullmatch(code):
                level, logger, message = found.groups()
                example = message.replace("...", "X")
                patterns = messages.get((logger, level), [])
                assert any(p.fullmatch(example) for p in patterns), f"{each.name}: no {level} {logger} writes {code!r}"
                checked += 1
    assert checked >= 10


def test_each_place_to_find_names_the_code() -> None:
    rows = table_rows(page(ROOT / "docs" / "architecture.md").section("Where to find"))[1:]
    assert len(rows) == 8
    for behaviour, where in rows:
        assert any(DOTTED.fullmatch(span) for span in SPAN.findall(where)), f"{behaviour}: name the code"


# --- settings ---------------------------------------------------------------------------------------------------------


def environment_reads(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Every environment variable the packages' code reads by name, with each default it is read with: through
    os.environ or os.getenv, and through bot.reader.Reader's methods (whose default, if any, is the second
    argument)."""
    from bot.reader import Reader

    defaulted = {
        name: list(inspect.signature(method).parameters)[2:3] == ["default"]
        for name, method in inspect.getmembers(Reader, inspect.isfunction)
        if not name.startswith("_")
    }
    found: dict[str, set[str]] = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                name, default = None, None
                if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                    called = ast.unparse(node.func)
                    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
                    if called in ("os.environ.get", "os.getenv") or method in defaulted:
                        name = node.args[0].value
                        takes_default = method not in defaulted or defaulted[method]
                        if takes_default and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                            default = str(node.args[1].value) or None  # "": none (required, or unset)
                elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                    if isinstance(node.slice, ast.Constant):
                        name = node.slice.value
                if isinstance(name, str) and NAME.fullmatch(name):
                    found.setdefault(name, set()).update({default} if default is not None else set())
    return found


class Recording(Mapping[str, str]):
    """An empty environment that remembers every name asked of it."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@cache
def settings_read() -> dict[str, frozenset[str]]:
    """Every setting the product reads, with its defaults: those named in its code, and those Settings.from_env
    asks for under names it works out (the retention periods')."""
    from bot.config import ConfigErrors, Settings

    found = {name: frozenset(defaults) for name, defaults in environment_reads(PRODUCT).items()}
    environment = Recording()
    with pytest.raises(ConfigErrors):
        Settings.from_env(environment)
    for name in environment.asked - set(found):
        found[name] = frozenset()
    return found


def settings_table() -> dict[str, list[str]]:
    """The README's Configuration tables: each setting named in a row's first cell, with the row's cells."""
    rows: dict[str, list[str]] = {}
    for cells in table_rows(page(README).section("Configuration")):
        for name in SPAN.findall(cells[0]):
            if NAME.fullmatch(name):
                assert name not in rows, f"{name} is in the settings table twice"
                rows[name] = cells
    return rows


def test_the_code_reads_the_settings_we_know_of() -> None:
    """The search for settings finds what it must (so that the checks below are not empty)."""
    read = settings_read()
    assert len(read) > 30
    assert {"SLACK_BOT_TOKEN", "POLICYBOT_ENV_FILE", "PORT", "RETAIN_SAFEGUARDING_YEARS"} <= set(read)
    assert read["ACK_NUDGE_AFTER"] == {"4h"} and read["PORT"] == {"3000"}


def test_every_setting_the_code_reads_is_in_the_settings_table_and_nothing_else_is() -> None:
    read, table = set(settings_read()), set(settings_table())
    assert not read - table, f"settings the code reads that the README's table leaves out: {sorted(read - table)}"
    assert not table - read, f"settings in the README's table that the code never reads: {sorted(table - read)}"


def test_each_setting_in_the_table_shows_the_default_the_code_reads_it_with() -> None:
    from flows.retention import DEFAULTS

    table = settings_table()
    for name, defaults in settings_read().items():
        for default in defaults:
            assert f"`{default}`" in table[name][1], f"{name}: the code's default is {default}, not {table[name][1]}"
    for held in DEFAULTS.values():
        years = f"{held.years} year" + ("s" if held.years != 1 else "")
        assert table[held.setting][1] == years, f"{held.setting}: the code's default is {years}"


def test_every_setting_named_anywhere_in_the_pages_is_read_by_some_code() -> None:
    known = set(settings_read()) | set(environment_reads(("tests", "bench")))
    # A command's own placeholders: `policybot subject-access USER_ID`.
    known |= {action.dest.upper() for parser in subcommands().values() for action in parser._actions}
    # The PostgreSQL image's own, named where compose.yaml sets them (POSTGRES_PASSWORD in postgres.env).
    known |= set(SETTING.findall((ROOT / "compose.yaml").read_text()))
    named = set()
    for each in pages():
        for line in [*each.prose, *each.fenced]:
            for name in SETTING.findall(line):
                assert name in known, f"{each.name}: {name} is not a setting any code reads"
                named.add(name)
    assert "POLICYBOT_TEST_DATABASE_URL" in named and "DELIVERY_RETRY_SECONDS" in named


# --- what the code says about the README, and the Slack app -------------------------------------------------------


def test_the_readme_sections_the_code_points_people_to_are_there() -> None:
    readme = page(README)
    pointed = 0
    for package in ("bot", "flows", "storage", "sandbox"):
        for path in (ROOT / package).rglob("*.py"):
            source = " ".join(path.read_text().split())
            for heading in re.findall(r"'([^']+)' in README\.md", source):
                assert anchor(heading) in readme.anchors(), f"{path.name} points to {heading!r} in README.md"
                pointed += 1
            for heading in re.findall(r"the (\w+) table in README\.md", source):
                assert table_rows(readme.section(heading)), f"{path.name} points to the {heading} table"
                pointed += 1
    assert pointed >= 2


def test_the_schema_revisions_named_are_the_migrations_newest() -> None:
    """`policybot db upgrade`'s example says what it says today: the newest revision, upgraded from the one before."""
    revisions = {}
    for path in (ROOT / "storage" / "migrations" / "versions").glob("*.py"):
        source = path.read_text()
        found = re.search(r'^revision: str = "(\w+)"', source, re.MULTILINE)
        before = re.search(r'^down_revision: str \| None = (?:"(\w+)"|None)', source, re.MULTILINE)
        if found and before:
            revisions[found.group(1)] = before.group(1)
    [head] = set(revisions) - set(revisions.values())
    [base] = [name for name, before in revisions.items() if before is None]
    named = 0
    for each in pages():
        text = " ".join([*each.paragraphs, *each.fenced])
        for first, last in re.findall(r"revisions (\w+) to (\w+)", text):
            assert (first, last) == (base, head), f"{each.name}: revisions {first} to {last}; they are {base}-{head}"
            named += 1
        for before, after in re.findall(r"from revision (\w+) to (\w+)", text):
            assert (before, after) == (revisions[head], head), f"{each.name}: from revision {before} to {after}"
            named += 1
        for revision in re.findall(r"\(revision (\w+)\)", text):
            assert revision == head, f"{each.name}: revision {revision}, but the newest is {head}"
            named += 1
    assert named >= 3


def test_the_scopes_the_readme_explains_are_the_manifests() -> None:
    manifest = (ROOT / "manifest.yml").read_text()
    bot = manifest.split("    bot:\n", 1)[1].split("\nsettings:", 1)[0]
    scopes = set(re.findall(r"^\s+- ([\w:.]+)", bot, re.MULTILINE))
    explained = {
        cells[0].strip("`")
        for cells in table_rows(page(README).section("Connecting to your Slack workspace"))
        if re.fullmatch(r"`[\w:.]+`", cells[0])
    }
    assert len(scopes) >= 10 and explained == scopes
