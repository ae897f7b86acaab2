"""Check-run payloads: started, then completed in batches of at most 50 annotations."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.config import CONFIG_PATH
from bot.diff.model import Skip, SkipKind
from bot.redaction import scrub
from bot.report.links import Permalinks
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
TOP_FINDINGS = 10  # in the summary's table; the rest follow, folded, as room allows
EXAMPLES = 3  # paths shown per reason a file was skipped

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
    if _failing(evaluation) and not _held(evaluation):
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


def closed(state: str) -> dict[str, Any]:
    """Close a run whose pull request was closed (or merged) while it was reviewed: nothing
    of the review is published on a conversation that ended."""
    return {
        "status": "completed",
        "conclusion": Conclusion.CANCELLED.value,
        "completed_at": _now(),
        "output": {
            "title": "Pull request closed",
            "summary": f"The pull request was {state} before its review finished.",
        },
    }


def title(evaluation: Evaluation) -> str:
    """The run's title, shown beside its name on the pull request: the summary's verdict,
    within GitHub's 255 characters."""
    return trim(verdict(evaluation), MAX_TITLE)


def summary(evaluation: Evaluation, links: Permalinks | None = None, fixed: int = 0) -> str:
    """Write the markdown summary, most telling first; each section is one entry below.

    The verdict, the findings by pack, the top findings (linked to their lines when `links` are
    known), the findings of earlier commits now `fixed` (their review threads resolved, see
    `bot.report.threads`), why some were not reported, what could not be reviewed and what was
    skipped, the config; then the other findings in the room left under GitHub's 65,535
    characters.
    """
    top, rest = _ranked(evaluation.findings)
    sections = [
        [f"**{verdict(evaluation)}**"],
        _packs(evaluation),
        _top(top, len(rest), links),
        _draft(evaluation),
        _fixed(fixed),
        _not_reported(evaluation),
        _ignores(evaluation),
        _problems(evaluation),
        *_skips(evaluation),
        [f"Config: {configs(evaluation)}."],
    ]
    # Scrubbed before any cut: a secret cut in half no longer matches its detector.
    head = scrub("\n\n".join("\n".join(section) for section in sections if section))
    hint = f"<sub>{RERUN_HINT}</sub>"
    more = scrub(_more(rest, links, MAX_TEXT - len(head) - len(hint) - 4))
    return trim("\n\n".join(part for part in (head, more, hint) if part), MAX_TEXT)


def _fixed(fixed: int) -> list[str]:
    """Findings the app commented on in earlier commits that are gone now."""
    if not fixed:
        return []
    if fixed == 1:
        return ["1 finding from an earlier commit was fixed (thread resolved)."]
    return [f"{fixed} findings from earlier commits were fixed (threads resolved)."]


def verdict(evaluation: Evaluation) -> str:
    """Say in one line what was found and what it does to the check: `2 errors, 3 warnings —
    fails on error`, `No problems found in 14 files`, and `; not fully reviewed` when not."""
    findings = evaluation.findings
    if findings:
        line = f"{_tally(findings)} — {_consequence(evaluation)}"
    else:
        total, unread = evaluation.files, len(evaluation.left_out)
        files = f"{total - unread} of {total}" if unread else f"{total}"
        line = f"No problems found in {files} file{'s' if total != 1 else ''}"
        line = line if total else "No problems found"
    return f"{line}; not fully reviewed" if evaluation.problems else line


def _tally(findings: tuple[Finding, ...]) -> str:
    counts = Counter(f.severity for f in findings)
    return ", ".join(
        f"{counts[s]} {s.value}{'s' if counts[s] > 1 else ''}" for s in Severity if counts[s]
    )


def _failing(evaluation: Evaluation) -> bool:
    """Tell whether a finding is at or above the config's `fail_on`."""
    return any(f.severity in _FAILING[evaluation.config.fail_on] for f in evaluation.findings)


def _consequence(evaluation: Evaluation) -> str:
    fail_on = evaluation.config.fail_on
    failing = _failing(evaluation)
    if failing and _held(evaluation):
        return f"would fail on {fail_on}; not while the pull request is a draft"
    if failing:
        return f"fails on {fail_on}"
    if fail_on == "never":
        return "does not fail (`fail_on: never`)"
    return f"does not fail (fails on {fail_on})"


def _ranked(findings: tuple[Finding, ...]) -> tuple[list[Finding], list[Finding]]:
    """Split the findings into the top ones (errors first, then by place) and the rest."""
    ranked = sorted(findings, key=lambda f: (f.severity.rank, f.path, f.line, f.rule))
    return ranked[:TOP_FINDINGS], ranked[TOP_FINDINGS:]


def _packs(evaluation: Evaluation) -> list[str]:
    """A row per pack that ran (or has findings): its reported findings by severity."""
    counts = Counter((f.pack, f.severity) for f in evaluation.findings)
    packs = dict.fromkeys([*evaluation.packs, *(f.pack for f in evaluation.findings)])
    if not packs:
        return []
    lines = ["| Pack | Errors | Warnings | Notices |", "|---|--:|--:|--:|"]
    for pack in packs:
        numbers = " | ".join(str(counts[pack, severity]) for severity in Severity)
        lines.append(f"| `{pack}` | {numbers} |")
    return lines


