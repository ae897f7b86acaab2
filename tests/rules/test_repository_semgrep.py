"""Repository semgrep rules: run from the base branch, reported as `repo/<id>`, started only when
a changed file's language has a rule."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.rules import semgrep
from bot.rules.engine import evaluate
from bot.rules.model import Severity
from tests.gitrepo import make_repo

NO_PRINT = """\
rules:
  - id: no-print
    languages: [python]
    severity: WARNING
    message: Log through the logger, not print().
    pattern: print(...)
"""
JOB = "def run(order: dict) -> int:\n    return order['id']\n"
JOB_HEAD = "def run(order: dict) -> int:\n    print(order)\n    return order['id']\n"


async def test_a_repository_rule_is_run_and_reported_under_repo(tmp_path: Path) -> None:
    """A rule in `.github/readiness/semgrep/` on the base branch finds its match on an added
    line, reported as `repo/<id>` with the rule's severity and message."""
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness/semgrep/x.yml": NO_PRINT, "shop/jobs.py": JOB},
        head={"shop/jobs.py": JOB_HEAD},
    )
    evaluation = await evaluate(await repo.snapshot())
    found = [
        (f.rule, f.pack, f.path, f.line, f.severity, f.message)
        for f in evaluation.findings
        if f.pack == "repo"
    ]
    assert found == [
        (
            "repo/no-print",
            "repo",
            "shop/jobs.py",
            2,
            Severity.WARNING,
            "Log through the logger, not print().",
        )
    ]
    assert evaluation.problems == ()


TWO_LANGUAGES = """\
rules:
  - id: no-print
    languages: [python]
    severity: WARNING
    message: Log $WHAT through the logger.
    pattern: print($WHAT)
    metadata:
      added: 2026-11-30
  - id: no-console
    languages: [typescript, javascript]
    severity: ERROR
    message: No console output in shipped code.
    pattern: console.log(...)
    paths:
      exclude: ["scripts/*"]
"""


async def test_the_engine_keeps_what_semgrep_scan_does_for_rules(tmp_path: Path) -> None:
    """The engine runs without semgrep's front end and still gives each rule its languages and
    `paths:`, honours `nosemgrep`, and fills metavariables into the message; a rule's YAML may
    hold what JSON does not (a date)."""
    head = {
        "shop/jobs.py": JOB_HEAD.replace(
            "    return", "    print(1)  # nosemgrep: no-print\n    return"
        ),
        "web/app.ts": "export const go = () => {\n  console.log('go');\n};\n",
        "scripts/seed.ts": "console.log('seeding');\n",
    }
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness/semgrep/x.yml": TWO_LANGUAGES, "shop/jobs.py": JOB},
        head=head,
    )
    evaluation = await evaluate(await repo.snapshot())
    found = sorted(
        (f.rule, f.path, f.line, f.severity.value, f.message)
        for f in evaluation.findings
        if f.pack == "repo"
    )
    assert found == [
        ("repo/no-console", "web/app.ts", 2, "error", "No console output in shipped code."),
        ("repo/no-print", "shop/jobs.py", 2, "warning", "Log order through the logger."),
    ]
    assert evaluation.problems == ()


async def test_without_repository_rules_semgrep_is_not_started(tmp_path: Path) -> None:
    """Built-in rules run in process; with no rule files there is nothing for semgrep to do."""
    repo = make_repo(tmp_path / "r", base={"shop/jobs.py": JOB}, head={"shop/jobs.py": JOB_HEAD})
    snap = await repo.snapshot()
    assert semgrep.rule_files(snap) == []
    evaluation = await evaluate(snap)
    assert [f for f in evaluation.findings if f.pack == "repo"] == []
    assert evaluation.problems == ()


async def test_a_rule_for_another_language_does_not_start_semgrep(tmp_path: Path) -> None:
    """A Go rule and a change to Python files only: no file to scan, so semgrep is not run."""
    go_rule = NO_PRINT.replace("[python]", "[go]").replace("print(...)", "fmt.Println(...)")
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness/semgrep/x.yml": go_rule, "shop/jobs.py": JOB},
        head={"shop/jobs.py": JOB_HEAD},
    )
    snap = await repo.snapshot()
    files = semgrep.rule_files(snap)
    assert [f.path for f in files] == [".github/readiness/semgrep/x.yml"]
    assert semgrep.targets(snap, files) == []
    evaluation = await evaluate(snap)
    assert [f for f in evaluation.findings if f.pack == "repo"] == []
    assert evaluation.problems == ()


# semgrep rejects this pattern when it loads the rule: a run that includes it fails.
BROKEN = """\
  - id: unparsable
    languages: [python]
    severity: WARNING
    message: never loads
    pattern: "print(("
"""


