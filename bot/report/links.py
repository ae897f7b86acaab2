"""Links from the check-run summary to a finding's line on GitHub, built from the pull request.

GitHub's blob URLs (`https://github.com/OWNER/REPO/blob/SHA/PATH#L12`) name a commit, so a link
keeps pointing at the line that was reviewed after later pushes. Everything comes from the pull
request the pipeline already read (no extra request): the **base** repository's `html_url`,
which GitHub Enterprise Server gives on its own host, and which also shows a fork's head commit
(GitHub keeps every pull request's head in the base repository as `refs/pull/N/head`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from bot.diff.model import Change
from bot.rules.model import Finding


@dataclass(frozen=True)
class Permalinks:
    """Where findings' lines are: a line added or kept at `head_sha`, a removed line at
    `base_sha` (the merge base, the diff's base side), under the old path of a renamed file."""

    repo_url: str
    head_sha: str
    base_sha: str
    old_paths: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, repo_url: str, head_sha: str, base_sha: str, change: Change) -> Permalinks:
        """Link into the repository at `repo_url` (its web address) for the change reviewed
        between `base_sha` and `head_sha`; a renamed file's removed lines link to its old path."""
        renamed = {f.path: f.old_path for f in change.files if f.old_path}
        return cls(repo_url, head_sha, base_sha, renamed)

    def line(self, finding: Finding) -> str:
        """Return the URL of the finding's line in the commit it is on."""
        if finding.side == "RIGHT":
            sha, path = self.head_sha, finding.path
        else:
            sha, path = self.base_sha, self.old_paths.get(finding.path, finding.path)
        return f"{self.repo_url}/blob/{sha}/{quote(path)}#L{finding.line}"
