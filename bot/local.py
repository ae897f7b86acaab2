"""Review a local change, as `readiness scan` does: a git repository's range, or a bare diff."""

from __future__ import annotations

from pathlib import Path

from bot.diff import git
from bot.diff.parse import parse
from bot.rules.engine import Evaluation, evaluate, snapshot
from bot.snapshot.read import NoContents


async def scan_repo(repo: Path, base: str, head: str) -> Evaluation:
    """Evaluate the change from the merge base of `base` and `head` to `head`.

    Raises git.GitError when `repo` is not a repository or a revision is unknown.
    """
    base_sha, head_sha = git.resolve(repo, base), git.resolve(repo, head)
    change = parse(git.diff(repo, base_sha, head_sha))
    # The diff starts at the merge base, so the base side of each file is read there too.
    fork = git.merge_base(repo, base_sha, head_sha)
    return await evaluate(await snapshot(change, git.GitContents(repo, fork, head_sha)))


async def scan_diff(data: bytes) -> Evaluation:
    """Evaluate a bare diff: nothing beyond what it shows is known."""
    return await evaluate(await snapshot(parse(data), NoContents()))
