"""`.pre-commit-hooks.yaml`: the hook reviews exactly what is staged, before the commit exists."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from pre_commit.clientlib import load_manifest

from tests.gitrepo import _ENV, make_repo
from tests.test_cli import ROOT, _env

KEY = "sk_" + "live_" + "51Hx9QkLmZ3vT8pR2wYcN4dFgJ7sA0eBqU6iX"
(HOOK,) = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))  # pre-commit's own validation


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=_ENV, capture_output=True, check=True)
    return done.stdout.decode()


def run_hook(repo: Path) -> subprocess.CompletedProcess[str]:
    """Run the hook's entry as pre-commit does: in the repository's top folder, no file names
    (`pass_filenames: false`), with `readiness` being this checkout's CLI."""
    command, *args = shlex.split(HOOK["entry"])
    assert command == "readiness"
    assert HOOK["pass_filenames"] is False
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=repo,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_manifest_declares_one_python_hook_on_the_staged_change() -> None:
    assert HOOK["id"] == "readiness"
    assert HOOK["language"] == "python"  # pre-commit installs this package from the hook's repo
    assert HOOK["stages"] == ["pre-commit"]


def test_a_staged_secret_stops_the_commit_and_an_unstaged_one_is_not_reviewed(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "r", {"app/pay.py": "import os\n"}, {}).path
    (repo / "app" / "pay.py").write_text(f"import os\nSTRIPE = '{KEY}'\n")
    unstaged = run_hook(repo)
    assert unstaged.returncode == 0, unstaged.stdout + unstaged.stderr
    assert unstaged.stdout == "No findings.\n"
    git(repo, "add", "app/pay.py")
    status = git(repo, "status", "--porcelain")
    refs = git(repo, "show-ref")
    staged = run_hook(repo)
    assert staged.returncode == 1, staged.stderr
    assert staged.stdout.startswith("app/pay.py:2: error [secrets/stripe-key]")
    assert KEY not in staged.stdout + staged.stderr
    # The hook changes nothing a user can see: the index, work tree and refs stay as they were.
    assert git(repo, "status", "--porcelain") == status
    assert git(repo, "show-ref") == refs


def test_the_first_commit_and_a_staged_deletion_are_reviewed(tmp_path: Path) -> None:
    """Before any commit the base is empty; a staged `git rm` of a test file is seen as such."""
    repo = tmp_path / "new"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "settings.py").write_text(f"STRIPE = '{KEY}'\n")
    git(repo, "add", "settings.py")
    first = run_hook(repo)
    assert first.returncode == 1, first.stderr
    assert "settings.py:1: error [secrets/stripe-key]" in first.stdout
    base = {
        "shop/orders.py": "def total(items):\n    return sum(items)\n",
        "tests/test_orders.py": "from shop.orders import total\n\n\n"
        "def test_total():\n    assert total([1, 2]) == 3\n",
    }
    repo = make_repo(tmp_path / "r", base, {}).path
    git(repo, "rm", "-q", "tests/test_orders.py")
    deleted = run_hook(repo)
    assert "tests/test_orders.py" in deleted.stdout and "(removed)" in deleted.stdout
    assert "[tests/deleted-test-file]" in deleted.stdout


def test_outside_a_work_tree_the_hook_says_so_on_one_line(tmp_path: Path) -> None:
    done = run_hook(tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("readiness: cannot read the staged change: ")
    assert done.stderr.count("\n") == 1
