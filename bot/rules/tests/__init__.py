"""Pack `tests`: changes that make the safety net thinner, so regressions pass CI.

Deleted, removed, weakened, skipped and focused tests in Python, JS/TS, Ruby, Go and Java/Kotlin,
and CI that runs fewer tests or ignores their failure. Tests are found by their definitions in the
text and their parse trees, never by importing or running anything.
"""

from __future__ import annotations

from bot.rules.model import Pack, Rule, Severity, documented
from bot.rules.tests import ci, examples, verdicts
from bot.rules.tests.ci import check_coverage, check_failure_switches, check_test_steps, ci_files
from bot.rules.tests.languages import is_test_file
from bot.rules.tests.markers import FOCUS, SKIP, check_markers
from bot.rules.tests.removed import check_removed_assertions, check_removed_tests
from bot.rules.tests.skips import UNCONDITIONAL, check_unconditional_skips

__all__ = ["PACK", "check_markers", "check_removed_tests", "is_test_file"]

ANY_TEST = frozenset({"python", "javascript", "typescript", "tsx", "ruby", "go", "java", "kotlin"})
RULES = (
    Rule(
        "tests/deleted-test-file",
        Severity.ERROR,
        "Test file deleted while its tests re-appear nowhere in the change (by name or body) "
        "and the code they tested stays: an error when production code changes too, a warning "
        "otherwise, a notice when that code goes with them.",
        "Restore the tests, move them where they belong, or delete them with the code they test.",
        ANY_TEST,
    ),
    Rule(
        "tests/removed-test",
        Severity.WARNING,
        "Test removed with no test of its name or body left in the change (renamed, moved, "
        "split, merged, rewritten in place or into a new file, or moved with its code to a new "
        "module's tests) while the code it tested stays and no kept test of an updated snapshot "
        "covers it; a notice when the change adds at least as many tests as it removes.",
        "Keep the test, or say in the pull request why the behaviour it checked is gone.",
        ANY_TEST,
    ),
    Rule(
        "tests/removed-assertion",
        Severity.WARNING,
        "Assertion removed from a test that stays (counted as syntax nodes, helpers included) "
        "that moved nowhere in the change and checked code that stays (not a field the change "
        "replaces, nor a thing the test now asserts is absent or compares whole with a snapshot).",
        "Keep the check, or replace it with a better one.",
        ANY_TEST,
    ),
    Rule(
        "tests/skipped-test",
        Severity.WARNING,
        "Unconditional skip or xfail marker added (pytest, unittest, jest, vitest, mocha, RSpec, "
        "minitest, t.Skip, @Disabled); a notice when its reason or the comment above it links "
        "the issue or pull request that tracks it, or when it comes with a project the change "
        "brings in whole (a new folder with its own manifest and 100 or more new files).",
        "Fix the test, or skip it only under the condition that breaks it (`skipif`), with a "
        "linked issue.",
        ANY_TEST,
    ),
    Rule(
        "tests/focused-test",
        Severity.ERROR,
        "Focus marker added (it.only, test.only, fit, fdescribe, focus: true): the rest of the "
        "suite stops running.",
        "Remove the focus marker before merging.",
        ANY_TEST,
    ),
    Rule(
        UNCONDITIONAL,
        Severity.WARNING,
        "Test that calls pytest.skip()/skipTest() unconditionally.",
        "Skip only under a condition, or fix the test.",
        frozenset({"python"}),
    ),
    Rule(
        "tests/ci-test-step-removed",
        Severity.ERROR,
        "Test command removed from CI while no pipeline at head runs that stack's tests under "
        "any runner (`pytest`, `tox`, `make test`, `pnpm run test`, …).",
        "Keep the step, or move it to another job.",
        frozenset({"yaml"}),
    ),
    Rule(
        "tests/ci-failure-allowed",
        Severity.WARNING,
        "Test job or step allowed to fail in CI (continue-on-error, allow_failure).",
        "Fix or quarantine the failing tests instead of letting the job fail.",
        frozenset({"yaml"}),
    ),
    Rule(
        "tests/ci-failure-ignored",
        Severity.WARNING,
        "Test command whose failure is swallowed in CI or scripts (`|| true`).",
        "Remove the `|| true`; mark known failures in the tests themselves.",
        # CI pipelines, and the task runners of `ci.SCRIPT_FILES`.
        frozenset({"yaml", "make", "just", "json", "ini", "python"}),
    ),
    Rule(
        "tests/coverage-threshold-lowered",
        Severity.WARNING,
        "Coverage threshold lowered or removed (--cov-fail-under, fail_under, coverageThreshold).",
        "Keep the threshold, and add tests for the code that lowered coverage.",
        # CI pipelines, `ci.COVERAGE_FILES`, and jest or vitest configs.
        frozenset({"yaml", "toml", "ini", "make", "json", "javascript", "typescript"}),
    ),
)

PACK = Pack(
    id="tests",
    extras=(ci_files,),
    checks={
        check_removed_tests: (verdicts.DELETED, verdicts.REMOVED),
        check_removed_assertions: (verdicts.ASSERTION,),
        check_markers: (SKIP.rule, FOCUS.rule),
        check_unconditional_skips: (UNCONDITIONAL,),
        check_test_steps: (ci.STEP_REMOVED,),
        check_failure_switches: (ci.ALLOWED_FAILURE, ci.IGNORED_FAILURE),
        check_coverage: (ci.COVERAGE,),
    },
    rules=RULES,
)
PACK = documented(PACK, examples.WHY, examples.EXAMPLES)
