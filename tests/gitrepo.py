"""Build small real git repositories (a base commit and a head commit) for tests."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.diff import git
from bot.diff.model import Change
from bot.diff.parse import parse
from bot.rules.engine import snapshot
from bot.snapshot.model import Snapshot, describe

_ENV = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
    "GIT_AUTHOR_DATE": "2026-11-01T12:00:00Z",
    "GIT_COMMITTER_DATE": "2026-11-01T12:00:00Z",
    "HOME": "/nonexistent",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}

Files = Mapping[str, str | bytes | None]


@dataclass(frozen=True)
class Repo:
    path: Path
    base: str
    head: str

    @property
    def diff(self) -> bytes:
        return git.diff(self.path, self.base, self.head)

    @property
    def change(self) -> Change:
        return parse(self.diff)

    async def snapshot(self) -> Snapshot:
        """Read the change as `readiness scan --repo` does: contents from git, extras included,
        the head commit's message as the description."""
        said = describe(*git.messages(self.path, self.base, self.head))
        return await snapshot(self.change, git.GitContents(self.path, self.base, self.head), said)

    def advance_base(self, files: Files) -> str:
        """Commit `files` on `main` after the feature branched off; return the new tip."""
        _run(self.path, "checkout", "-q", "main")
        _write(self.path, files)
        _run(self.path, "add", "-A")
        _run(self.path, "commit", "-q", "-m", "main moves on")
        tip = _run(self.path, "rev-parse", "HEAD")
        _run(self.path, "checkout", "-q", "feature")
        return tip

    def files(self, commit: str) -> dict[str, bytes]:
        """Return every file of a commit with its bytes, to publish on the GitHub double."""
        names = _run(self.path, "ls-tree", "-r", "-z", "--name-only", commit).split("\0")
        return {
            name: subprocess.run(
                ["git", "cat-file", "blob", f"{commit}:{name}"],
                cwd=self.path,
                capture_output=True,
                check=True,
            ).stdout
            for name in names
            if name
        }


def _run(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=_ENV, capture_output=True, check=True)
    return done.stdout.decode().strip()


def _write(repo: Path, files: Files) -> None:
    for name, content in files.items():
        target = repo / name
        if content is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def make_repo(root: Path, base: Files, head: Files, message: str = "head") -> Repo:
    """Commit `base`, then apply `head` on top (None deletes a file) and commit again, with
    `message`."""
    root.mkdir(parents=True, exist_ok=True)
    _run(root, "init", "-q", "-b", "main")
    _write(root, base)
    _run(root, "add", "-A")
    _run(root, "commit", "-q", "--allow-empty", "-m", "base")
    base_sha = _run(root, "rev-parse", "HEAD")
    _run(root, "checkout", "-q", "-b", "feature")
    _write(root, head)
    _run(root, "add", "-A")
    _run(root, "commit", "-q", "--allow-empty", "-m", message)
    return Repo(root, base_sha, _run(root, "rev-parse", "HEAD"))
