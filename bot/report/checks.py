"""Check-run payloads: started, then completed in batches of at most 50 annotations."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.rules.engine import Evaluation
from bot.rules.ignores import Ignored
from bot.rules.model import Finding, Severity

CHECK_NAME = "Readiness"
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per create/update request
MAX_TEXT = 65_535  # output.summary and output.text
MAX_TITLE = 255
MAX_MESSAGE = 60_000  # annotation message: 64 KB
REVIEWING = {"title": "Reviewing…", "summary": "Readiness is reviewing this change."}
RERUN_HINT = "Comment `/readiness recheck` on the pull request to run the review again."

_LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.NOTICE: "notice"}
_ICON = {Severity.ERROR: "🔴", Severity.WARNING: "🟠", Severity.NOTICE: "🔵"}


class Conclusion(StrEnum):
    SUCCESS = "success"
    NEUTRAL = "neutral"
    FAILURE = "failure"
    CANCELLED = "cancelled"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_FAILING = {
    "error": frozenset({Severity.ERROR}),
    "warning": frozenset({Severity.ERROR, Severity.WARNING}),
    "never": frozenset(),
}


def _held(evaluation: Evaluation) -> bool:
    """Tell whether a draft's failing findings wait for it to be ready (`drafts: neutral`)."""
    return evaluation.draft and evaluation.config.drafts == "neutral"


def conclusion(evaluation: Evaluation) -> Conclusion:
    """`failure` on a finding at or above the config's `fail_on` (an error, by default), unless
    the pull request is a draft and the config holds drafts (`drafts: neutral`, the default);
    `neutral` on other findings or when part of the change could not be reviewed (a green check
    must mean the whole change was read); else `success`.
    """
    failing = _FAILING[evaluation.config.fail_on]
    if any(f.severity in failing for f in evaluation.findings) and not _held(evaluation):
        return Conclusion.FAILURE
    if evaluation.findings or evaluation.problems:
        return Conclusion.NEUTRAL
    return Conclusion.SUCCESS


def started(head_sha: str) -> dict[str, Any]:
    return {
        "name": CHECK_NAME,
        "head_sha": head_sha,
        "status": "in_progress",
        "started_at": _now(),
        "output": REVIEWING,
    }


def restarted() -> dict[str, Any]:
    """Take over a run a crashed or interrupted attempt left `in_progress`."""
    return {"status": "in_progress", "output": REVIEWING}


def waiting() -> dict[str, Any]:
    """Say the review waits for GitHub (an outage, a rate limit) and will resume by itself."""
    return {
        "status": "in_progress",
        "output": {
            "title": "Waiting for GitHub",
            "summary": "GitHub is unavailable or rate-limited; the review resumes automatically "
            "when it answers again.",
        },
    }


def interrupted() -> dict[str, Any]:
    """Close a run an interrupted attempt had sent annotations to: a new run replaces it."""
    return {
        "status": "completed",
        "conclusion": Conclusion.CANCELLED.value,
        "completed_at": _now(),
        "output": {
            "title": "Interrupted",
            "summary": "This review was interrupted and runs again in a new check run.",
        },
    }


def superseded(new_head: str) -> dict[str, Any]:
    """Close a run whose head was replaced by a newer push while it was reviewed."""
    return {
        "status": "completed",
        "conclusion": Conclusion.CANCELLED.value,
        "completed_at": _now(),
        "output": {
            "title": "Superseded by a newer push",
            "summary": f"A newer commit ({new_head[:12]}) is being reviewed instead.",
        },
    }


def title(evaluation: Evaluation) -> str:
    """Say what was found, and that the review is partial when it is: `2 warnings; not fully
    reviewed`, `No readiness regressions found`.
    """
    findings = evaluation.findings
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[s]} {s.value}{'s' if counts[s] > 1 else ''}" for s in Severity if counts[s]]
    found = ", ".join(parts)
    if evaluation.problems:
        return f"{found}; not fully reviewed" if found else "Not fully reviewed"
    return found or "No readiness regressions found"


