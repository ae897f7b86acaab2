"""Read a change from a local git repository, for `readiness scan --repo`.

git runs with external diff drivers and textconv filters off, so a repository's configuration
cannot make the scan execute anything.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bot.diff.model import Ref

MAX_FILE_BYTES = 1_000_000
COMMITS_READ = 100  # a range's newest commits whose messages a scan reads, as a review does


class GitError(RuntimeError):
    """git refused: not a repository, unknown revision, or git missing."""


def _git(repo: Path, *args: str, search_up: bool = False) -> bytes:
    return _git_input(repo, None, *args, search_up=search_up)


def _git_input(repo: Path, stdin: bytes | None, *args: str, search_up: bool = False) -> bytes:
    env = dict(os.environ)
    if not search_up:
        # Never let git wander up to an enclosing repository when `repo` is not one itself.
        env["GIT_CEILING_DIRECTORIES"] = str(repo.resolve().parent)
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            check=False,
            timeout=120,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git could not run: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def work_tree(path: Path) -> Path | None:
    """Return the top folder of the git work tree `path` lies in; None outside one or when bare."""
    try:
        top = _git(path, "rev-parse", "--show-toplevel", search_up=True)
    except GitError:
        return None
    return Path(os.fsdecode(top.rstrip(b"\n")))


def merge_base(repo: Path, base: str, head: str) -> str:
    """Return the commit a pull request from `head` into `base` is compared against."""
    return _git(repo, "merge-base", base, head).decode().strip()


def resolve(repo: Path, ref: str) -> str:
    """Return the commit id a ref names, or raise GitError with git's reason."""
    return _git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()


def diff(repo: Path, base: str, head: str) -> bytes:
    """Return `git diff` from the merge base of base and head to head, like a pull request."""
    return _git(
        repo, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", f"{base}...{head}"
    )


def messages(repo: Path, base: str, head: str, count: int = COMMITS_READ) -> list[str]:
    """Return the messages of the newest `count` commits in base..head, oldest first: what a
    pull request from `head` into `base` says in its commits."""
    out = _git(
        repo,
        "log",
        "--no-show-signature",
        f"--max-count={count}",
        "--format=%B%x00",
        f"{base}..{head}",
    )
    found = [m.strip() for m in out.decode("utf-8", errors="replace").split("\0")]
    return [m for m in reversed(found) if m]


def diff_trees(repo: Path, base: str, head: str) -> bytes:
    """Return `git diff` between two trees or commits as they are (no merge base)."""
    return _git(repo, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", base, head)


def staged(repo: Path) -> tuple[str, str]:
    """Return (HEAD's tree, the index's tree): the change `git commit` would record now.

    `git write-tree` stores the index as a tree object, the one the commit will reuse, so the
    staged files can be read like any commit's. Before the first commit the base is the empty
    tree. Raises GitError outside a work tree or while the index has unmerged paths.
    """
    index = _git(repo, "write-tree", search_up=True).decode().strip()
    try:
        head = _git(repo, "rev-parse", "--verify", "HEAD^{tree}", search_up=True)
    except GitError:  # no commit yet
        head = _git_input(repo, b"", "hash-object", "-t", "tree", "--stdin", search_up=True)
    return head.decode().strip(), index


def tracked(repo: Path, head: str) -> bytes:
    """Return every file tracked at `head` as one diff that adds them all (from the empty tree)."""
    empty = _git_input(repo, b"", "hash-object", "-t", "tree", "--stdin").decode().strip()
    return _git(repo, "diff", "--no-color", "--no-ext-diff", "--no-textconv", empty, head)


class GitContents:
    """File contents at the base and head commits of a local repository."""

    def __init__(self, repo: Path, base: str, head: str) -> None:
        self._repo = repo
        self._refs: dict[Ref, str] = {"base": base, "head": head}

    async def files(self, at: Ref = "head") -> frozenset[str] | None:
        listing = await asyncio.to_thread(
            _git, self._repo, "ls-tree", "-r", "-z", "--name-only", self._refs[at]
        )
        return frozenset(
            name.decode("utf-8", errors="replace") for name in listing.split(b"\0") if name
        )

    async def read_many(
        self, wanted: Sequence[tuple[str, Ref]]
    ) -> dict[tuple[str, Ref], str | None]:
        """Read every file with one `git cat-file --batch` process."""
        return await asyncio.to_thread(self._read_many, wanted)

    def _read_many(self, wanted: Sequence[tuple[str, Ref]]) -> dict[tuple[str, Ref], str | None]:
        texts: dict[tuple[str, Ref], str | None] = dict.fromkeys(wanted)
        # The batch protocol is line-based: a path with a newline is read on its own.
        batched = [(path, at) for path, at in wanted if "\n" not in path and "\r" not in path]
        for path, at in wanted:
            if (path, at) not in batched:
                texts[(path, at)] = self._read(path, at)
        if not batched:
            return texts
        specs = "".join(f"{self._refs[at]}:{path}\n" for path, at in batched).encode()
        output = _git_input(self._repo, specs, "cat-file", "--batch")
        offset = 0
        for key in batched:
            end = output.index(b"\n", offset)
            header = output[offset:end].split()
            offset = end + 1
            # "<spec> missing" (the spec may hold spaces) carries no body; "<sha> <type> <size>"
            # does, whatever its type (a tree, a submodule).
            if header[-1:] in ([b"missing"], [b"ambiguous"]) or len(header) != 3:
                continue
            if header[1] != b"blob":
                offset += int(header[2]) + 1
                continue
            size = int(header[2])
            if size <= MAX_FILE_BYTES:
                texts[key] = output[offset : offset + size].decode("utf-8", errors="replace")
            offset += size + 1
        return texts

    def _read(self, path: str, at: Ref) -> str | None:
        spec = f"{self._refs[at]}:{path}"
        try:
            size = int(_git(self._repo, "cat-file", "-s", spec))
            if size > MAX_FILE_BYTES:
                return None
            return _git(self._repo, "cat-file", "blob", spec).decode("utf-8", errors="replace")
        except (GitError, ValueError):
            return None
