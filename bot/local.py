"""Review a local change, as `readiness scan` does: a git repository's range, or a bare diff."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot import baseline
from bot.config import CONFIG_PATH, Layer
from bot.diff import git
from bot.diff.model import Ref
from bot.diff.parse import parse
from bot.rules.engine import Evaluation, evaluate, snapshot
from bot.rules.runner import Progress
from bot.snapshot.generated import GITATTRIBUTES
from bot.snapshot.model import describe
from bot.snapshot.read import Contents, NoContents, Wanted

# The repository's own settings: the server reads them from the base branch.
SETTINGS: frozenset[Wanted] = frozenset({(CONFIG_PATH, "base"), (GITATTRIBUTES, "base")})


async def scan_repo(
    repo: Path,
    base: str,
    head: str,
    progress: Progress | None = None,
    organisation: Layer | None = None,
) -> Evaluation:
    """Evaluate the change from the merge base of `base` and `head` to `head`, with the
    messages of the commits between them as the change's description.

    `progress` hears how far the rules are; `organisation` is the organisation's config file,
    applied under the repository's as the server applies its `.github` repository's. Raises
    git.GitError when `repo` is not a repository or a revision is unknown.
    """
    base_sha, head_sha = git.resolve(repo, base), git.resolve(repo, head)
    change = parse(git.diff(repo, base_sha, head_sha))
    # The diff starts at the merge base, so the base side of each file is read there too.
    fork = git.merge_base(repo, base_sha, head_sha)
    # What the range's commits say stands in for a pull request's description.
    said = describe(*git.messages(repo, fork, head_sha))
    snap = await snapshot(change, git.GitContents(repo, fork, head_sha), said)
    return await evaluate(
        snap, organisation=organisation, baseline=work_tree_baseline(repo), progress=progress
    )


async def scan_staged(
    where: Path, progress: Progress | None = None, organisation: Layer | None = None
) -> Evaluation:
    """Evaluate what is staged in the work tree around `where` against its HEAD (a pre-commit hook).

    The repository's settings are read at HEAD, as for `--diff`: staging an edit of the config
    does not change the review of the same commit. Raises git.GitError outside a work tree.
    """
    top = git.work_tree(where)
    if top is None:
        raise git.GitError(f"{where} is not in a git work tree")
    base, index = git.staged(top)
    change = parse(git.diff_trees(top, base, index))
    snap = await snapshot(change, git.GitContents(top, base, index))
    return await evaluate(snap, organisation=organisation, progress=progress)


async def scan_diff(
    data: bytes, where: Path, progress: Progress | None = None, organisation: Layer | None = None
) -> Evaluation:
    """Evaluate a bare diff: nothing beyond what it shows is known but the repository's settings.

    When `where` lies in a git work tree, that repository's committed settings apply (see
    CommittedSettings). Raises NotADiff when `data` holds no file diff.
    """
    change = parse(data, strict=True)
    snap = await snapshot(change, settings_around(where))
    return await evaluate(
        snap, organisation=organisation, baseline=work_tree_baseline(where), progress=progress
    )


async def write_baseline(repo: Path) -> tuple[Path, Evaluation]:
    """Scan every file tracked at HEAD and write the baseline file at the work tree's root.

    Findings of the current baseline are not left out (a new baseline lists them again).
    Returns the file written and the scan. Raises git.GitError when `repo` is no repository or
    has no commit, OSError when the file cannot be written.
    """
    top = git.work_tree(repo)
    if top is None:
        raise git.GitError(f"{repo} is not in a git work tree")
    head = git.resolve(top, "HEAD")
    change = parse(git.tracked(top, head))
    snap = await snapshot(change, git.GitContents(top, head, head))
    evaluation = await evaluate(snap, baseline=baseline.Baseline())
    path = top / baseline.BASELINE_PATH
    path.write_text(baseline.dump(evaluation.findings, snap), encoding="utf-8")
    return path, evaluation


def work_tree_baseline(where: Path) -> baseline.Baseline:
    """The baseline file in the work tree around `where`, as it is on disk (none outside one)."""
    top = git.work_tree(where)
    path = None if top is None else top / baseline.BASELINE_PATH
    if path is None or not path.is_file():
        return baseline.Baseline()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return baseline.Baseline(problem=f"`{path}` cannot be read ({exc.strerror})")
    return baseline.parse(text, str(path))


def settings_around(where: Path) -> Contents:
    """Serve the settings of the repository checked out around `where`, if any, at HEAD."""
    top = git.work_tree(where)
    if top is None:
        return NoContents()
    try:
        head = git.resolve(top, "HEAD")
    except git.GitError:  # a repository with no commit yet has no committed settings
        return NoContents()
    return CommittedSettings(git.GitContents(top, head, head))


class CommittedSettings:
    """The contents of a bare diff scanned in a work tree: the repository's settings at HEAD.

    The server reads `.github/readiness.yml` and `.gitattributes` from the base branch, so a pull
    request cannot silence its own review. Locally the commit checked out plays the base: an
    uncommitted edit of the config, which the diff may well show, does not count. Nothing else is
    served, since the diff need not start at HEAD.
    """

    def __init__(self, repo: git.GitContents) -> None:
        self._repo = repo

    async def files(self, at: Ref = "head") -> frozenset[str] | None:
        return None

    async def read_many(self, wanted: Sequence[Wanted]) -> dict[Wanted, str | None]:
        texts: dict[Wanted, str | None] = dict.fromkeys(wanted)
        settings = [key for key in wanted if key in SETTINGS]
        if settings:
            texts.update(await self._repo.read_many(settings))
        return texts