def _top(top: list[Finding], more: int, links: Permalinks | None) -> list[str]:
    if not top:
        return []
    heading = f"**Top {len(top)} findings** (errors first)" if more else "**Findings**"
    lines = [heading, "", "| | Rule | Where | Finding |", "|---|---|---|---|"]
    for f in top:
        lines.append(
            f"| {_ICON[f.severity]} | `{f.rule}` | {_cell(_where(f, links))} | {_cell(_first(f))} |"
        )
    return lines


def _more(rest: list[Finding], links: Permalinks | None, room: int) -> str:
    """List the findings after the top ones, as many as fit in `room` characters."""
    if not rest:
        return ""
    lines = [f"<details><summary>{len(rest)} more findings</summary>", ""]
    closing = ["", "</details>"]
    size = sum(len(line) + 1 for line in (*lines, *closing)) + 200  # room for the cut note
    for n, f in enumerate(rest):
        line = f"- {_ICON[f.severity]} `{f.rule}` {_where(f, links)}: {_first(f)}"
        if size + len(line) + 1 > room:
            lines.append(f"- … and {len(rest) - n} more, left out to fit GitHub's limit")
            break
        lines.append(line)
        size += len(line) + 1
    return "\n".join([*lines, *closing])


def _where(finding: Finding, links: Permalinks | None) -> str:
    place = f"`{finding.path}:{finding.line}`"
    where = f"[{place}]({links.line(finding)})" if links is not None else place
    return where + (" (removed line)" if finding.side == "LEFT" else "")


def _first(finding: Finding) -> str:
    return finding.message.splitlines()[0] if finding.message else ""


def _draft(evaluation: Evaluation) -> list[str]:
    if not (_held(evaluation) and evaluation.findings):
        return []
    return [
        "This pull request is a draft: its findings do not fail the check until it is marked "
        f"ready for review (`drafts: review` in `{CONFIG_PATH}` judges drafts too)."
    ]


def _not_reported(evaluation: Evaluation) -> list[str]:
    """Count the findings left out of this report, one line per reason."""
    ignored = sum(item.findings for item in evaluation.ignored)
    counts = [
        (evaluation.allowed_inline, "silenced by `readiness:allow` on its line"),
        (
            evaluation.off_in_config,
            "left out by the config (a rule `off`, an `ignore` or `allow` path)",
        ),
        (ignored, "ignored on this pull request (`/readiness ignore`, below)"),
        (evaluation.baselined, "in the baseline not reported"),
    ]
    lines = [f"- {n} finding{'s' if n != 1 else ''} {why}" for n, why in counts if n]
    return ["**Not reported here**", "", *lines] if lines else []


def _ignores(evaluation: Evaluation) -> list[str]:
    if not evaluation.ignored:
        return []
    return [
        "**Ignored on this pull request** (`/readiness ignore`)",
        "",
        *(_ignored(item) for item in evaluation.ignored),
    ]


def _problems(evaluation: Evaluation) -> list[str]:
    """What made the review partial, but for the files left out (counted with the skips)."""
    files = {scrub(str(skip)) for skip in evaluation.left_out}  # as the engine scrubs problems
    problems = [p for p in evaluation.problems if p not in files]
    if not problems:
        return []
    return ["**Not fully reviewed**", "", *(f"- {problem}" for problem in problems)]


def _skips(evaluation: Evaluation) -> list[list[str]]:
    """Two tables of skipped files by reason: a count and a few paths each."""
    unread = (
        "**Not reviewed**: no rule read these files",
        evaluation.left_out,
    )
    skipped = (
        "**Skipped by code rules**: the secrets pack still reads all but binary files",
        evaluation.skipped,
    )
    return [_skip_table(heading, skips) for heading, skips in (unread, skipped) if skips]


def _skip_table(heading: str, skips: tuple[Skip, ...]) -> list[str]:
    by_kind: dict[SkipKind, list[str]] = {}
    for skip in skips:
        by_kind.setdefault(skip.kind, []).append(skip.path)
    lines = [heading, "", "| Why | Files | For example |", "|---|--:|---|"]
    for kind in SkipKind:
        paths = sorted(by_kind.get(kind, ()))
        if paths:
            shown = ", ".join(f"`{path}`" for path in paths[:EXAMPLES])
            more = ", …" if len(paths) > EXAMPLES else ""
            lines.append(f"| {kind.value} | {len(paths)} | {_cell(shown)}{more} |")
    return lines


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


def completed(
    evaluation: Evaluation, links: Permalinks | None = None, fixed: int = 0
) -> list[dict[str, Any]]:
    """Return the PATCH bodies that finish the run: annotations 50 at a time, the last completes.

    Findings on removed lines have no line in the head commit to annotate; they are in the
    summary and the review instead. With `comments: off` in the config, the summary alone
    reports them. `links` point the summary's findings at their lines on GitHub; `fixed` is
    counted in the summary.
    """
    annotated = evaluation.config.comments != "off"
    annotations = [annotation(f) for f in evaluation.findings if f.side == "RIGHT" and annotated]
    batches = [
        annotations[i : i + ANNOTATIONS_PER_REQUEST]
        for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
    ] or [[]]
    output = {"title": title(evaluation), "summary": summary(evaluation, links, fixed)}
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
