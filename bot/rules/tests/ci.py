"""CI that runs fewer tests or ignores their failure: test steps, failure switches, coverage."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath

from bot.diff.model import Change, FileStatus, Line, Ref
from bot.rules import paths
from bot.rules.model import Example, Finding, Rule, Severity, Side, finding
from bot.rules.tests.stacks import JAVASCRIPT_STACK, PYTHON_STACK
from bot.snapshot.model import FileChange, Snapshot, Source

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
      py\.?test|python[\d.]*\s+-m\s+(?:pytest|unittest)|tox|nox|(?:python[\d.]*\s+)?(?:\./)?manage\.py\s+test
      |hatch\s+(?:run\s+)?test
      |(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test(?::[\w:-]+)?|(?:npx\s+)?(?:jest|vitest|mocha)
      |(?:npx\s+)?playwright\s+test|(?:npx\s+)?cypress\s+run|(?:npx\s+)?(?:turbo|nx)\s+(?:run\s+)?test
      |go\s+test|(?:bundle\s+exec\s+)?(?:(?:bin/)?rspec|rake\s+(?:test|spec))|(?:bin/)?rails\s+test
      |(?:\./)?mvnw?\s+(?:[-\w=.]+\s+)*?(?:test|verify)|(?:\./)?gradlew?\s+(?:[-\w=.:]+\s+)*?(?:test|check)
      |mix\s+test|cargo\s+test|(?:make|just|task)\s+(?:test|check)|phpunit|php\s+artisan\s+test|dotnet\s+test
    )(?![\w-])""",
    re.VERBOSE,
)
# Which stack a test command tests: a removed command is replaced by another of its stack.
_FAMILIES = (
    ("python", re.compile(r"py\.?test|unittest|^tox|^nox|manage\.py|^hatch")),
    (
        "javascript",
        re.compile(
            r"^(?:npm|pnpm|yarn|bun|npx)\b|^(?:jest|vitest|mocha|playwright|cypress|turbo|nx)\b"
        ),
    ),
    ("go", re.compile(r"^go\b")),
    ("ruby", re.compile(r"rspec|rake|rails")),
    ("jvm", re.compile(r"mvnw?|gradlew?")),
    ("elixir", re.compile(r"^mix\b")),
    ("rust", re.compile(r"^cargo\b")),
    ("php", re.compile(r"phpunit|artisan")),
    ("dotnet", re.compile(r"^dotnet\b")),
)
# A task runner's test target may run any stack's tests.
ANY_STACK = "any"
_SEGMENT = re.compile(r"&&|\|\||;|\|")
# Installing or caching a runner is not running it; nor is a `uses: actions/setup-node` line.
_SETUP = re.compile(r"\b(?:install|add)\b|\b(?:uses|cache)\s*:|/setup-[\w-]+@")
_COMMAND_KEYS = frozenset({"run", "script", "before_script", "after_script", "command", "commands"})
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
    """Return the test commands a line runs, normalised; installing a tool is not running it.

    Each part of a chain (`pip install -e . && pytest`) is judged alone, so installing in one
    part does not hide the tests another part runs.
    """
    found = []
    for part in _SEGMENT.split(text.split("#", 1)[0]):
        if _SETUP.search(part):
            continue
        found += [" ".join(m.group().split()) for m in _TEST_COMMAND.finditer(part)]
    return found


def stack(command: str) -> str:
    """Name the stack a test command tests; a task runner's target (`make test`) may be any."""
    return next((name for name, pattern in _FAMILIES if pattern.search(command)), ANY_STACK)


def check_test_steps(snap: Snapshot) -> list[Finding]:
    """Flag CI that no longer runs a stack's tests: the pull request merges untested.

    Each pipeline is read as YAML on both sides, and the test commands its steps and scripts
    run are compared, not its lines: a step reformatted or moved to another job or workflow is
    the same step. A command renamed or moved to another runner (`yarn test` to `pnpm run test`,
    `pytest` to `tox -e py`, `make test`) still runs that stack's tests. What is reported is a
    stack whose tests nothing at head runs any more.
    """
    ci = [f for f in snap.files if is_ci(f.changed.old_path or f.path) and not f.changed.binary]
    ci = [f for f in ci if snap.change.file(f.path) is not None]
    if not ci:
        return []
    remaining = _head_commands(snap, ci)
    stacks = {stack(command) for command in remaining}
    findings = []
    for side in ci:
        changed = side.changed
        reported: set[str] = set()
        for command in _removed(side):
            kind = stack(command)
            covered = ANY_STACK in stacks or kind in stacks or (kind == ANY_STACK and stacks)
            if command in remaining or covered or command in reported:
                continue
            reported.add(command)
            line = next(
                (line for line in changed.removed if command in commands_in(line.text)),
                changed.removed[0] if changed.removed else None,
            )
            if line is None:
                continue
            findings.append(
                finding(
                    STEP_REMOVED,
                    changed.path,
                    line.number,
                    Severity.ERROR,
                    f"This removes `{command}` from CI and no pipeline runs these tests any "
                    "more, under this command or another, so a regression in what they tested "
                    "would merge green. Keep the step, or move it to another job.",
                    command,
                    "LEFT",
                )
            )
    return findings


