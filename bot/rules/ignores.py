"""`/readiness ignore`: findings a writer set aside on one pull request, and how that is kept.

An ignore is recorded where the pull request lives: as a hidden marker line in the app's own
answer to the command, in the PR's conversation. Every review of the PR reads the markers
back from the app's comments (anyone else's comment carrying one is not trusted), so an ignore
lasts as long as the PR, whichever replica or store reviews it next, and everyone sees who set
it and why. It never reaches another pull request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pathspec

from bot.rules.model import Finding

MARKER = "<!-- readiness:ignore "
_MARKERS = re.compile(r"<!-- readiness:ignore (\{.*?\}) -->")
MAX_REASON = 500  # characters of a reason kept; a comment is no place for an essay


@dataclass(frozen=True)
class Ignore:
    """Findings of `rule` (a rule or pack id) on `path` (a `.gitignore` line; None: anywhere)."""

    rule: str
    path: str | None
    by: str
    reason: str
    comment_id: int
    """The `/readiness ignore` comment that asked for it (its answer is posted once), as
    `CommandJob.once` keys it: negated for a review comment."""

    def covers(self, finding: Finding) -> bool:
        """Tell whether this ignore sets the finding aside."""
        if self.rule not in (finding.rule, finding.pack):
            return False
        return self.path is None or _spec(self.path).match_file(finding.path)

    def marker(self) -> str:
        """Write the hidden line that records this ignore in the app's answer.

        `<` and `>` are escaped so that no reason can close the HTML comment early.
        """
        data = json.dumps(
            {
                "rule": self.rule,
                "path": self.path,
                "by": self.by,
                "reason": self.reason,
                "comment": self.comment_id,
            },
            sort_keys=True,
        )
        escaped = data.replace("<", "\\u003c").replace(">", "\\u003e")
        return f"{MARKER}{escaped} -->"


@dataclass(frozen=True)
class Ignored:
    """An ignore as the check-run summary shows it: who, why, and how many findings it hid."""

    ignore: Ignore
    findings: int


class UsageError(ValueError):
    """A `/readiness ignore` the bot cannot act on; the text says what to write instead."""


def parse(args: str, by: str, comment_id: int) -> Ignore:
    """Read `RULE-ID [PATH] [-- reason]`; raise UsageError naming what is wrong.

    Shape: `secrets/generic-secret docs/ -- sample key, rotated` gives rule
    `secrets/generic-secret`, path `docs/` (matched as a `.gitignore` line) and that reason.
    """
    words = args.split()
    cut = words.index("--") if "--" in words else len(words)
    parts, reason = words[:cut], " ".join(words[cut + 1 :])
    if not parts:
        raise UsageError("say which rule: `/readiness ignore RULE-ID [PATH] [-- reason]`")
    if len(parts) > 2:
        raise UsageError("give one rule and at most one path, then `-- reason`")
    path = parts[1] if len(parts) == 2 else None
    if path is not None:
        try:
            _spec(path)
        except ValueError as exc:
            raise UsageError(f"`{path}` is not a path pattern git accepts ({exc})") from None
    return Ignore(parts[0], path, by, reason[:MAX_REASON], comment_id)


def read(body: str) -> list[Ignore]:
    """Return the ignores recorded in one comment's body (markers that do not parse are skipped)."""
    found = []
    for match in _MARKERS.finditer(body):
        try:
            data = json.loads(match.group(1))
            found.append(
                Ignore(
                    rule=str(data["rule"]),
                    path=None if data["path"] is None else str(data["path"]),
                    by=str(data["by"]),
                    reason=str(data["reason"]),
                    comment_id=int(data["comment"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return found


def split(
    findings: Iterable[Finding], ignores: Sequence[Ignore]
) -> tuple[tuple[Finding, ...], tuple[Ignored, ...]]:
    """Set aside the findings an ignore covers; return the rest and each ignore with its count.

    A finding two ignores cover counts for the first one given.
    """
    counts = dict.fromkeys(ignores, 0)
    kept = []
    for finding in findings:
        by = next((i for i in ignores if i.covers(finding)), None)
        if by is None:
            kept.append(finding)
        else:
            counts[by] += 1
    return tuple(kept), tuple(Ignored(i, n) for i, n in counts.items())


def _spec(path: str) -> pathspec.GitIgnoreSpec:
    """Compile one path as a `.gitignore` line, as the repository config's paths are."""
    return pathspec.GitIgnoreSpec.from_lines([path])
