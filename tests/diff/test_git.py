"""Local git access for `readiness scan --repo`: the diff, file contents and file lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.diff import git
from tests.gitrepo import make_repo


async def test_contents_and_file_lists_at_base_and_head(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        base={"app/models.py": "X = 1\n", "app/migrations/0001_initial.py": "ops = []\n"},
        head={"app/models.py": "X = 2\n", "docs/naïve name.md": "# Hi\n"},
    )
    contents = git.GitContents(repo.path, repo.base, repo.head)
    texts = await contents.read_many(
        [("app/models.py", "head"), ("app/models.py", "base"), ("docs/naïve name.md", "base")]
    )
    assert texts[("app/models.py", "head")] == "X = 2\n"
    assert texts[("app/models.py", "base")] == "X = 1\n"
    assert texts[("docs/naïve name.md", "base")] is None
    assert await contents.files("base") == {"app/models.py", "app/migrations/0001_initial.py"}
    assert await contents.files() == {
        "app/models.py",
        "app/migrations/0001_initial.py",
        "docs/naïve name.md",
    }


def test_unknown_revision_is_a_git_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", base={"a.txt": "a\n"}, head={"a.txt": "b\n"})
    with pytest.raises(git.GitError, match="Needed a single revision"):
        git.resolve(repo.path, "no-such-branch")
