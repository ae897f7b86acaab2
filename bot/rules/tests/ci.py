"""CI that runs fewer tests or ignores their failure: test steps, failure switches, coverage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from bot.diff.model import Line
from bot.rules import paths
from bot.rules.model import Finding, RuleContext, Severity, Side, finding

PACK_ID = "tests"
STEP_REMOVED = "tests/ci-test-step-removed"
ALLOWED_FAILURE = "tests/ci-failure-allowed"
IGNORED_FAILURE = "tests/ci-failure-ignored"
COVERAGE = "tests/coverage-threshold-lowered"

SCRIPT_FILES = frozenset({"makefile", "package.json", "tox.ini", "noxfile.py", "justfile"})
COVERAGE_FILES = frozenset({
    "pyproject.toml", "setup.cfg", "tox.ini", ".coveragerc", "pytest.ini", "makefile",
    "package.json", ".nycrc", ".nycrc.json", ".c8rc.json", "codecov.yml", ".codecov.yml",
})  # fmt: skip

_TEST_COMMAND = re.compile(
    r"""(?<![\w./-])(?:
      py\.?test|python[\d.]*\s+-m\s+(?:pytest|unittest)|tox|nox
      |(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test(?::[\w:-]+)?|(?:npx\s+)?(?:jest|vitest|mocha)
      |go\s+test|(?:bundle\s+exec\s+)?(?:rspec|rake\s+(?:test|spec))|(?:bin/)?rails\s+test
      |(?:\./)?mvnw?\s+(?:[-\w=.]+\s+)*?(?:test|verify)|(?:\./)?gradlew?\s+(?:[-\w=.:]+\s+)*?(?:test|check)
      |mix\s+test|cargo\s+test|make\s+(?:test|check)|phpunit|php\s+artisan\s+test|dotnet\s+test
    )(?![\w-])""",
    re.VERBOSE,
)
_SETUP = re.compile(r"\b(?:install|add|cache|uses)\b|setup-")
_IGNORE = re.compile(r"\|\|\s*(?:true|:|exit\s+0|echo\b)")
_ALLOW = re.compile(r"^\s*(?:-\s*)?(?:continue-on-error|allow_failure)\s*:\s*true\b")
_THRESHOLD = re.compile(
    r"""(?P<key>--cov-fail-under|--fail-under|fail_under|fail-under|minimum_coverage
    |["']?(?:branches|functions|lines|statements)["']?)\s*[:=\s]\s*["']?(?P<value>\d+(?:\.\d+)?)""",
    re.VERBOSE,
)
_JS_KEYS = ("branches", "functions", "lines", "statements")


def is_ci(path: str) -> bool:
    """Tell whether a path configures a CI pipeline: GitHub Actions, GitLab CI, CircleCI."""
    parts = paths.parts(path)
    name = parts[-1] if parts else ""
    yaml = paths.suffix(path) in {".yml", ".yaml"}
    return (
        (yaml and parts[:2] == (".github", "workflows"))
        or (yaml and parts[:1] == (".gitlab",))
        or name in {".gitlab-ci.yml", ".travis.yml"}
        or path in {".circleci/config.yml", ".circleci/config.yaml"}
    )


def commands_in(text: str) -> list[str]:
    """Return the test commands a line runs, normalised; installing a tool is not running it."""
    if _SETUP.search(text.split("#", 1)[0]):
        return []
    return [" ".join(m.group().split()) for m in _TEST_COMMAND.finditer(text.split("#", 1)[0])]


async def check_test_steps(ctx: RuleContext) -> list[Finding]:
    """Flag a test command that no CI file runs any more: the pull request merges untested."""
    ci = [f for f in ctx.change.files if is_ci(f.old_path or f.path) and not f.binary]
    if not ci:
        return []
    remaining = set(_commands(line.text for f in ci for line in f.added))
    listing = await ctx.contents.files("head")
    for path in sorted(p for p in listing or () if is_ci(p)):
        text = await ctx.contents.read(path, "head")
        remaining.update(_commands((text or "").splitlines()))
    findings = []
    for changed in ci:
        reported: set[str] = set()
        for line in changed.removed:
            for command in commands_in(line.text):
                if command in remaining or command in reported:
                    continue
                reported.add(command)
                findings.append(
                    finding(
                        STEP_REMOVED,
                        changed.path,
                        line.number,
                        Severity.ERROR,
                        f"This removes `{command}` from CI and no pipeline runs it any more, so "
                        "a regression in what it tested would merge green. Keep the step, or "
                        "move it to another job.",
                        command,
                        "LEFT",
                    )
                )
    return findings


async def check_failure_switches(ctx: RuleContext) -> list[Finding]:
    """Flag tests whose failure CI is told to ignore: `continue-on-error`, `|| true`."""
    findings = []
    for changed in ctx.change.files:
        name = PurePosixPath(changed.path).name.lower()
        ci = is_ci(changed.path)
        if changed.binary or not (ci or name in SCRIPT_FILES):
            continue
        for line in changed.added:
            if _IGNORE.search(line.text) and commands_in(line.text):
                findings.append(
                    finding(
                        IGNORED_FAILURE,
                        changed.path,
                        line.number,
                        Severity.ERROR,
                        "This ignores the test command's exit status, so failing tests no "
                        "longer fail the build. Remove the `|| true`; mark known failures in "
                        "the tests themselves instead.",
                        line.text,
                    )
                )
        if not ci or not any(_ALLOW.match(line.text) for line in changed.added):
            continue
        text = await ctx.contents.read(changed.path, "head")
        lines = text.splitlines() if text is not None else paths.from_diff(changed.added)
        for line in changed.added:
            if _ALLOW.match(line.text) and _runs_tests(lines, line.number):
                findings.append(
                    finding(
                        ALLOWED_FAILURE,
                        changed.path,
                        line.number,
                        Severity.ERROR,
                        "This lets the test job fail without failing the pipeline, so a red "
                        "test suite still merges. Fix or quarantine the failing tests instead.",
                        line.text,
                    )
                )
    return findings


async def check_coverage(ctx: RuleContext) -> list[Finding]:
    """Flag a coverage threshold lowered or dropped: less of the code must be tested to pass."""
    findings = []
    for changed in ctx.change.files:
        name = PurePosixPath(changed.path).name.lower()
        js = name.startswith(("jest.config", "vitest.config")) or name in {"package.json"}
        if changed.binary or not (is_ci(changed.path) or name in COVERAGE_FILES or js):
            continue
        added = _thresholds(changed.added, js)
        for key, (line, value) in _thresholds(changed.removed, js).items():
            new = added.get(key)
            if new is not None and new[1] >= value:
                continue
            where: Side = "RIGHT" if new else "LEFT"
            at = new[0] if new else line
            now = f"to {new[1]:g}%" if new else "entirely"
            findings.append(
                finding(
                    COVERAGE,
                    changed.path,
                    at.number,
                    Severity.WARNING,
                    f"This lowers the coverage threshold `{key}` from {value:g}% {now}, so "
                    "code can lose its tests and CI still passes. Add tests instead of lowering "
                    "the bar.",
                    key,
                    where,
                )
            )
    return findings


def _commands(lines: Iterable[str]) -> list[str]:
    return [command for text in lines for command in commands_in(text)]


def _runs_tests(lines: Sequence[str], number: int) -> bool:
    """Tell whether the job or step a YAML key belongs to runs tests or is named after them."""
    if not 0 < number <= len(lines):
        return False
    indent = _indent(lines[number - 1].replace("- ", "  ", 1))
    parent = next(
        (i for i in range(number - 2, -1, -1) if lines[i].strip() and _indent(lines[i]) < indent),
        None,
    )
    if parent is None:
        return False
    block = [lines[parent]]
    for text in lines[parent + 1 :]:
        if text.strip() and _indent(text) <= _indent(lines[parent]):
            break
        block.append(text)
    head = lines[parent].lower()
    return "test" in head or "spec" in head or bool(_commands(block))


def _thresholds(lines: Sequence[Line], js: bool) -> dict[str, tuple[Line, float]]:
    found: dict[str, tuple[Line, float]] = {}
    for line in lines:
        for match in _THRESHOLD.finditer(line.text):
            key = match.group("key").strip("\"'")
            if key in _JS_KEYS and not js:
                continue
            found.setdefault(key, (line, float(match.group("value"))))
    return found


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())