def _head_commands(snap: Snapshot, ci: list[FileChange]) -> set[str]:
    """Every test command CI runs at head: in the changed pipelines and in every other one."""
    remaining: set[str] = set()
    for side in ci:
        if side.changed.status is FileStatus.REMOVED:
            continue
        parsed = _pipeline(side.after)
        added = (line.text for line in side.changed.added)
        remaining.update(parsed if parsed is not None else _commands(added))
    for path in sorted(p for p in snap.listing("head") or () if is_ci(p)):
        source = snap.source(path, "head")
        parsed = _pipeline(source)
        remaining.update(parsed if parsed is not None else _commands(source.lines))
    return remaining


def _removed(side: FileChange) -> list[str]:
    """Return the test commands a pipeline ran at base and no longer runs at head.

    Both sides are compared as parsed YAML when they parse; otherwise the removed lines tell.
    """
    base = _pipeline(side.before)
    head = [] if side.changed.status is FileStatus.REMOVED else _pipeline(side.after)
    if base is None or head is None:
        return _commands(line.text for line in side.changed.removed)
    return list((Counter(base) - Counter(head)).elements())


def _pipeline(source: Source) -> list[str] | None:
    """Return the test commands a CI file's steps and scripts run; None when it is not YAML."""
    document = source.yaml
    return None if document is None else _commands(_scripts(document.data))


def _scripts(
    node: object, under_command: bool = False, seen: set[tuple[int, bool]] | None = None
) -> Iterator[str]:
    """Yield each line of shell a pipeline runs: `run:`, `script:`, `command:` and their lists.

    YAML aliases share one object: each container is walked once, so a few hundred bytes of
    nested aliases (a "billion laughs" file) cost linear time, not exponential.
    """
    seen = set() if seen is None else seen
    if isinstance(node, str):
        if under_command:
            yield from node.splitlines()
        return
    if not isinstance(node, dict | list) or (id(node), under_command) in seen:
        return
    seen.add((id(node), under_command))
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _scripts(value, under_command or str(key) in _COMMAND_KEYS, seen)
    else:
        for item in node:
            yield from _scripts(item, under_command, seen)


def check_failure_switches(snap: Snapshot) -> list[Finding]:
    """Flag tests whose failure CI is told to ignore: `continue-on-error`, `|| true`."""
    findings = []
    for changed in snap.change.files:
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
                        Severity.WARNING,
                        "This ignores the test command's exit status, so failing tests no "
                        "longer fail the build. Remove the `|| true`; mark known failures in "
                        "the tests themselves instead.",
                        line.text,
                    )
                )
        if not ci or not any(_ALLOW.match(line.text) for line in changed.added):
            continue
        lines = snap.head_lines(changed)
        for line in changed.added:
            if _ALLOW.match(line.text) and _runs_tests(lines, line.number):
                findings.append(
                    finding(
                        ALLOWED_FAILURE,
                        changed.path,
                        line.number,
                        Severity.WARNING,
                        "This lets the test job fail without failing the pipeline, so a red "
                        "test suite still merges. Fix or quarantine the failing tests instead.",
                        line.text,
                    )
                )
    return findings


def check_coverage(snap: Snapshot) -> list[Finding]:
    """Flag a coverage threshold lowered or dropped: less of the code must be tested to pass."""
    findings = []
    for changed in snap.change.files:
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


