"""What a test looks like in each stack: its file names, its definitions and its assertions."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from bot.diff.model import Line
from bot.rules import paths

_QUOTED = r"""(?:'([^'\n]*)'|"([^"\n]*)"|`([^`\n]*)`)"""
# A line that only closes a block still belongs to the test it closes.
_CLOSER = re.compile(r"^\s*(?:[})\]];?\s*)+$|^\s*end\b")


@dataclass(frozen=True)
class Language:
    """How one stack names test files, defines tests and asserts."""

    name: str
    suffixes: frozenset[str]
    file: re.Pattern[str]
    definition: re.Pattern[str]
    assertion: re.Pattern[str]
    comment: str
    setup: frozenset[str] = frozenset()


PYTHON = Language(
    "python",
    frozenset({".py"}),
    re.compile(r"^test_.*\.py$|^tests?\.py$|_test\.py$"),
    re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(test\w*)", re.MULTILINE),
    re.compile(r"^\s*assert\b|\bself\.assert\w*\(|\bpytest\.raises\(|\bassert_\w+\("),
    "#",
    frozenset({"conftest.py", "__init__.py"}),
)
JAVASCRIPT = Language(
    "javascript",
    paths.SCRIPT_SUFFIXES,
    re.compile(r"\.(?:test|spec)\.[cm]?[jt]sx?$"),
    re.compile(
        r"(?<![\w$.])(?:[xf]?it|x?test|specify)(?:\.(?:only|skip|concurrent|failing))*\s*\(\s*"
        + _QUOTED
    ),
    re.compile(r"\bexpect\s*\(|\bassert\b\s*[.(]|\.should\b|\bexpectTypeOf\s*\("),
    "//",
)
RUBY = Language(
    "ruby",
    frozenset({".rb"}),
    re.compile(r"_(?:spec|test)\.rb$|^test_.*\.rb$"),
    re.compile(
        r"^[ \t]*(?:(?:[xf]?it|specify|example|scenario|test)\s*\(?\s*"
        + _QUOTED
        + r"|def\s+(test_\w+))",
        re.MULTILINE,
    ),
    re.compile(r"\bexpect\s*[({]|\bassert\w*\b|\brefute\w*\b|\bmust_\w+|\bshould\b|\.to\b"),
    "#",
    frozenset({"spec_helper.rb", "rails_helper.rb", "test_helper.rb"}),
)
GO = Language(
    "go",
    frozenset({".go"}),
    re.compile(r"_test\.go$"),
    re.compile(r"^func\s+(Test\w*)\s*\(", re.MULTILINE),
    re.compile(r"\b\w+\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\(|\b(?:assert|require)\.\w+\("),
    "//",
)
JVM = Language(
    "jvm",
    frozenset({".java", ".kt"}),
    re.compile(r"^Test\w+\.(?:java|kt)$|\w(?:Test|Tests|IT|Spec)\.(?:java|kt)$"),
    re.compile(
        r"^[ \t]*@(?:Test|ParameterizedTest|RepeatedTest)\b[^\n]*\n(?:[ \t]*@[^\n]*\n)*"
        r"[ \t]*(?:(?:public|protected|private|internal|open|suspend)\s+)*(?:void|fun)\s+"
        r"(\w+|`[^`\n]+`)",
        re.MULTILINE,
    ),
    re.compile(r"\b(?:assert\w*|verify|expect\w*|should\w*)\s*[({]|\bassertThat\b"),
    "//",
)
LANGUAGES = (PYTHON, JAVASCRIPT, RUBY, GO, JVM)
# The same, as `bot.rules.paths.language` names them (the rules' declared languages).
TEST_LANGUAGES = frozenset(
    {"python", "javascript", "typescript", "tsx", "ruby", "go", "java", "kotlin"}
)


def language(path: str) -> Language | None:
    """Return the stack a source file belongs to, by its suffix."""
    suffix = paths.suffix(path)
    return next((lang for lang in LANGUAGES if suffix in lang.suffixes), None)


def is_test_file(path: str) -> bool:
    """Tell whether a path holds tests, by each runner's naming habits or a test folder."""
    lang = language(path)
    posix = PurePosixPath(path)
    if lang is None or posix.name in lang.setup:
        return False
    if lang.file.search(posix.name):
        return True
    folders = [part.lower() for part in posix.parts[:-1]]
    in_test_dir = not paths.TEST_DIRS.isdisjoint(folders)
    return lang is not GO and (in_test_dir or (lang is JVM and "src/test" in path))


@lru_cache(maxsize=1 << 12)
@lru_cache(maxsize=1 << 14)
def subject(path: str) -> str:
    """Name the module a test file covers: `tests/test_cart.py`, `CartTest.java` → `cart`.

    Cached: each test file of a change is compared with every changed production module.
    """
    name = PurePosixPath(path).name.split(".")[0]
    name = re.sub(
        r"^test_|_(?:test|spec)$|^Test(?=[A-Z])|(?<=[a-z0-9])(?:Tests?|IT|Spec)$", "", name
    )
    return name.lower()


def code(lang: Language, text: str) -> str:
    """Drop a trailing line comment, so a marker in a comment changes nothing."""
    return text.split(lang.comment, 1)[0]


@dataclass(frozen=True)
class Definition:
    """A test defined on some lines: its name, the line its definition starts on (a JVM test's
    first annotation) and the line holding its name (the `def`, `it(`, the JVM method)."""

    name: str
    first: Line
    named: Line


def definitions(path: str, lines: Sequence[Line]) -> list[Definition]:
    """Return the tests defined on the given lines, each with its first line and its name's."""
    lang = language(path)
    if lang is None or not lines:
        return []
    text = "\n".join(line.text for line in lines)
    starts = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line.text) + 1

    def at(offset: int) -> Line:
        return lines[bisect_right(starts, offset) - 1]

    return [
        Definition(name, at(match.start()), at(match.start(_named(match))))
        for name, match in _matches(lang, text)
    ]


def names(lang: Language, text: str) -> Iterator[tuple[str, int]]:
    """Yield each test's name and the offset where its definition starts."""
    for name, match in _matches(lang, text):
        yield name, match.start()


def _matches(lang: Language, text: str) -> Iterator[tuple[str, re.Match[str]]]:
    for match in lang.definition.finditer(text):
        yield next(group for group in match.groups() if group is not None), match


def _named(match: re.Match[str]) -> int:
    """Return the number of the group holding a definition's name: the first that matched."""
    return next(index for index, group in enumerate(match.groups(), 1) if group is not None)


def spans(lang: Language, text: str) -> dict[str, tuple[int, int]]:
    """Map each test defined once in a file to its first and last line (1-based), by indentation."""
    lines = text.splitlines()
    found: dict[str, tuple[int, int]] = {}
    seen: set[str] = set()
    for name, match in _matches(lang, text):
        start = text.count("\n", 0, match.start())
        end = text.count("\n", 0, match.end())  # a JVM test's header follows its annotations
        indent = _indent(lines[start])
        for index in range(end + 1, len(lines)):
            if not lines[index].strip():
                continue
            if _indent(lines[index]) > indent:
                end = index
                continue
            if _CLOSER.match(lines[index]):
                end = index
            break
        if name in seen:
            found.pop(name, None)
        else:
            found[name] = (start + 1, end + 1)
        seen.add(name)
    return found


def assertions(lang: Language, lines: Sequence[str]) -> int:
    """Count the assertions on some lines: each match, so joining or splitting a chain over
    lines (`expect(x)` / `.to eq(y)`) changes nothing."""
    return sum(len(lang.assertion.findall(code(lang, line))) for line in lines)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())
