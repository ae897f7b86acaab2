"""`readiness scan --format github` and `action.yml`: annotations on a PR without the App."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from bot.report import workflow
from bot.rules.engine import Evaluation
from bot.rules.model import Finding, Severity
from tests.gitrepo import make_repo
from tests.test_cli import ROOT, _env, readiness

KEY = "sk_" + "live_" + "51Hx9QkLmZ3vT8pR2wYcN4dFgJ7sA0eBqU6iX"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def test_messages_and_properties_are_escaped_as_the_runner_reads_them() -> None:
    """`%`, CR and LF are escaped everywhere; `:` and `,` too in properties, or they end one."""
    line = workflow.command("warning", "50%\r\nnext: a, b", file="a,b:c.py", line=3, title="t%")
    assert line == "::warning file=a%2Cb%3Ac.py,line=3,title=t%25::50%25%0D%0Anext: a, b"


def test_findings_become_annotations_and_removed_lines_point_at_their_file() -> None:
    right = Finding("tests/skipped-test", "tests", "t.py", 4, Severity.WARNING, "skip", "a" * 20)
    left = Finding(
        "tests/removed-test", "tests", "t.py", 9, Severity.NOTICE, "gone", "b" * 20, "LEFT"
    )
    lines = list(workflow.lines(Evaluation((right, left), ("`x.sql`: too large",))))
    assert lines == [
        "::warning file=t.py,line=4,endLine=4,title=tests/skipped-test (warning)::skip",
        "::notice file=t.py,title=tests/removed-test (notice)::On removed line 9: gone",
        "::warning title=Readiness%3A not fully reviewed::`x.sql`: too large",
        "Readiness: 2 finding(s): 1 warning, 1 notice",
    ]


def test_scan_prints_redacted_annotations_and_fail_on_sets_the_exit_code(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"app/pay.py": "import os\n", "tests/test_pay.py": "def test_pay():\n    assert 1\n"},
        {
            "app/pay.py": f"import os\nSTRIPE = '{KEY}'\n",
            "tests/test_pay.py": "import pytest\n\n\n@pytest.mark.skip\ndef test_pay():\n"
            "    assert 1\n",
        },
    )
    args = ("scan", "--repo", str(repo.path), "--base", "main", "--format", "github")
    done = readiness(*args)
    assert done.returncode == 1, done.stderr
    assert KEY not in done.stdout
    assert re.search(
        r"^::error file=app/pay\.py,line=2,endLine=2,title=secrets/stripe-key \(error\)::"
        r"Found a Stripe live-mode key \(`sk_live_…U6iX`\)",
        done.stdout,
        re.M,
    ), done.stdout
    assert "::warning file=tests/test_pay.py,line=4,endLine=4,title=tests/skipped-test" in (
        done.stdout
    )
    assert done.stdout.endswith("Readiness: 2 finding(s): 1 error, 1 warning\n")
    assert readiness(*args, "--fail-on", "never").returncode == 0
    secretless = make_repo(
        tmp_path / "s",
        {"tests/test_pay.py": "def test_pay():\n    assert 1\n"},
        {"tests/test_pay.py": "import pytest\n\n\n@pytest.mark.skip\ndef test_pay():\n"},
    )
    warn = ("scan", "--repo", str(secretless.path), "--base", "main", "--format", "github")
    assert readiness(*warn).returncode == 0
    assert readiness(*warn, "--fail-on", "warning").returncode == 1


def test_action_yml_is_a_composite_action_whose_inputs_and_steps_are_all_declared() -> None:
    assert ACTION["name"] and ACTION["description"]
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert set(inputs) >= {"fail-on", "allow-partial"}
    for spec in inputs.values():
        assert spec["description"] and isinstance(spec.get("default", ""), str)
    steps = ACTION["runs"]["steps"]
    ids = {step["id"] for step in steps if "id" in step}
    for step in steps:
        assert ("uses" in step) != ("run" in step), step
        if "run" in step:
            assert step["shell"] == "bash"  # a composite action's run step must name its shell
            # Inputs reach a script only through env (no expression pasted into the script).
            assert "${{" not in step["run"]
        text = yaml.safe_dump(step)
        assert set(re.findall(r"inputs\.([\w-]+)", text)) <= set(inputs)
        assert set(re.findall(r"steps\.([\w-]+)\.", text)) <= ids
    install = next(s for s in steps if s.get("name") == "Install Readiness")
    assert 'pip install --quiet "$GITHUB_ACTION_PATH"' in install["run"]
    # The action's root is this package: installing it provides the command the next step runs.
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["readiness"] == "bot.cli:main"


def run_review_step(repo: Path, tmp_path: Path, context: dict[str, str]) -> Any:
    """Run the action's review step as the runner would: its env expressions evaluated, its
    script in bash with the runner's flags, in the checkout, with `readiness` from this tree."""
    step = next(s for s in ACTION["runs"]["steps"] if s.get("name", "").startswith("Review"))
    temp = tmp_path / "runner-temp"
    command = temp / "readiness-venv" / "bin" / "readiness"
    command.parent.mkdir(parents=True)
    command.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bot.cli "$@"\n')
    command.chmod(0o755)
    values = {
        "runner.temp": str(temp),
        **{f"inputs.{k}": v["default"] for k, v in ACTION["inputs"].items()},
        **context,
    }
    env = {name: _evaluate(str(value), values) for name, value in step["env"].items()}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env=_env(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done


def _evaluate(value: str, context: dict[str, str]) -> str:
    """Evaluate the `${{ a || b }}` expressions action.yml uses: the first non-empty operand."""

    def one(match: re.Match[str]) -> str:
        operands = [operand.strip() for operand in match.group(1).split("||")]
        return next((context.get(o, "") for o in operands if context.get(o, "")), "")

    return re.sub(r"\$\{\{(.*?)\}\}", one, value)


def test_the_action_reviews_the_pull_requests_diff_from_the_event(tmp_path: Path) -> None:
    """On a pull_request event the step scans base...head and annotates; a shallow checkout
    gets told to fetch the whole history."""
    repo = make_repo(
        tmp_path / "r", {"app/pay.py": "import os\n"}, {"app/pay.py": f"STRIPE = '{KEY}'\n"}
    )
    event = {
        "github.event.pull_request.base.sha": repo.base,
        "github.event.pull_request.head.sha": repo.head,
        "github.sha": "0" * 40,  # the merge commit GitHub builds; not what is reviewed
    }
    done = run_review_step(repo.path, tmp_path / "a", event)
    assert done.returncode == 1, done.stderr
    assert "::error file=app/pay.py,line=1,endLine=1,title=secrets/stripe-key" in done.stdout
    assert KEY not in done.stdout + done.stderr
    lenient = run_review_step(repo.path, tmp_path / "b", {**event, "inputs.fail-on": "never"})
    assert lenient.returncode == 0, lenient.stderr
    shallow = {**event, "github.event.pull_request.base.sha": "1" * 40}
    missing = run_review_step(repo.path, tmp_path / "c", shallow)
    assert missing.returncode == 2
    assert f"commit {'1' * 40} is not in the checkout" in missing.stdout
    assert "fetch-depth: 0" in missing.stdout
    nothing = run_review_step(repo.path, tmp_path / "d", {})
    assert nothing.returncode == 2
    assert "no base commit" in nothing.stdout
