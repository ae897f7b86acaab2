"""Skip and focus markers: both stop tests from guarding the code in CI, in every stack."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.diff.model import Line
from bot.rules.model import Example, Finding, Rule, Severity, fingerprint
from bot.rules.tests import accounted
from bot.rules.tests.languages import (
    GO,
    JVM,
    PYTHON,
    RUBY,
    TEST_LANGUAGES,
    Language,
    code,
    is_test_file,
    language,
)
from bot.rules.tests.skips import Parsed, Spot
from bot.rules.tests.stacks import JAVASCRIPT_STACK, POLYGLOT_STACK, PYTHON_STACK
from bot.snapshot.model import Snapshot

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


def check_markers(snap: Snapshot) -> list[Finding]:
    """Flag added skip and focus markers: both stop tests from guarding the code in CI.

    A line regex finds the markers; the file's parse tree then drops those that switch nothing
    off: conditional skips, pending stubs, markers written in strings (`skips.py`). A skip
    already accounted for (`accounted.py`) is a notice.
    """
    findings: list[Finding] = []
    projects: list[accounted.Project] | None = None
    for changed in snap.change.files:
        lang = language(changed.path)
        # conftest.py applies its markers to a whole folder of tests.
        test_side = is_test_file(changed.path) or PurePosixPath(changed.path).name == "conftest.py"
        if changed.binary or lang is None or not test_side:
            continue
        parsed: Parsed | None = None
        for line in changed.added:
            for marker, match in markers(lang, line.text):
                parsed = parsed or Parsed.of(snap, changed)
                found = match.group()
                start = match.start() + len(found) - len(found.lstrip())
                spot = Spot(line.number, start, start + len(found.strip()), line.text)
                if not parsed.turns_off(spot, skip=marker is SKIP):
                    continue
                text = found.strip()
                if marker is not SKIP:
                    findings.append(_finding(changed.path, line, marker, text))
                    continue
                if projects is None:
                    projects = accounted.imported_projects(snap.whole)
                lines = snap.head_lines(changed)
                findings.append(_skip(changed.path, line, text, lang, lines, start, projects))
    return findings


def _skip(
    path: str,
    line: Line,
    text: str,
    lang: Language,
    lines: list[str],
    start: int,
    projects: list[accounted.Project],
) -> Finding:
    """Report a skip: a notice when its reason links what tracks it, or it came in with a
    project the change brings in whole."""
    tracker = accounted.tracker(lang, lines, line.number, start, text)
    if tracker is not None:
        risk = (
            f"tracked by {tracker}, the test guards nothing until that is resolved. Turn it "
            "back on when it is."
        )
        return _finding(path, line, SKIP, text, Severity.NOTICE, risk)
    project = accounted.project_of(path, projects)
    if project is not None:
        risk = (
            f"it comes with `{project.root}/`, a project of {project.added} new files this "
            "change brings in whole, so the skip most likely predates it. A skipped test "
            "guards nothing: check that it is still wanted."
        )
        return _finding(path, line, SKIP, text, Severity.NOTICE, risk)
    return _finding(path, line, SKIP, text)


def markers(lang: Language, text: str) -> list[tuple[Marker, re.Match[str]]]:
    """Return the markers in the code part of a line; a marker in a comment changes nothing."""
    part = code(lang, text)
    if lang is PYTHON:
        return _found(SKIP, _PY_SKIP, part)
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


def _found(
    marker: Marker, pattern: re.Pattern[str], text: str
) -> list[tuple[Marker, re.Match[str]]]:
    return [(marker, m) for m in pattern.finditer(text)]


def _finding(
    path: str,
    line: Line,
    marker: Marker,
    text: str,
    severity: Severity | None = None,
    risk: str | None = None,
) -> Finding:
    return Finding(
        rule=marker.rule,
        pack=PACK_ID,
        path=path,
        line=line.number,
        severity=severity or marker.severity,
        message=f"This adds `{text}`: {risk or marker.risk}",
        fingerprint=fingerprint(marker.rule, path, line.text),
    )


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        SKIP.rule,
        Severity.WARNING,
        "Unconditional skip or xfail marker added (pytest, unittest, jest, vitest, mocha, RSpec, "
        "minitest, t.Skip, @Disabled); a notice when its reason or the comment above it links "
        "the issue or pull request that tracks it, or when it comes with a project the change "
        "brings in whole (a new folder with its own manifest and 100 or more new files).",
        "Fix the test, or skip it only under the condition that breaks it (`skipif`), with a "
        "linked issue.",
        TEST_LANGUAGES,
        why="A skipped test is green forever: the behaviour it guarded can regress without CI "
        "failing, and skips are rarely turned back on.",
        flagged=Example(
            title="A unittest test case is disabled with @unittest.skip",
            base=(
                *PYTHON_STACK,
                (
                    "tests/test_legacy.py",
                    """\
import unittest


class RefundTest(unittest.TestCase):
    def test_refund(self):
        self.assertTrue(True)
""",
                ),
            ),
            head=(
                (
                    "tests/test_legacy.py",
                    """\
import unittest


class RefundTest(unittest.TestCase):
    @unittest.skip("waiting for the provider")
    def test_refund(self):
        self.assertTrue(True)
""",
                ),
            ),
        ),
        quiet=Example(
            title="A skip with a trailing condition only skips in one environment",
            base=(*POLYGLOT_STACK,),
            head=(
                (
                    "test/models/order_test.rb",
                    """\
require "test_helper"

class OrderTest < ActiveSupport::TestCase
  test "totals its lines" do
    assert_equal 6, orders(:one).total
  end

  def test_is_open_by_default
    skip "needs postgres" unless ENV["DATABASE_URL"]
    assert Order.new.open?
  end
end
""",
                ),
            ),
        ),
    ),
    Rule(
        FOCUS.rule,
        Severity.ERROR,
        "Focus marker added (it.only, test.only, fit, fdescribe, focus: true): the rest of the "
        "suite stops running.",
        "Remove the focus marker before merging.",
        TEST_LANGUAGES,
        why="A focus marker makes the runner run only the focused tests: the rest of the suite "
        "silently stops running in CI, which still reports green.",
        flagged=Example(
            title="A vitest suite gains a test.only",
            base=(*JAVASCRIPT_STACK,),
            head=(
                (
                    "src/format.spec.ts",
                    """\
import { describe, expect, it } from 'vitest';
import { money } from './format';

describe('money', () => {
  it('formats zero', () => {
    expect(money(0)).toBe('€0.00');
  });

  test.only('formats cents', () => {
    expect(money(1234)).toBe('€12.34');
  });
});
""",
                ),
            ),
        ),
        quiet=Example(
            title="spec_helper runs focused examples only when some are focused; it focuses nothing",  # noqa: E501
            base=(*POLYGLOT_STACK,),
            head=(
                (
                    "spec/spec_helper.rb",
                    """\
RSpec.configure do |config|
  config.order = :random
  config.filter_run_when_matching :focus
end
""",
                ),
            ),
        ),
    ),
)
CHECKS = {
    check_markers: (
        SKIP.rule,
        FOCUS.rule,
    )
}
