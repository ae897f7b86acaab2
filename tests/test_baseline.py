"""The baseline: findings recorded by `readiness baseline` are not reported again, wherever the
lines move; the same text found once more is."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.baseline import BASELINE_PATH
from bot.local import write_baseline
from bot.rules.engine import evaluate
from tests.conftest import deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.gitrepo import make_repo
from tests.test_cli import readiness

CLIENT = """\
import requests


def fetch(url):
    return requests.get(url, verify=False)
"""
# Moved into a class (three lines down, indented: the diff shows it added), and the same call
# once more further down: one old finding, one new.
CLIENT_LATER = """\
\"\"\"The payment provider's client.\"\"\"

import requests


class Client:
    def fetch(self, url):
        return requests.get(url, verify=False)

    def fetch_again(self, url):
        return requests.get(url, verify=False)
"""


async def baseline_of(root: Path, files: dict[str, str | bytes | None]) -> str:
    """Commit `files` and return the baseline `readiness baseline` writes for them."""
    repo = make_repo(root, files, {})
    path, _ = await write_baseline(repo.path)
    assert path == repo.path / BASELINE_PATH
    return path.read_text(encoding="utf-8")


async def test_a_moved_finding_stays_baselined_and_the_same_text_elsewhere_is_reported(
    tmp_path: Path,
) -> None:
    recorded = await baseline_of(tmp_path / "before", {"shop/client.py": CLIENT})
    (entry,) = json.loads(recorded)["findings"]
    assert (entry["rule"], entry["path"]) == ("cliff/tls-verify-disabled", "shop/client.py")

    repo = make_repo(
        tmp_path / "pr",
        {"shop/client.py": CLIENT, BASELINE_PATH: recorded},
        {"shop/client.py": CLIENT_LATER},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert [(f.rule, f.line) for f in evaluation.findings] == [("cliff/tls-verify-disabled", 11)]
    assert evaluation.baselined == 1

    without = make_repo(
        tmp_path / "none", {"shop/client.py": CLIENT}, {"shop/client.py": CLIENT_LATER}
    )
    unbaselined = await evaluate(await without.snapshot())
    assert [f.line for f in unbaselined.findings] == [8, 11] and unbaselined.baselined == 0


async def test_a_pull_request_cannot_baseline_its_own_findings(tmp_path: Path) -> None:
    """The server reads the baseline at the base: one the PR adds does not count."""
    recorded = await baseline_of(tmp_path / "later", {"shop/client.py": CLIENT_LATER})
    repo = make_repo(tmp_path / "pr", {}, {"shop/client.py": CLIENT_LATER, BASELINE_PATH: recorded})
    evaluation = await evaluate(await repo.snapshot())
    assert [f.line for f in evaluation.findings] == [8, 11] and evaluation.baselined == 0


async def test_the_server_reads_the_baseline_on_the_base_branch(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    recorded = await baseline_of(tmp_path / "before", {"shop/client.py": CLIENT})
    base = {"shop/client.py": CLIENT, BASELINE_PATH: recorded}
    data = open_pull(github, tmp_path / "repo", base, {"shop/client.py": CLIENT_LATER})
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    assert [(a["path"], a["start_line"]) for a in run["output"]["annotations"]] == [
        ("shop/client.py", 11)
    ]
    assert "- 1 finding in the baseline not reported" in run["output"]["summary"]
    assert [c["line"] for c in github.review_comments("acme/shop", 7)] == [11]


def test_the_cli_writes_the_baseline_and_scan_reads_it_from_the_work_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"shop/client.py": CLIENT}, {})
    done = readiness("baseline", cwd=repo.path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"1 finding written to {repo.path / BASELINE_PATH}\n"
    # Not committed: `scan` reads the baseline as it is in the work tree.
    (repo.path / "shop" / "client.py").write_text(CLIENT_LATER, encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "-qam", "more"], cwd=repo.path, check=True)
    scan = readiness("scan", "--repo", str(repo.path), "--base", "HEAD~1", "--format", "json")
    report = json.loads(scan.stdout)
    assert [f["line"] for f in report["findings"]] == [11]
    assert report["baselined"] == 1