def summary(evaluation: Evaluation, fixed: int = 0) -> str:
    """Write the markdown summary: counts, a findings table, and what was not reviewed.

    `fixed`: findings the app commented on in earlier commits that are gone now, whose review
    threads are resolved (`bot.report.threads`)."""
    findings = evaluation.findings
    lines = [f"**{title(evaluation)}**", ""]
    if findings:
        lines += ["| | Rule | Where | Finding |", "|---|---|---|---|"]
        for f in findings:
            where = f"`{f.path}`:{f.line}" + (" (removed line)" if f.side == "LEFT" else "")
            message = f.message.splitlines()[0] if f.message else ""
            lines.append(f"| {_ICON[f.severity]} | `{f.rule}` | {where} | {_cell(message)} |")
    if _held(evaluation) and findings:
        lines += [
            "",
            "This pull request is a draft: its findings do not fail the check until it is marked "
            "ready for review (`drafts: review` in `.github/readiness.yml` judges drafts too).",
        ]
    if fixed:
        lines += [
            "",
            f"{fixed} findings from earlier commits were fixed (threads resolved)."
            if fixed > 1
            else "1 finding from an earlier commit was fixed (thread resolved).",
        ]
    if evaluation.ignored:
        lines += ["", "**Ignored on this pull request** (`/readiness ignore`)", ""]
        lines += [_ignored(item) for item in evaluation.ignored]
    if evaluation.problems:
        lines += ["", "**Not fully reviewed**", ""]
        lines += [f"- {problem}" for problem in evaluation.problems]
    if evaluation.baselined:
        count = evaluation.baselined
        lines += ["", f"{count} finding{'s' if count > 1 else ''} in the baseline not reported."]
    lines += ["", f"Config: {configs(evaluation)}."]
    if evaluation.skipped:
        lines += [
            "",
            "<details><summary>Skipped by code rules (secrets are still checked in all but "
            "binary files)</summary>",
            "",
        ]
        lines += [f"- {skipped}" for skipped in evaluation.skipped]
        lines += ["", "</details>"]
    lines += ["", f"<sub>{RERUN_HINT}</sub>"]
    return trim("\n".join(lines), MAX_TEXT)


def configs(evaluation: Evaluation) -> str:
    """Name the config files that applied, the repository's first, or the defaults."""
    if not evaluation.configs:
        return "built-in defaults"
    return ", then ".join(f"`{name}`" for name in evaluation.configs) + ", then built-in defaults"


def _ignored(item: Ignored) -> str:
    """One ignore: what, where, who, why, and how many findings it hid in this review."""
    ignore, count = item.ignore, item.findings
    where = f" on `{ignore.path}`" if ignore.path else ""
    why = f": {_cell(ignore.reason)}" if ignore.reason else " (no reason given)"
    hidden = f"{count} finding{'s' if count != 1 else ''}"
    return f"- `{ignore.rule}`{where}, by @{ignore.by}{why} ({hidden} not reported)"


def annotation(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "start_line": finding.line,
        "end_line": finding.line,
        "annotation_level": _LEVEL[finding.severity],
        "title": trim(finding.rule, MAX_TITLE),
        "message": trim(finding.message, MAX_MESSAGE),
    }


def completed(evaluation: Evaluation, fixed: int = 0) -> list[dict[str, Any]]:
    """Return the PATCH bodies that finish the run: annotations 50 at a time, the last completes.

    Findings on removed lines have no line in the head commit to annotate; they are in the
    summary and the review instead. With `comments: off` in the config, the summary alone
    reports them. `fixed` is counted in the summary.
    """
    annotated = evaluation.config.comments != "off"
    annotations = [annotation(f) for f in evaluation.findings if f.side == "RIGHT" and annotated]
    batches = [
        annotations[i : i + ANNOTATIONS_PER_REQUEST]
        for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    output = {"title": title(evaluation), "summary": summary(evaluation, fixed)}
    bodies: list[dict[str, Any]] = [
        {"output": {**output, "annotations": batch}} for batch in batches
    ]
    bodies[-1].update(
        status="completed",
        conclusion=conclusion(evaluation).value,
        completed_at=_now(),
    )
    return bodies


def crashed(reason: str) -> dict[str, Any]:
    """Finish a run the bot could not complete, rather than leave it `in_progress` forever."""
    return {
        "status": "completed",
        "conclusion": Conclusion.NEUTRAL.value,
        "completed_at": _now(),
        "output": {
            "title": "Readiness could not finish this review",
            "summary": trim(f"{reason}\n\n{RERUN_HINT}", MAX_TEXT),
        },
    }


def trim(text: str, limit: int) -> str:
    """Cut text to GitHub's limit, saying so."""
    if len(text) <= limit:
        return text
    note = "\n\n… (truncated to fit GitHub's limit)"
    return text[: limit - len(note)] + note


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