def ci_files(
    change: Change, listings: Mapping[Ref, frozenset[str] | None]
) -> list[tuple[str, Ref]]:
    """Name every CI file at head, for the snapshot: a removed step may run elsewhere."""
    return [(path, "head") for path in sorted(listings.get("head") or ()) if is_ci(path)]


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        STEP_REMOVED,
        Severity.ERROR,
        "Test command removed from CI while no pipeline at head runs that stack's tests under "
        "any runner (`pytest`, `tox`, `make test`, `pnpm run test`, …).",
        "Keep the step, or move it to another job.",
        frozenset({"yaml"}),
        why="If no pipeline runs a stack's tests any more, every later pull request merges "
        "untested while its checks look green.",
        flagged=Example(
            title="The GitLab test job is deleted",
            base=(*JAVASCRIPT_STACK,),
            head=(
                (
                    ".gitlab-ci.yml",
                    """\
stages: [lint]
lint:
  stage: lint
  script:
    - npm ci
    - npm run lint
""",
                ),
            ),
        ),
        quiet=Example(
            title="The GitLab test job moves from npm test to npm run test:ci; the tests still run",
            base=(*JAVASCRIPT_STACK,),
            head=(
                (
                    ".gitlab-ci.yml",
                    """\
stages: [lint, test]
lint:
  stage: lint
  script:
    - npm ci
    - npm run lint
test:
  stage: test
  script:
    - npm ci
    - npm run test:ci
""",
                ),
            ),
        ),
    ),
    Rule(
        ALLOWED_FAILURE,
        Severity.WARNING,
        "Test job or step allowed to fail in CI (continue-on-error, allow_failure).",
        "Fix or quarantine the failing tests instead of letting the job fail.",
        frozenset({"yaml"}),
        why="A test job allowed to fail reports success whatever the tests say: failures pile up "
        "unseen and the job stops protecting anything.",
        flagged=Example(
            title="The GitLab test job is allowed to fail",
            base=(*JAVASCRIPT_STACK,),
            head=(
                (
                    ".gitlab-ci.yml",
                    """\
stages: [lint, test]
lint:
  stage: lint
  script:
    - npm ci
    - npm run lint
test:
  stage: test
  allow_failure: true
  script:
    - npm ci
    - npm test
""",
                ),
            ),
        ),
        quiet=Example(
            title="continue-on-error on the lint job does not touch the tests",
            base=(*PYTHON_STACK,),
            head=(
                (
                    ".github/workflows/ci.yml",
                    """\
name: CI
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    continue-on-error: true
    steps:
      - uses: actions/checkout@v4
      - run: pip install ruff
      - run: ruff check .
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e . pytest pytest-cov
      - name: Run tests
        run: pytest --cov=app
""",
                ),
            ),
        ),
    ),
    Rule(
        IGNORED_FAILURE,
        Severity.WARNING,
        "Test command whose failure is swallowed in CI or scripts (`|| true`).",
        "Remove the `|| true`; mark known failures in the tests themselves.",
        # CI pipelines, and the task runners of `ci.SCRIPT_FILES`.
        frozenset({"yaml", "make", "just", "json", "ini", "python"}),
        why="`|| true` turns a failing test command into a passing step: CI is green whether the "
        "tests pass or not.",
        flagged=Example(
            title="The npm test script ignores jest's exit status",
            base=(*JAVASCRIPT_STACK,),
            head=(
                (
                    "package.json",
                    """\
{
  "name": "cart",
  "version": "1.0.0",
  "scripts": {
    "test": "jest || true",
    "lint": "eslint src"
  },
  "jest": {
    "coverageThreshold": {
      "global": {
        "branches": 80,
        "lines": 85
      }
    }
  }
}
""",
                ),
            ),
        ),
        quiet=Example(
            title="|| true after a cleanup command is harmless",
            base=(*PYTHON_STACK,),
            head=(
                (
                    ".github/workflows/ci.yml",
                    """\
name: CI
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install ruff
      - run: ruff check .
      - run: docker rm -f stale-db || true
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e . pytest pytest-cov
      - name: Run tests
        run: pytest --cov=app
""",
                ),
            ),
        ),
    ),
    Rule(
        COVERAGE,
        Severity.WARNING,
        "Coverage threshold lowered or removed (--cov-fail-under, fail_under, coverageThreshold).",
        "Keep the threshold, and add tests for the code that lowered coverage.",
        # CI pipelines, `ci.COVERAGE_FILES`, and jest or vitest configs.
        frozenset({"yaml", "toml", "ini", "make", "json", "javascript", "typescript"}),
        why="The threshold is what stops untested code from landing; lowering it lets coverage "
        "erode one pull request at a time.",
        flagged=Example(
            title="jest's branch coverage threshold drops",
            base=(*JAVASCRIPT_STACK,),
            head=(
                (
                    "package.json",
                    """\
{
  "name": "cart",
  "version": "1.0.0",
  "scripts": {
    "test": "jest",
    "lint": "eslint src"
  },
  "jest": {
    "coverageThreshold": {
      "global": {
        "branches": 60,
        "lines": 85
      }
    }
  }
}
""",
                ),
            ),
        ),
        quiet=Example(
            title="The coverage threshold goes up",
            base=(*PYTHON_STACK,),
            head=(
                (
                    "pyproject.toml",
                    """\
[project]
name = "shop"
version = "1.0.0"

[tool.pytest.ini_options]
addopts = "--cov=app --cov-fail-under=90"

[tool.coverage.report]
fail_under = 95
""",
                ),
            ),
        ),
    ),
)
CHECKS = {
    check_test_steps: (STEP_REMOVED,),
    check_failure_switches: (ALLOWED_FAILURE, IGNORED_FAILURE),
    check_coverage: (COVERAGE,),
}
