"""The pages under docs/ name only settings and commands the code has, so they cannot drift."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

import pytest

from bot import cli
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
SETTING = re.compile(r"\bREADINESS_[A-Z][A-Z0-9_]*")
TEST_SETTING = re.compile(r"environ\.get\(\s*\"(READINESS_TEST_[A-Z0-9_]+)\"")
COMMAND = re.compile(r"`(readiness(?: [^`]+)?)`")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def unknown_in(command: str) -> str | None:
    """Walk `readiness sub [sub] [args] [--options]` through the CLI's parser; name what it
    does not know (a subcommand, or an option of that subcommand), else None."""
    parser = cli._parser()
    words = command.split()[1:]
    if not words:
        return None
    choices = subcommands(parser)
    if words[0] not in choices:
        return f"no subcommand {words[0]!r}"
    while words and words[0] in choices:
        parser = choices[words.pop(0)]
        choices = subcommands(parser)
    for word in words:
        option = word.split("=")[0]
        if option.startswith("--") and option not in parser._option_string_actions:
            return f"no option {option}"
    return None


def test_the_docs_are_there() -> None:
    assert {path.name for path in DOCS} >= {"operations.md", "architecture.md"}


@pytest.mark.parametrize("page", DOCS, ids=lambda path: path.name)
def test_every_setting_named_exists(page: Path) -> None:
    known = {f"READINESS_{name.upper()}" for name in Settings.model_fields}
    # The test suite's own variables (the test Redis), read where the tests read them.
    for source in (ROOT / "tests").rglob("*.py"):
        known |= set(TEST_SETTING.findall(source.read_text(encoding="utf-8")))
    named = set(SETTING.findall(page.read_text(encoding="utf-8")))
    assert named - known == set()


@pytest.mark.parametrize("page", DOCS, ids=lambda path: path.name)
def test_every_command_named_exists(page: Path) -> None:
    commands = COMMAND.findall(page.read_text(encoding="utf-8"))
    assert {c: unknown_in(c) for c in commands if unknown_in(c)} == {}


def documented_defaults(page: Path) -> dict[str, str]:
    """Read the settings table: `| `READINESS_A`, `READINESS_B` | `a`, `b` | what |` rows."""
    defaults = {}
    for line in page.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        names = SETTING.findall(cells[0])
        if len(cells) < 3 or not names or not cells[0].startswith("`READINESS_"):
            continue
        values = [cells[1]] * len(names) if " or " in cells[0] else cells[1].split(", ")
        defaults.update(zip(names, (v.strip("`") for v in values), strict=True))
    return defaults


def test_the_settings_table_gives_each_settings_real_default() -> None:
    """A default changed in bot/settings.py and not in docs/operations.md fails here."""
    table = documented_defaults(ROOT / "docs" / "operations.md")
    fields = {f"READINESS_{name.upper()}": field for name, field in Settings.model_fields.items()}
    assert set(table) == set(fields)  # every setting is in the table
    for name, documented in table.items():
        field = fields[name]
        if field.is_required():
            assert documented == "required", name
        elif field.default is None:
            assert documented in ("unset", "one required"), name
        elif isinstance(field.default, Path):
            assert Path(documented) == field.default, name
        elif isinstance(field.default, int | float):
            assert float(documented) == field.default, name
        else:
            assert documented == field.default, name


def test_the_check_tells_a_missing_command_or_option() -> None:
    """The walk itself: what it must catch when a page names a command that is not there."""
    assert unknown_in("readiness backup FILE --force") is None
    assert unknown_in("readiness config check [FILE]") is None
    assert unknown_in("readiness backups FILE") == "no subcommand 'backups'"
    assert unknown_in("readiness restore FILE --overwrite") == "no option --overwrite"
    assert unknown_in("readiness jobs --limit=5") is None


def test_the_changelog_and_the_package_version_agree() -> None:
    """Releases are semantic versions, newest first, none newer than the package's version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", project["version"])
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "\n## [Unreleased]\n" in changelog
    released = re.findall(r"^## \[(\d+)\.(\d+)\.(\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    versions = [tuple(map(int, v)) for v in released]
    assert versions == sorted(versions, reverse=True)
    current = tuple(map(int, project["version"].split(".")))
    assert [v for v in versions if v > current] == []
