"""Pack `tests`: deleted, removed, skipped and focused tests, which let regressions through CI.

Tests are found by their definitions in the text (`def test_…`, `it(…)`/`test(…)`), never by
importing or running anything. The semgrep half of the pack lives in rules/semgrep/tests.yml.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.diff.model import ChangedFile, FileStatus, Line
from bot.rules import paths
from bot.rules.model import Finding, Pack, RuleContext, Severity, fingerprint

PACK_ID = "tests"

PYTHON = frozenset({".py"})
JAVASCRIPT = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"})
CODE_SUFFIXES = PYTHON | JAVASCRIPT | frozenset({
    ".go", ".java", ".kt", ".rb", ".rs", ".php", ".cs", ".scala", ".swift", ".c", ".h", ".cc",
    ".cpp", ".hpp",
})  # fmt: skip
NOT_TESTS = frozenset({"conftest.py", "__init__.py"})
SHOWN_NAMES = 5

_TEST_NAME = re.compile(r"^test_.*\.py$|^tests?\.py$|_test\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$")
_PY_TEST = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(test\w*)", re.MULTILINE)
_JS_TEST = re.compile(
    r"(?<![\w$.])(?:[xf]?it|x?test|specify)(?:\.(?:only|skip|concurrent|failing))*\s*\(\s*"
    r"(?:'([^'\n]*)'|\"([^\"\n]*)\"|`([^`\n]*)`)"
)
_PY_SKIP = re.compile(
    r"\b(?:pytest\.)?mark\.(?:skip|xfail)\b|\b(?:pytest\.)?mark\.skipif(?=\(\s*(?:True|1)\s*[,)])"
    r"|@(?:unittest\.)?(?:skip|expectedFailure)\b"
    r"|\b(?:unittest\.)?(?:skipIf(?=\(\s*(?:True|1)\s*[,)])|skipUnless(?=\(\s*(?:False|0)\s*[,)]))"
)
_JS_SKIP = re.compile(
    r"(?<![\w$.])(?:(?:describe|context|suite|it|test|specify)\.skip\b"
    r"|x(?:describe|context|it|test|specify)(?=\s*\())"
)
_JS_FOCUS = re.compile(
    r"(?<![\w$.])(?:(?:describe|context|suite|it|test|specify)\.only\b|f(?:describe|it)(?=\s*\())"
)

RULES = {
    "tests/deleted-test-file": "test file deleted, and its tests do not re-appear in the change",
    "tests/removed-test": "test removed from a test file, with no test of that name left or added",
    "tests/skipped-test": "skip or xfail marker added (pytest, unittest, jest, vitest, mocha)",
    "tests/focused-test": "focus marker added (it.only, describe.only, test.only, fit, fdescribe)",
    "tests/unconditional-skip": "test that calls pytest.skip()/skipTest() unconditionally",
}


@dataclass(frozen=True)
class Marker:
    """A marker that stops tests from running, and why that is a risk."""

    rule: str
    severity: Severity
    risk: str


SKIP = Marker(
    "tests/skipped-test",
    Severity.WARNING,
    "a skipped or expected-to-fail test no longer guards its behaviour, so a regression there "
    "would pass CI. Fix the test, or link the issue that tracks turning it back on.",
)
FOCUS = Marker(
    "tests/focused-test",
    Severity.ERROR,
    "the runner then skips every test that is not focused, so CI goes green without running "
    "them. Remove it before merging.",
)


def is_test_file(path: str) -> bool:
    """Tell whether a path holds Python or JS/TS tests, by the test runners' naming habits."""
    posix = PurePosixPath(path)
    if posix.suffix not in PYTHON | JAVASCRIPT or posix.name in NOT_TESTS:
        return False
    return bool(_TEST_NAME.search(posix.name)) or not paths.TEST_DIRS.isdisjoint(posix.parts[:-1])


def is_production(path: str) -> bool:
    """Tell whether a path is application code: source that ships, not tests or their setup."""
    return PurePosixPath(path).suffix in CODE_SUFFIXES and paths.is_production(path)


async def check_removed_tests(ctx: RuleContext) -> list[Finding]:
    """Flag tests that vanish without re-appearing elsewhere: what they checked goes unchecked."""
    files = [f for f in ctx.change.files if not f.binary]
    production = any(is_production(f.path) for f in ctx.change.files)
    severity = Severity.ERROR if production else Severity.WARNING
    replacements = Counter(name for f in files for name, _ in _definitions(f.path, f.added))
    findings: list[Finding] = []
    for changed in files:
        if changed.status is FileStatus.ADDED or not is_test_file(changed.old_path or changed.path):
            continue
        removed = _definitions(changed.path, changed.removed)
        gone = [(name, line) for name, line in removed if not _take(replacements, name)]
        if not gone:
            continue
        if changed.status is FileStatus.REMOVED:
            findings.append(_deleted_file(changed, gone, severity, production))
            continue
        gone = await _still_defined(ctx, changed, _renamed_in_place(changed, gone, removed))
        findings.extend(
            _removed_test(changed, name, line, severity, production) for name, line in gone
        )
    return findings


