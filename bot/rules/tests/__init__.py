"""Pack `tests`: changes that make the safety net thinner, so regressions pass CI.

Deleted, removed, weakened, skipped and focused tests in Python, JS/TS, Ruby, Go and Java/Kotlin,
and CI that runs fewer tests or ignores their failure. Tests are found by their definitions in the
text, never by importing or running anything. The semgrep half lives in rules/semgrep/tests.yml.
"""

from __future__ import annotations

from bot.rules.model import Pack
from bot.rules.tests.ci import check_coverage, check_failure_switches, check_test_steps
from bot.rules.tests.languages import is_test_file
from bot.rules.tests.markers import check_markers
from bot.rules.tests.removed import check_removed_assertions, check_removed_tests

__all__ = ["PACK", "check_markers", "check_removed_tests", "is_test_file"]

RULES = {
    "tests/deleted-test-file": (
        "Test file deleted while its tests re-appear nowhere in the change (a notice when the "
        "module it tested is deleted too)."
    ),
    "tests/removed-test": "Test removed from a test file, with no test of that name left or added.",
    "tests/removed-assertion": "Assertion removed from a test that stays, so it checks less.",
    "tests/skipped-test": (
        "Skip or xfail marker added (pytest, unittest, jest, vitest, mocha, RSpec, minitest, "
        "t.Skip, @Disabled)."
    ),
    "tests/focused-test": "Focus marker added (it.only, test.only, fit, fdescribe, focus: true).",
    "tests/unconditional-skip": "Test that calls pytest.skip()/skipTest() unconditionally.",
    "tests/ci-test-step-removed": "Test command removed from CI and run by no remaining pipeline.",
    "tests/ci-failure-allowed": "Test job or step allowed to fail in CI (continue-on-error).",
    "tests/ci-failure-ignored": "Test command whose failure is swallowed in CI or scripts.",
    "tests/coverage-threshold-lowered": (
        "Coverage threshold lowered or removed (--cov-fail-under, fail_under, coverageThreshold)."
    ),
}

PACK = Pack(
    id="tests",
    checks=(
        check_removed_tests,
        check_removed_assertions,
        check_markers,
        check_test_steps,
        check_failure_switches,
        check_coverage,
    ),
    rules=RULES,
)