async def test_a_disabled_repository_rule_is_not_run(tmp_path: Path) -> None:
    """semgrep is told to skip a disabled rule (it is not even loaded), and runs the others."""
    repo = make_repo(
        tmp_path / "r",
        base={
            ".github/readiness/semgrep/x.yml": NO_PRINT + BROKEN,
            ".github/readiness.yml": "disable: [repo/unparsable]\n",
            "shop/jobs.py": JOB,
        },
        head={"shop/jobs.py": JOB_HEAD},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert [f.rule for f in evaluation.findings if f.pack == "repo"] == ["repo/no-print"]
    assert evaluation.problems == ()


async def test_with_every_repository_rule_disabled_semgrep_is_not_started(tmp_path: Path) -> None:
    """`disable: [repo]` turns the pack off: the broken rule would fail the run if it started."""
    repo = make_repo(
        tmp_path / "r",
        base={
            ".github/readiness/semgrep/x.yml": "rules:\n" + BROKEN,
            ".github/readiness.yml": "disable: [repo]\n",
            "shop/jobs.py": JOB,
        },
        head={"shop/jobs.py": JOB_HEAD},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert [f for f in evaluation.findings if f.pack == "repo"] == []
    assert evaluation.problems == ()


async def test_a_misspelt_repository_rule_id_is_reported(tmp_path: Path) -> None:
    """Repository rule ids are known from the base branch's rule files, like built-in ones."""
    repo = make_repo(
        tmp_path / "r",
        base={
            ".github/readiness/semgrep/x.yml": NO_PRINT,
            ".github/readiness.yml": "allow:\n  repo/no-prnt: [shop/]\n  repo/no-print: [docs/]\n",
            "shop/jobs.py": JOB,
        },
        head={"shop/jobs.py": JOB_HEAD},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert [f.rule for f in evaluation.findings if f.pack == "repo"] == ["repo/no-print"]
    assert evaluation.problems == (
        "`.github/readiness.yml`: `allow` names `repo/no-prnt`, which is no pack or rule id "
        "(did you mean `repo/no-print`?); that entry has no effect",
    )


async def test_repository_rule_ids_are_taken_on_trust_when_the_rule_files_are_invalid(
    tmp_path: Path,
) -> None:
    """The invalid rule file is the problem to report; its ids cannot be known, so no guessing."""
    repo = make_repo(
        tmp_path / "r",
        base={
            ".github/readiness/semgrep/x.yml": "rules: [unclosed\n",
            ".github/readiness.yml": "disable: [repo/no-print]\n",
            "shop/jobs.py": JOB,
        },
        head={"shop/jobs.py": JOB_HEAD},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert evaluation.problems == (
        "the repository's semgrep rules were not run: "
        "`.github/readiness/semgrep/x.yml` is not valid YAML",
    )


# A live-looking key, built from parts so that scanners do not flag this file.
LIVE_KEY = "sk_" + "live_" + "51MzQ8vKpT3xR7wYbN2cD4fG6hJ9kL0mA"
UNPARSABLE = (
    f'def run(order: dict) -> int:\n    return order["id"]\n\n\nx = ("{LIVE_KEY}" print(1)\n'
)


async def test_semgrep_errors_are_logged_as_a_summary_never_as_its_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """semgrep's syntax-error warning quotes the line it could not parse; the log says what
    went wrong where (kind, path, count), so a key on that line never reaches the logs."""
    caplog.set_level(logging.DEBUG)
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness/semgrep/x.yml": NO_PRINT, "shop/jobs.py": JOB},
        head={"shop/jobs.py": UNPARSABLE},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert evaluation.problems == ()
    logged = [(r.getMessage(), r.exc_text or "") for r in caplog.records]
    assert ("semgrep reported 1 warning(s): PartialParsing in `shop/jobs.py`", "") in logged
    assert LIVE_KEY not in caplog.text
    assert not any("print(1)" in message or "print(1)" in trace for message, trace in logged)


async def test_a_broken_repository_rule_is_named_not_quoted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A rule semgrep cannot parse is reported by its id; its text stays out of the logs."""
    caplog.set_level(logging.DEBUG)
    broken = NO_PRINT.replace("id: no-print", "id: broken-rule").replace(
        "pattern: print(...)", "pattern: print(zzq_marker"
    )
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness/semgrep/x.yml": broken, "shop/jobs.py": JOB},
        head={"shop/jobs.py": JOB_HEAD},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert evaluation.problems == (
        "the repository's semgrep rules were not run: semgrep failed: "
        "Rule parse error in rule `broken-rule`",
    )
    assert "zzq_marker" not in caplog.text
