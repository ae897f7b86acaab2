"""CI test steps compared as parsed pipelines: a renamed runner is not a removed test step.

A test command renamed or moved to another runner (`yarn test` to `pnpm run test`, `pytest` to
`tox -e py`) still runs the same stack's tests; a `run: ... && pytest` step dropped with nothing
left running Python tests is a removed test step, and so is one stack's tests dropped while
another's stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.diff.parse import parse
from bot.rules.model import Finding, Severity
from bot.rules.tests import ci
from bot.rules.tests.ci import check_test_steps, commands_in
from bot.snapshot.model import Snapshot, Source
from tests.gitrepo import make_repo

WORKFLOW = """name: CI
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ruff check .
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install and test
        run: pip install -e '.[test]' && pytest --cov=app
"""
PATH = ".github/workflows/ci.yml"


def summary(findings: Sequence[Finding]) -> list[tuple[str, str, int, Severity, str]]:
    return sorted((f.rule, f.path, f.line, f.severity, f.side) for f in findings)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    "runner",
    [
        "tox -e py",
        "nox -s tests",
        "make test",
        "uv run pytest",
        "python -m pytest -q",
        "python manage.py test",
    ],
)
async def test_pytest_moved_to_another_runner_is_not_removed(tmp_path: Path, runner: str) -> None:
    """`pytest` replaced by tox, nox, make, uv or `python -m` still runs the Python tests."""
    head = WORKFLOW.replace("&& pytest --cov=app", f"&& {runner}")
    repo = make_repo(tmp_path / "r", base={PATH: WORKFLOW}, head={PATH: head})

    assert check_test_steps(await repo.snapshot()) == []
    assert check_test_steps(Snapshot(parse(repo.diff))) == []


NODE = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: yarn install --frozen-lockfile
      - run: yarn test
"""


@pytest.mark.parametrize(
    ("install", "runner"),
    [("pnpm install", "pnpm run test"), ("npm ci", "npm run test:ci"), ("bun install", "bun test")],
)
async def test_a_js_test_command_renamed_is_not_removed(
    tmp_path: Path, install: str, runner: str
) -> None:
    """`yarn test` becomes `pnpm run test`, `npm run test:ci` or `bun test`: the same tests."""
    head = NODE.replace("yarn install --frozen-lockfile", install).replace("yarn test", runner)
    repo = make_repo(tmp_path / "r", base={PATH: NODE}, head={PATH: head})

    assert check_test_steps(await repo.snapshot()) == []


async def test_a_reformatted_step_in_a_renamed_job_is_the_same_step(tmp_path: Path) -> None:
    """The chain becomes a `run: |` block in a job with another name: the YAML says the same."""
    head = WORKFLOW.replace("  test:\n", "  unit-tests:\n").replace(
        "        run: pip install -e '.[test]' && pytest --cov=app\n",
        "        run: |\n          pip install -e '.[test]'\n          pytest --cov=app\n",
    )
    repo = make_repo(tmp_path / "r", base={PATH: WORKFLOW}, head={PATH: head})

    assert check_test_steps(await repo.snapshot()) == []


async def test_a_removed_chained_pytest_with_nothing_left_is_an_error(tmp_path: Path) -> None:
    """`run: pip install ... && pytest` loses its pytest and nothing else runs Python tests."""
    head = WORKFLOW.replace(" && pytest --cov=app", "")
    repo = make_repo(tmp_path / "r", base={PATH: WORKFLOW}, head={PATH: head})

    findings = check_test_steps(await repo.snapshot())

    line = line_of(WORKFLOW, "&& pytest")
    expected = [("tests/ci-test-step-removed", PATH, line, Severity.ERROR, "LEFT")]
    assert summary(findings) == expected
    assert "`pytest`" in findings[0].message
    assert summary(check_test_steps(Snapshot(parse(repo.diff)))) == expected


async def test_one_stacks_tests_dropped_while_anothers_stay(tmp_path: Path) -> None:
    """`go test` goes while `npm test` stays: the Go tests run nowhere, whatever JS does."""
    base = NODE.replace(
        "      - run: yarn test\n", "      - run: yarn test\n      - run: go test ./...\n"
    )
    repo = make_repo(tmp_path / "r", base={PATH: base}, head={PATH: NODE})

    findings = check_test_steps(await repo.snapshot())

    line = line_of(base, "go test")
    assert summary(findings) == [("tests/ci-test-step-removed", PATH, line, Severity.ERROR, "LEFT")]


async def test_a_step_moved_to_another_workflow_under_another_runner(tmp_path: Path) -> None:
    """pytest leaves ci.yml; a new tests.yml runs `tox`. Python tests still run in CI."""
    head = WORKFLOW.replace(" && pytest --cov=app", "")
    tests = "on: [push]\njobs:\n  py:\n    runs-on: ubuntu-latest\n    steps:\n      - run: tox\n"
    repo = make_repo(
        tmp_path / "r", base={PATH: WORKFLOW}, head={PATH: head, ".github/workflows/t.yml": tests}
    )

    assert check_test_steps(await repo.snapshot()) == []


async def test_a_gitlab_script_renamed_and_a_job_dropped(tmp_path: Path) -> None:
    """GitLab: `npm test` to `npm run test:unit` is fine; dropping the rspec job is not."""
    base = (
        "test:\n  script:\n    - npm ci\n    - npm test\n"
        "spec:\n  script:\n    - bundle install\n    - bundle exec rspec\n"
    )
    head = "test:\n  script:\n    - npm ci\n    - npm run test:unit\n"
    repo = make_repo(tmp_path / "r", base={".gitlab-ci.yml": base}, head={".gitlab-ci.yml": head})

    findings = check_test_steps(await repo.snapshot())

    line = line_of(base, "bundle exec rspec")
    assert summary(findings) == [
        ("tests/ci-test-step-removed", ".gitlab-ci.yml", line, Severity.ERROR, "LEFT")
    ]
    assert "`bundle exec rspec`" in findings[0].message


@pytest.mark.parametrize(
    ("line", "commands"),
    [
        ("pip install -e . && pytest -q", ["pytest"]),
        ("pip install pytest pytest-cov", []),
        ("pnpm install && pnpm run test", ["pnpm run test"]),
        ("python -m pytest || true", ["python -m pytest"]),
        ("docker rm -f stale-db || true", []),
        ("echo done # then pytest", []),
        ("bin/rspec spec/models", ["bin/rspec"]),
    ],
)
def test_commands_in_a_line(line: str, commands: list[str]) -> None:
    """Each part of a chain is judged alone; installing a runner is not running it."""
    assert commands_in(line) == commands


def test_nested_yaml_aliases_cost_linear_time() -> None:
    """A few hundred bytes of nested aliases ("billion laughs") must not stall a worker."""
    lines = ['a0: &a0 {run: "pytest"}']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    assert ci._pipeline(Source(".gitlab-ci.yml", "\n".join(lines) + "\n")) == ["pytest"]