async def check_markers(ctx: RuleContext) -> list[Finding]:
    """Flag added skip and focus markers: both stop tests from guarding the code in CI."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        posix = PurePosixPath(changed.path)
        if changed.binary or not (is_test_file(changed.path) or posix.name == "conftest.py"):
            continue
        for line in changed.added:
            findings.extend(
                _marker(changed.path, line, marker, text)
                for marker, text in _markers(posix.suffix in PYTHON, line.text)
            )
    return findings


def _markers(python: bool, text: str) -> list[tuple[Marker, str]]:
    """Return the markers in the code part of a line; a marker in a comment changes nothing."""
    if python:
        return [(SKIP, m.group()) for m in _PY_SKIP.finditer(text.split("#", 1)[0])]
    code = text.split("//", 1)[0]
    if code.lstrip().startswith(("/*", "*")):
        return []
    return [(SKIP, m.group()) for m in _JS_SKIP.finditer(code)] + [
        (FOCUS, m.group()) for m in _JS_FOCUS.finditer(code)
    ]


def _definitions(path: str, lines: Sequence[Line]) -> list[tuple[str, Line]]:
    """Return the tests defined on the given lines, with the line each definition starts on."""
    pattern = _pattern(path)
    if pattern is None or not lines:
        return []
    text = "\n".join(line.text for line in lines)
    starts = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line.text) + 1
    return [(name, lines[bisect_right(starts, at) - 1]) for name, at in _names(pattern, text)]


def _pattern(path: str) -> re.Pattern[str] | None:
    suffix = PurePosixPath(path).suffix
    return _PY_TEST if suffix in PYTHON else _JS_TEST if suffix in JAVASCRIPT else None


def _names(pattern: re.Pattern[str], text: str) -> Iterator[tuple[str, int]]:
    for match in pattern.finditer(text):
        yield next(group for group in match.groups() if group is not None), match.start()


def _take(pool: Counter[str], name: str) -> bool:
    """Use up one added test of this name, if any: it replaces one removed test."""
    if pool[name] <= 0:
        return False
    pool[name] -= 1
    return True


def _renamed_in_place(
    changed: ChangedFile, gone: list[tuple[str, Line]], removed: list[tuple[str, Line]]
) -> list[tuple[str, Line]]:
    """Drop tests whose header changed but whose body stayed: that is a rename, not a removal.

    A removed definition whose next line is unchanged is paired with an added definition of a
    new name whose next line is unchanged too.
    """
    removed_numbers = {line.number for line in changed.removed}
    added_numbers = {line.number for line in changed.added}
    old_names = {name for name, _ in removed}
    new_headers = [
        line
        for name, line in _definitions(changed.path, changed.added)
        if name not in old_names and line.number + 1 not in added_numbers
    ]
    kept = []
    for name, line in gone:
        if line.number + 1 not in removed_numbers and new_headers:
            new_headers.pop(0)
        else:
            kept.append((name, line))
    return kept


async def _still_defined(
    ctx: RuleContext, changed: ChangedFile, gone: list[tuple[str, Line]]
) -> list[tuple[str, Line]]:
    """Keep only tests that the head file defines fewer times than the base file did."""
    if not gone:
        return gone
    pattern = _pattern(changed.path)
    head = await ctx.contents.read(changed.path, "head")
    base = await ctx.contents.read(changed.old_path or changed.path, "base")
    if pattern is None or head is None or base is None:
        return gone
    before = Counter(name for name, _ in _names(pattern, base))
    after = Counter(name for name, _ in _names(pattern, head))
    return [(name, line) for name, line in gone if after[name] < before[name]]


def _deleted_file(
    changed: ChangedFile, gone: list[tuple[str, Line]], severity: Severity, production: bool
) -> Finding:
    rule = "tests/deleted-test-file"
    names = ", ".join(f"`{name}`" for name, _ in gone[:SHOWN_NAMES])
    more = f" and {len(gone) - SHOWN_NAMES} more" if len(gone) > SHOWN_NAMES else ""
    message = (
        f"This deletes a test file whose {len(gone)} test(s) ({names}{more}) do not re-appear "
        f"elsewhere in the change: {_why(production)} Restore them, or say in the pull request "
        "why they are obsolete."
    )
    return Finding(
        rule=rule,
        pack=PACK_ID,
        path=changed.path,
        line=gone[0][1].number,
        severity=severity,
        message=message,
        fingerprint=fingerprint(rule, changed.path, "deleted"),
        side="LEFT",
    )


def _removed_test(
    changed: ChangedFile, name: str, line: Line, severity: Severity, production: bool
) -> Finding:
    rule = "tests/removed-test"
    message = (
        f"This removes the test `{name}` and adds no test of that name back: {_why(production)} "
        "Keep it, or say in the pull request why it is obsolete."
    )
    return Finding(
        rule=rule,
        pack=PACK_ID,
        path=changed.path,
        line=line.number,
        severity=severity,
        message=message,
        fingerprint=fingerprint(rule, changed.path, name),
        side="LEFT",
    )


def _why(production: bool) -> str:
    also = ", and this pull request also changes production code" if production else ""
    return f"nothing tests that behaviour any more{also}."


def _marker(path: str, line: Line, marker: Marker, text: str) -> Finding:
    return Finding(
        rule=marker.rule,
        pack=PACK_ID,
        path=path,
        line=line.number,
        severity=marker.severity,
        message=f"This adds `{text}`: {marker.risk}",
        fingerprint=fingerprint(marker.rule, path, line.text),
    )


PACK = Pack(id=PACK_ID, checks=(check_removed_tests, check_markers), rules=RULES)
