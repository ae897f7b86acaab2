"""Findings -> GitHub Actions workflow commands (`readiness scan --format github`).

A line such as `::error file=app.py,line=3,endLine=3,title=secrets/stripe-key::Found …` printed
by a step becomes an annotation on that line of the pull request, with no App installed
(https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions). Pure; the
caller scrubs the text before it leaves the process.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.rules.engine import Evaluation
from bot.rules.model import Finding, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message as the Actions runner reads it (actions/toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: a `:` ends the properties and a `,` the value, unless escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int) -> str:
    """Return one workflow command line: `::name key=value,...::message`."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def lines(evaluation: Evaluation) -> Iterator[str]:
    """Yield one annotation per finding and per problem, then a one-line tally (plain text).

    A finding on a removed line (side LEFT) has no line in the head commit to point at, so it
    is annotated on the file, its message saying which base line it was.
    """
    for finding in evaluation.findings:
        yield _annotation(finding)
    for problem in evaluation.problems:
        yield command("warning", problem, title="Readiness: not fully reviewed")
    findings = evaluation.findings
    counts = {s: sum(f.severity is s for f in findings) for s in Severity}
    tally = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    yield (
        f"Readiness: {len(findings)} finding(s): {tally}" if findings else "Readiness: no findings"
    )


def _annotation(finding: Finding) -> str:
    title = f"{finding.rule} ({finding.severity.value})"
    if finding.side == "LEFT":
        message = f"On removed line {finding.line}: {finding.message}"
        return command(_COMMAND[finding.severity], message, file=finding.path, title=title)
    return command(
        _COMMAND[finding.severity],
        finding.message,
        file=finding.path,
        line=finding.line,
        endLine=finding.line,
        title=title,
    )
