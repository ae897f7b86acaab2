"""Skip and focus markers: both stop tests from guarding the code in CI, in every stack."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.diff.model import Line
from bot.rules import paths
from bot.rules.model import Finding, RuleContext, Severity, fingerprint
from bot.rules.tests.languages import (
    GO,
    JVM,
    PYTHON,
    RUBY,
    Language,
    code,
    is_test_file,
    language,
)

PACK_ID = "tests"


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
_RB_BLOCK = r"(?:it|describe|context|specify|example|scenario|feature)"
_RB_SKIP = re.compile(
    rf"(?<![\w.:])x{_RB_BLOCK}(?=[\s(]+['\"\w:])|^\s*(?:skip|pending)\b(?![?!:=])"
    r"|\bskip:\s*(?:true|['\"])|(?<![\w:]):skip\b"
)
_RB_FOCUS = re.compile(
    rf"(?<![\w.:])f{_RB_BLOCK}(?=[\s(]+['\"\w:])|\bfocus:\s*true\b|(?<![\w:]):focus\b"
)
_RB_MODIFIER = re.compile(r"\s(?:if|unless)\s")
_GO_SKIP = re.compile(r"\b\w+\.Skip(?:f|Now)?\(")
_JVM_SKIP = re.compile(r"@(?:Disabled|Ignore)\b(?!\w)")
_CONDITION = re.compile(r"^\s*(?:\}\s*)?(?:if|else|switch|case|default|for)\b")


async def check_markers(ctx: RuleContext) -> list[Finding]:
    """Flag added skip and focus markers: both stop tests from guarding the code in CI."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        lang = language(changed.path)
        # conftest.py applies its markers to a whole folder of tests.
        test_side = is_test_file(changed.path) or PurePosixPath(changed.path).name == "conftest.py"
        if changed.binary or lang is None or not test_side:
            continue
        head: list[str] | None = None
        if lang is GO:
            text = await ctx.contents.read(changed.path, "head")
            head = text.splitlines() if text is not None else paths.from_diff(changed.added)
        for line in changed.added:
            findings.extend(
                _finding(changed.path, line, marker, matched)
                for marker, matched in markers(lang, line.text)
                if head is None or not _conditional(head, line.number)
            )
    return findings


def markers(lang: Language, text: str) -> list[tuple[Marker, str]]:
    """Return the markers in the code part of a line; a marker in a comment changes nothing."""
    part = code(lang, text)
    if lang is PYTHON:
        return [(SKIP, m.group()) for m in _PY_SKIP.finditer(part)]
    if lang is RUBY:
        if _RB_MODIFIER.search(part):  # `skip "slow" if ENV["CI"]` only skips sometimes
            return []
        return _found(SKIP, _RB_SKIP, part) + _found(FOCUS, _RB_FOCUS, part)
    if lang is GO:
        return _found(SKIP, _GO_SKIP, part)
    if lang is JVM:
        return _found(SKIP, _JVM_SKIP, part)
    if part.lstrip().startswith(("/*", "*")):
        return []
    return _found(SKIP, _JS_SKIP, part) + _found(FOCUS, _JS_FOCUS, part)


def _found(marker: Marker, pattern: re.Pattern[str], text: str) -> list[tuple[Marker, str]]:
    return [(marker, m.group().strip()) for m in pattern.finditer(text)]


def _conditional(lines: list[str], number: int) -> bool:
    """Tell whether a Go statement sits in an `if`/`switch` block rather than the test's body."""
    if not 0 < number <= len(lines):
        return False
    indent = len(lines[number - 1]) - len(lines[number - 1].lstrip())
    for above in range(number - 2, -1, -1):
        text = lines[above]
        if text.strip() and len(text) - len(text.lstrip()) < indent:
            return bool(_CONDITION.match(text))
    return False


def _finding(path: str, line: Line, marker: Marker, text: str) -> Finding:
    return Finding(
        rule=marker.rule,
        pack=PACK_ID,
        path=path,
        line=line.number,
        severity=marker.severity,
        message=f"This adds `{text}`: {marker.risk}",
        fingerprint=fingerprint(marker.rule, path, line.text),
    )
