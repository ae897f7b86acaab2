"""Findings -> a SARIF 2.1.0 log GitHub code scanning accepts (`readiness scan --format sarif`).

Pure: the evaluation and the registry in, one JSON-ready dict out. What GitHub reads is described
in https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning:
each result names its rule (`ruleId`, `ruleIndex` into `tool.driver.rules`), a level, a message,
one location relative to `%SRCROOT%` with `startLine`/`endLine`, and `partialFingerprints`, which
GitHub uses to follow an alert across commits. Ours is the finding's own fingerprint (rule, path
and the matched text, normalised, never the line number), so an alert survives lines moving
above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.rules import docs
from bot.rules.engine import Evaluation
from bot.rules.model import Deploys, Finding, Rule, Severity
from bot.version import VERSION

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT = "readiness/v1"  # partialFingerprints key: bump the version if the hash changes
INFORMATION_URI = "https://github.com/readiness-app/readiness"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}
# GitHub ranks alerts of non-security tools by `problem.severity`: error, warning, recommendation.
_PROBLEM = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "recommendation"}


def log(
    evaluation: Evaluation, rules: Mapping[str, Rule], root: Path | None = None
) -> dict[str, Any]:
    """Return the SARIF log of one scan: one run, every known rule, one result per finding.

    `rules` is the registry (id -> Rule); a finding of a rule it lacks (a repository's semgrep
    rule, `repo/<id>`) gets a descriptor with its id only. `root`, when known, is the folder the
    paths are relative to (`originalUriBaseIds`); GitHub's upload resolves `%SRCROOT%` itself.
    A finding on a removed line (side LEFT) has no line in the head commit, so, as in the check
    run's annotations, it is not a result: it is a notification of the run, with what the change
    could not be reviewed for.
    """
    ids = sorted({*rules, *(f.rule for f in evaluation.findings)})
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    notifications = [
        _notification(f"{f.path}:{f.line} (removed line): {f.message}", "warning", f.rule)
        for f in evaluation.findings
        if f.side == "LEFT"
    ]
    notifications += [
        _notification(f"Not fully reviewed: {problem}", "error") for problem in evaluation.problems
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "Readiness",
                "version": VERSION,
                "semanticVersion": VERSION,
                "informationUri": INFORMATION_URI,
                "rules": [
                    _descriptor(rule_id, rules.get(rule_id), evaluation.config.deploys)
                    for rule_id in ids
                ],
            }
        },
        "invocations": [
            {
                # A partial review did not do all it was asked to: say so, as the exit code does.
                "executionSuccessful": not evaluation.problems,
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": [_result(f, index[f.rule]) for f in evaluation.findings if f.side == "RIGHT"],
        "columnKind": "unicodeCodePoints",
    }
    if root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root.resolve().as_uri().rstrip("/") + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _descriptor(rule_id: str, rule: Rule | None, deploys: Deploys) -> dict[str, Any]:
    if rule is None:
        text = f"The repository's own semgrep rule `{rule_id.removeprefix('repo/')}`."
        return {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": rule_id},
            "fullDescription": {"text": text},
            "help": {"text": text, "markdown": text},
            "properties": {"tags": ["readiness", rule_id.partition("/")[0]]},
        }
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": rule.description},
        "help": {"text": docs.help_text(rule), "markdown": docs.help_markdown(rule)},
        "helpUri": docs.url(rule.id),
        "defaultConfiguration": {"level": _LEVEL[rule.highest(deploys)]},
        "properties": {
            "tags": ["readiness", rule.pack],
            "problem.severity": _PROBLEM[rule.highest(deploys)],
        },
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(finding.path), "uriBaseId": SRCROOT},
                    # A finding covers one line today; the shape allows a range.
                    "region": {"startLine": finding.line, "endLine": finding.line},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: finding.fingerprint},
    }


def _notification(text: str, level: str, rule_id: str | None = None) -> dict[str, Any]:
    note: dict[str, Any] = {"message": {"text": text}, "level": level}
    if rule_id is not None:
        note["associatedRule"] = {"id": rule_id}
    return note
