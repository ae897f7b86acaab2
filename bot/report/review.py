"""One PR review per run, with comments only on diff lines and only for findings not yet posted.

Each comment ends with a hidden fingerprint marker. Before posting, the markers of all existing
review comments and review bodies are read, so a re-run (or a finding that moved) is not posted
twice. GitHub rejects a whole review if one comment sits outside the diff's hunks (422), so such
findings stay check-run annotations only. Comments are capped per review to stay clear of
secondary rate limits; the rest are listed in the review body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import CONFIG_PATH, MAX_COMMENTS, allow_entry
from bot.diff.model import Change
from bot.report.checks import MAX_TEXT, RERUN_HINT, trim
from bot.rules.model import Finding, Severity

_MARKER = "<!-- readiness:fingerprint={} -->"
_REVIEW_MARKER = "<!-- readiness:review={} -->"
MARKER_ROOM = 64
_MARKER_RE = re.compile(r"<!-- readiness:fingerprint=([0-9a-f]+(?:-\d+)?) -->")
_HEADING = {
    Severity.ERROR: "🔴 Error",
    Severity.WARNING: "🟠 Warning",
    Severity.NOTICE: "🔵 Notice",
}


def posted(bodies: Iterable[str | None]) -> set[str]:
    """Collect the fingerprints already posted in these comment or review bodies."""
    return {fp for body in bodies if body for fp in _MARKER_RE.findall(body)}


@dataclass(frozen=True)
class ReviewPlan:
    """What one review posts: `comments` inline, `overflow` listed in its body.

    After GitHub refused the review (a 422 for one comment it would not place), the comments
    are posted one at a time (`alone`): the review then carries only the body, which lists the
    comments GitHub `refused` too.
    """

    comments: tuple[Finding, ...]
    overflow: tuple[Finding, ...]
    alone: bool = False
    refused: tuple[Finding, ...] = ()

    def marker(self, head_sha: str) -> str:
        """A hidden line naming this review: the head it judged and the findings it posts.

        Found in the PR's reviews, it proves a request whose answer was lost created the review.
        """
        findings = "\n".join(sorted(f.fingerprint for f in (*self.comments, *self.overflow)))
        digest = hashlib.sha256(f"{head_sha}\n{findings}".encode()).hexdigest()[:20]
        return _REVIEW_MARKER.format(digest)

    def request(self, head_sha: str) -> dict[str, Any]:
        """Build the `POST /pulls/{n}/reviews` body, for the head it judged (`commit_id`)."""
        return {
            "commit_id": head_sha,
            "event": "COMMENT",
            "body": f"{self.body()}\n{self.marker(head_sha)}",
            "comments": [] if self.alone else [_inline(f) for f in self.comments],
        }

    def single(self, finding: Finding, head_sha: str) -> dict[str, Any]:
        """Build the `POST /pulls/{n}/comments` body that posts one comment on its own."""
        return {"commit_id": head_sha, **_inline(finding)}

    def body(self) -> str:
        count = len(self.comments) + len(self.overflow)
        lines = [
            f"**Readiness** found {count} new issue{'s' if count != 1 else ''} in this change."
        ]
        if self.overflow:
            lines += ["", f"{len(self.overflow)} more, not commented inline to limit noise:", ""]
            lines += [_listed(f) for f in self.overflow]
        if self.refused:
            lines += ["", f"{len(self.refused)} GitHub would not place on their lines:", ""]
            lines += [_listed(f) for f in self.refused]
        lines += ["", f"<sub>See the **Readiness** check for the full report. {RERUN_HINT}</sub>"]
        return trim("\n".join(lines), MAX_TEXT - MARKER_ROOM)  # room for the review's marker


def _inline(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "line": finding.line,
        "side": finding.side,
        "body": comment_body(finding),
    }


def _listed(finding: Finding) -> str:
    """One line of the review body for a finding not commented inline, with its marker."""
    first = finding.message.splitlines()[0] if finding.message else ""
    return (
        f"- {_HEADING[finding.severity]} `{finding.rule}` at `{finding.path}`:{finding.line}: "
        f"{first} {marker(finding)}"
    )


def marker(finding: Finding) -> str:
    """The hidden line that tells a posted finding apart, in a comment or a review body."""
    return _MARKER.format(finding.fingerprint)


def plan(
    findings: Sequence[Finding],
    change: Change,
    already: set[str],
    max_comments: int = MAX_COMMENTS,
) -> ReviewPlan | None:
    """Choose the new findings that can sit on a diff line; None when there is nothing to post.

    The first `max_comments` (errors first) are commented inline, the rest listed in the body.
    """
    placeable = []
    for finding in findings:
        changed = change.file(finding.path)
        if finding.fingerprint in already or changed is None:
            continue
        if changed.commentable(finding.line, finding.side):
            placeable.append(finding)
    if not placeable:
        return None
    ranked = sorted(placeable, key=lambda f: (f.severity.rank, f.path, f.line))
    return ReviewPlan(tuple(ranked[:max_comments]), tuple(ranked[max_comments:]))


def comment_body(finding: Finding) -> str:
    heading = f"**{_HEADING[finding.severity]}: `{finding.rule}`**\n\n"
    tail = f"\n\n{silencing(finding)}\n{marker(finding)}"
    return heading + trim(finding.message, MAX_TEXT - len(heading) - len(tail)) + tail


def silencing(finding: Finding) -> str:
    """Say how this finding can be silenced if it is intended.

    An added line can carry the inline marker; a removed line (side LEFT) is gone from the head,
    so only an `allow:` entry for the rule and path can silence it, and the config is read from
    the base branch: the pull request's own edit of it does not count.
    """
    if finding.side == "RIGHT":
        return "<sub>If this is intended, add `readiness:allow` in a comment on this line.</sub>\n"
    return (
        "<sub>If this is intended: a removed line cannot carry `readiness:allow`; add this to "
        f"`{CONFIG_PATH}` on the base branch (a pull request cannot change its own config):"
        "</sub>\n\n"
        f"{_fenced(allow_entry(finding.rule, finding.path), 'yaml')}\n"
    )


def _fenced(text: str, language: str) -> str:
    """Fence a code block with more backticks than any run inside it (CommonMark)."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return f"{fence}{language}\n{text}{fence}"
