"""One PR review per run, with one comment per diff line, and only for findings not yet posted.

Findings on the same line and side are one comment: each rule with its severity, message, why it
matters and how to fix it (the registry's text), so a line several rules flag reads as one note.
Each finding keeps its own hidden fingerprint marker in that comment. Before posting, the markers
of every review thread's first comment and every review body are read, so a re-run (or a finding
that moved) is not posted twice, per finding. A later push that adds a finding on a line already
commented gets a new comment for the new finding alone: the earlier comment is a record people
may have replied to, editing it would change it under them without a notification, and a reply
in its thread costs a request per thread where the review posts every comment in one.

GitHub rejects a whole review if one comment sits outside the diff's hunks (422), so such
findings stay check-run annotations only. Comments are capped per review to stay clear of
secondary rate limits; the findings of the lines past the cap are listed in the review body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import CONFIG_PATH, MAX_COMMENTS, allow_entry
from bot.diff.model import Change
from bot.report.checks import MAX_TEXT, RERUN_HINT, trim
from bot.rules.model import Finding, Rule, Severity
from bot.rules.registry import RULES

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
class LineComment:
    """The findings on one diff line (same path, line and side), most severe first: one comment."""

    findings: tuple[Finding, ...]

    def inline(self) -> dict[str, Any]:
        """The comment as a review's `comments[]` entry (or a lone comment's body)."""
        first = self.findings[0]
        return {
            "path": first.path,
            "line": first.line,
            "side": first.side,
            "body": comment_body(self.findings),
        }

    def marker(self) -> str:
        """A marker the posted comment carries, to find it when GitHub's answer is lost."""
        return marker(self.findings[0])


@dataclass(frozen=True)
class ReviewPlan:
    """What one review posts: `comments` inline, the findings in `overflow` listed in its body.

    After GitHub refused the review (a 422 for one comment it would not place), the comments
    are posted one at a time (`alone`): the review then carries only the body, which lists the
    comments GitHub `refused` too.
    """

    comments: tuple[LineComment, ...]
    overflow: tuple[Finding, ...]
    alone: bool = False
    refused: tuple[LineComment, ...] = ()

    def findings(self) -> tuple[Finding, ...]:
        """Every finding this review posts, inline or listed."""
        return (*(f for c in self.comments for f in c.findings), *self.overflow)

    def marker(self, head_sha: str) -> str:
        """A hidden line naming this review: the head it judged and the findings it posts.

        Found in the PR's reviews, it proves a request whose answer was lost created the review.
        """
        findings = "\n".join(sorted(f.fingerprint for f in self.findings()))
        digest = hashlib.sha256(f"{head_sha}\n{findings}".encode()).hexdigest()[:20]
        return _REVIEW_MARKER.format(digest)

    def request(self, head_sha: str) -> dict[str, Any]:
        """Build the `POST /pulls/{n}/reviews` body, for the head it judged (`commit_id`)."""
        return {
            "commit_id": head_sha,
            "event": "COMMENT",
            "body": f"{self.body()}\n{self.marker(head_sha)}",
            "comments": [] if self.alone else [c.inline() for c in self.comments],
        }

    def single(self, comment: LineComment, head_sha: str) -> dict[str, Any]:
        """Build the `POST /pulls/{n}/comments` body that posts one comment on its own."""
        return {"commit_id": head_sha, **comment.inline()}

    def body(self) -> str:
        count = len(self.findings())
        lines = [
            f"**Readiness** found {count} new issue{'s' if count != 1 else ''} in this change."
        ]
        if self.overflow:
            lines += ["", f"{len(self.overflow)} more, not commented inline to limit noise:", ""]
            lines += [_listed(f) for f in self.overflow]
        if self.refused:
            refused = [f for c in self.refused for f in c.findings]
            lines += ["", f"{len(refused)} GitHub would not place on their lines:", ""]
            lines += [_listed(f) for f in refused]
        lines += ["", f"<sub>See the **Readiness** check for the full report. {RERUN_HINT}</sub>"]
        return trim("\n".join(lines), MAX_TEXT - MARKER_ROOM)  # room for the review's marker


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

    The new findings of one line are one comment; the first `max_comments` lines (those with an
    error first) are commented inline, the findings of the rest listed in the body.
    """
    lines: dict[tuple[str, int, str], list[Finding]] = {}
    for finding in findings:
        changed = change.file(finding.path)
        if finding.fingerprint in already or changed is None:
            continue
        if changed.commentable(finding.line, finding.side):
            lines.setdefault((finding.path, finding.line, finding.side), []).append(finding)
    if not lines:
        return None
    comments = [
        LineComment(tuple(sorted(found, key=lambda f: (f.severity.rank, f.rule))))
        for found in lines.values()
    ]
    comments.sort(
        key=lambda c: (c.findings[0].severity.rank, c.findings[0].path, c.findings[0].line)
    )
    overflow = tuple(f for c in comments[max_comments:] for f in c.findings)
    return ReviewPlan(tuple(comments[:max_comments]), overflow)


def comment_body(findings: Sequence[Finding], rules: Mapping[str, Rule] = RULES) -> str:
    """Write one line's comment: each finding's rule, severity and message, why it matters and
    how to fix it (from `rules`; a repository's semgrep rule has its message alone), then how
    to silence them and every finding's marker, which trimming never cuts."""
    text = "\n\n---\n\n".join(_section(f, rules.get(f.rule)) for f in findings)
    if len(findings) > 1:
        text = f"**{len(findings)} findings on this line**\n\n{text}"
    tail = f"\n\n{silencing(findings)}\n" + "\n".join(marker(f) for f in findings)
    return trim(text, MAX_TEXT - len(tail)) + tail


def _section(finding: Finding, rule: Rule | None) -> str:
    parts = [f"**{_HEADING[finding.severity]}: `{finding.rule}`**", finding.message]
    if rule is not None:
        if rule.why:
            parts.append(f"**Why it matters:** {rule.why}")
        parts.append(f"**Fix:** {rule.fix}")
    return "\n\n".join(parts)


def silencing(findings: Sequence[Finding]) -> str:
    """Say how one line's findings can be silenced if they are intended.

    An added line can carry the inline marker (it silences every rule on the line); a removed
    line (side LEFT) is gone from the head, so only `allow:` entries for the rules and path can
    silence it, and the config is read from the base branch: the pull request's own edit of it
    does not count.
    """
    first = findings[0]
    if first.side == "RIGHT":
        return "<sub>If this is intended, add `readiness:allow` in a comment on this line.</sub>\n"
    rules = list(dict.fromkeys(f.rule for f in findings))
    return (
        "<sub>If this is intended: a removed line cannot carry `readiness:allow`; add this to "
        f"`{CONFIG_PATH}` on the base branch (a pull request cannot change its own config):"
        "</sub>\n\n"
        f"{_fenced(allow_entry(rules, first.path), 'yaml')}\n"
    )


def _fenced(text: str, language: str) -> str:
    """Fence a code block with more backticks than any run inside it (CommonMark)."""
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return f"{fence}{language}\n{text}{fence}"
