"""`readiness scan --format sarif`: a log code scanning accepts, whose alerts survive pushes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from bot.config import RepoConfig
from bot.report import sarif
from bot.rules.engine import Evaluation
from bot.rules.model import Finding, Severity
from bot.rules.registry import RULES
from tests.gitrepo import make_repo
from tests.test_cli import DEMO, LIVE_KEY, readiness

LEVEL = {"error": "error", "warning": "warning", "notice": "note"}
SCHEMA = json.loads((Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json").read_text())


def valid(log: dict[str, Any]) -> dict[str, Any]:
    """Fail the test with the schema's own complaint when `log` is not SARIF 2.1.0."""
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=str)
    assert not errors, errors[0]
    return log


def scan_sarif(*args: str) -> tuple[int, dict[str, Any]]:
    done = readiness("scan", *args, "--format", "sarif")
    return done.returncode, valid(json.loads(done.stdout))


def test_the_demo_scan_is_valid_sarif_with_one_result_per_finding_on_a_head_line() -> None:
    """Every finding on an added line is a result pointing at its line relative to %SRCROOT%,
    with its rule's metadata; the exit code is the same as for the other formats."""
    code, log = scan_sarif("--repo", str(DEMO), "--base", "main")
    done = readiness("scan", "--repo", str(DEMO), "--base", "main", "--format", "json")
    findings = json.loads(done.stdout)["findings"]
    assert code == done.returncode == 1
    (run,) = log["runs"]
    assert log["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    head = [f for f in findings if f["side"] == "RIGHT"]
    assert len(run["results"]) == len(head) > 0
    for result, finding in zip(run["results"], head, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding["rule"]
        assert result["level"] == {"error": "error", "warning": "warning"}[finding["severity"]]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": finding["path"], "uriBaseId": "%SRCROOT%"}
        region = location["physicalLocation"]["region"]
        assert region == {"startLine": finding["line"], "endLine": finding["line"]}
        assert result["partialFingerprints"] == {"readiness/v1": finding["fingerprint"]}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == DEMO.resolve().as_uri() + "/"
    assert LIVE_KEY not in json.dumps(log)


def test_a_finding_on_a_removed_line_is_a_notification_not_a_misplaced_alert() -> None:
    """A deleted test file has no head line: code scanning would pin it to the wrong line."""
    _, log = scan_sarif("--repo", str(DEMO), "--base", "main")
    (run,) = log["runs"]
    assert all(r["ruleId"] != "tests/deleted-test-file" for r in run["results"])
    notes = run["invocations"][0]["toolExecutionNotifications"]
    (note,) = [
        n for n in notes if n.get("associatedRule", {}).get("id") == "tests/deleted-test-file"
    ]
    assert note["message"]["text"].startswith("tests/test_orders.py:4 (removed line): ")


def levels(log: dict[str, Any]) -> dict[str, str]:
    """Rule id -> its default level, as the log's rule descriptors give it."""
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    return {r["id"]: r["defaultConfiguration"]["level"] for r in rules}


def test_every_rule_has_help_text_level_and_a_link_to_its_page() -> None:
    """Code scanning shows a rule's help next to each alert: what, why, how to fix; its default
    level is the severity the rule reports under the config's `deploys`."""
    log = valid(sarif.log(Evaluation((), ()), RULES))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    for descriptor in rules:
        rule = RULES[descriptor["id"]]
        assert descriptor["shortDescription"]["text"] == rule.description
        assert f"Fix: {rule.fix}" in descriptor["help"]["text"]
        assert f"**Fix:** {rule.fix}" in descriptor["help"]["markdown"]
        assert levels(log)[rule.id] == LEVEL[rule.highest("stop")]
        assert descriptor["helpUri"].endswith(f"/docs/rules/{descriptor['id']}.md")
    rolling = levels(
        valid(sarif.log(Evaluation((), (), config=RepoConfig(deploys="rolling")), RULES))
    )
    assert levels(log)["migrations/drop-column"] == "note"
    assert rolling["migrations/drop-column"] == rolling["migrations/drop-table"] == "warning"


def test_a_repository_rule_and_a_partial_review_are_described() -> None:
    """A `repo/` semgrep rule is not in the registry but still gets a descriptor; a problem makes
    the invocation unsuccessful and is told as an error notification."""
    finding = Finding(
        "repo/no-print", "repo", "app/x y.py", 3, Severity.NOTICE, "no print", "f" * 20
    )
    log = valid(sarif.log(Evaluation((finding,), ("`big.sql`: too large",)), RULES))
    (run,) = log["runs"]
    (result,) = run["results"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "repo/no-print"
    assert result["level"] == "note"
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "app/x%20y.py"  # a URI reference: spaces are percent-encoded
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note == {
        "message": {"text": "Not fully reviewed: `big.sql`: too large"},
        "level": "error",
    }


def test_fingerprints_survive_lines_moving_above_the_finding(tmp_path: Path) -> None:
    """The same secret lines lower down keeps its partialFingerprints: GitHub keeps one alert."""
    key = "sk_" + "live_" + "51Hx9QkLmZ3vT8pR2wYcN4dFgJ7sA0eBqU6iX"
    seen = []
    for shift in (0, 7):
        padding = "# settings\n" * shift
        repo = make_repo(
            tmp_path / f"r{shift}",
            {"app/settings.py": "DEBUG = False\n"},
            {"app/settings.py": f"DEBUG = False\n{padding}STRIPE = '{key}'\n"},
        )
        _, log = scan_sarif("--repo", str(repo.path), "--base", "main", "--head", repo.head)
        (result,) = log["runs"][0]["results"]
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2 + shift
        assert key not in json.dumps(log)
        seen.append(result["partialFingerprints"])
    assert seen[0] == seen[1]
    assert len(seen[0]["readiness/v1"]) == 20
