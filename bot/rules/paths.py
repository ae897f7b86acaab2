"""Classify changed files by role, so packs judge production code and leave tests alone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePosixPath

from bot.diff.model import Line
from bot.snapshot import trees

# Rules ask about the same few paths once per line: each answer is kept (a path is a short str).
PATHS_CACHED = 4096

PYTHON_SUFFIXES = frozenset({".py"})
SCRIPT_SUFFIXES = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"})

TEST_DIRS = frozenset(
    {"test", "tests", "__tests__", "spec", "specs", "e2e", "cypress", "playwright"}
)
FIXTURE_DIRS = frozenset(
    {"fixtures", "__fixtures__", "__mocks__", "mocks", "testdata", "test_data", "test-data"}
)
# Parts of a module name or import specifier that name test-side code.
TEST_MODULE_PARTS = FIXTURE_DIRS | {
    *("tests", "__tests__", "conftest", "test_utils", "test-utils", "testutils"),
    *("test_helpers", "test-helpers"),
}
DOC_DIRS = frozenset({"doc", "docs", "documentation", "example", "examples"})
STORY_DIRS = frozenset({".storybook", "stories"})
MIGRATION_DIRS = frozenset({"migrations", "alembic", "migrate"})
# Words of a folder name: `old_migrations`, `migrations-archive` hold migrations all the same.
_FOLDER_WORDS = re.compile(r"[^_.-]+")
DOC_SUFFIXES = frozenset({".md", ".mdx", ".rst", ".txt", ".ipynb"})
# Languages rules declare (`Rule.languages`) that no parser of ours reads, by suffix and by file
# name; a parsed file's language is its parser's name (`bot.snapshot.trees.language`).
UNPARSED_SUFFIXES = {
    ".java": "java",
    **dict.fromkeys((".kt", ".kts"), "kotlin"),
    ".sql": "sql",
    ".prisma": "prisma",
    ".json": "json",
    ".toml": "toml",
    **dict.fromkeys((".ini", ".cfg"), "ini"),
    **dict.fromkeys((".html", ".htm"), "html"),
    ".vue": "vue",
    ".svelte": "svelte",
    ".astro": "astro",
}
UNPARSED_NAMES = {"makefile": "make", "justfile": "just", ".coveragerc": "ini", ".nycrc": "json"}
LANGUAGES = frozenset(
    {"python", *trees.TREE_SITTER_SUFFIXES.values()}
    | {*UNPARSED_SUFFIXES.values(), *UNPARSED_NAMES.values()}
)

_TEST_FILE = re.compile(
    r"""^(?:test_.*\.py|(?:.*_)?tests?\.py|conftest\.py
    |.*\.(?:test|spec|e2e)\.[cm]?[jt]sx?
    |(?:setup-?tests|jest\.setup|vitest\.setup|test[-_]?utils|test[-_]?helpers)\.[\w.]+)$""",
    re.IGNORECASE | re.VERBOSE,
)
_FIXTURE_FILE = re.compile(
    r"\.(?:fixtures?|mocks?)(?:\.\w+)?$|^mocks?[\w.-]*\.json$", re.IGNORECASE
)
_SEED_PART = re.compile(r"(?:^|[_.-])seed(?:s|ers?|ing|_data)?(?:[_.-]|$)", re.IGNORECASE)
# A word of a file or folder name that says it sets up a test or CI run, not a deployment:
# `settings/testing.py`, `ci_settings.py`, `smoketest_configuration.py`, `SmokeTestSettings`.
_TEST_RUN_WORD = re.compile(
    r"tests?|testing|ci|e2e|test(?:settings|conf|config|configuration)"
    r"|(?:smoke|load|stress|soak|perf|unit|integration|functional|acceptance|system|e2e|ci)tests?"
)
_NAME_PIECE = re.compile(r"[A-Za-z0-9]+")
_CAMEL_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@lru_cache(maxsize=PATHS_CACHED)
def parts(path: str) -> tuple[str, ...]:
    """Split a repository path into its folder and file names."""
    return PurePosixPath(path).parts


@lru_cache(maxsize=PATHS_CACHED)
def is_test(path: str) -> bool:
    """Tell whether a path is test code: a test folder, a test file or a test setup module."""
    *folders, name = parts(path) or ("",)
    return bool(_TEST_FILE.match(name)) or any(part.lower() in TEST_DIRS for part in folders)


@lru_cache(maxsize=PATHS_CACHED)
def is_fixture(path: str) -> bool:
    """Tell whether a path holds fixture or mock data rather than code that serves it."""
    *folders, name = parts(path) or ("",)
    return bool(_FIXTURE_FILE.search(name)) or any(part.lower() in FIXTURE_DIRS for part in folders)


def name_words(name: str) -> set[str]:
    """Return the lower-cased words of a name, split at separators and at camel-case humps
    (`SmokeTest_settings` → smoketest, smoke, test, settings)."""
    pieces = _NAME_PIECE.findall(name)
    return {w.lower() for piece in pieces for w in (piece, *_CAMEL_WORD.findall(piece))}


def names_test_run(name: str) -> bool:
    """Tell whether a path or class name says it sets up a test or CI run (`ci_settings.py`,
    `settings/testing.py`, `scripts/smoketest_configuration.py`, `E2ETestConfig`)."""
    return any(_TEST_RUN_WORD.fullmatch(word) for word in name_words(name))


def is_test_module(names: Sequence[str]) -> bool:
    """Tell whether a dotted module name's or an import specifier's parts name test-side code."""
    lowered = [name.lower() for name in names]
    return bool(lowered and _FIXTURE_FILE.search(lowered[-1])) or any(
        name in TEST_MODULE_PARTS or name.startswith(("test_", "mock_", "fake_"))
        for name in lowered
    )


@lru_cache(maxsize=PATHS_CACHED)
def is_production(path: str) -> bool:
    """Tell whether a path ships to users: not a test, fixture, seed, story, doc or migration."""
    lowered = [part.lower() for part in parts(path)]
    name = lowered[-1] if lowered else ""
    return not (
        is_test(path)
        or is_fixture(path)
        or any(_SEED_PART.search(part) for part in lowered)
        or ".stories." in name
        or any(part in STORY_DIRS or part in DOC_DIRS for part in lowered[:-1])
        or any(is_migration_folder(part) for part in lowered[:-1])
        or PurePosixPath(name).suffix in DOC_SUFFIXES
    )


def is_seed(path: str) -> bool:
    """Tell whether a path loads seed data (`db/seeds.rb`, `scripts/seeds_load.py`, `seeders/`):
    the sample records a development or preview database starts with."""
    return any(_SEED_PART.search(part) for part in parts(path))


def is_migration_folder(name: str) -> bool:
    """Tell whether a folder holds schema migrations, archived ones too (`db/old_migrations`).

    Migrations are history: they keep spelling the SQL and names the application has dropped.
    """
    return any(word in MIGRATION_DIRS for word in _FOLDER_WORDS.findall(name.lower()))


@lru_cache(maxsize=PATHS_CACHED)
def suffix(path: str) -> str:
    return PurePosixPath(path).suffix.lower()


@lru_cache(maxsize=PATHS_CACHED)
def language(path: str) -> str | None:
    """Name a file's language as rules declare theirs (`Rule.languages`); None for any other."""
    name = PurePosixPath(path).name.lower()
    return trees.language(path) or UNPARSED_SUFFIXES.get(suffix(path)) or UNPARSED_NAMES.get(name)


def from_diff(lines: Sequence[Line]) -> list[str]:
    """Rebuild what the diff shows of one side of a file, on the right line numbers."""
    rebuilt = [""] * max((line.number for line in lines), default=0)
    for line in lines:
        rebuilt[line.number - 1] = line.text
    return rebuilt
