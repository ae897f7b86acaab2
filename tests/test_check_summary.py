"""The check-run summary end to end, and pull requests from forks reviewed like any other.

The bot runs for real and talks to the GitHub double; the summary is read from the check run the
double recorded, the links checked against the pull request's base repository and head commit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import REPO, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.test_review_loop import BASE, HEAD, LIVE_KEY

FORK = "contributor/shop"  # the head repository of a pull request from a fork
LINK = re.compile(r"\]\((https://github\.com/[^)\s]+)\)")


async def reviewed(bot: TestClient[Any, Any], github: FakeGitHub, data: dict[str, Any]) -> Any:
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    (run,) = github.check_runs
    return run


async def test_the_summary_shows_verdict_packs_linked_findings_and_skips(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    head = {
        **HEAD,
        "shop/allowed.py": f'TOKEN = "{LIVE_KEY}"  # readiness:allow\n',
        "package-lock.json": "{}\n",
    }
    data = open_pull(github, tmp_path / "repo", BASE, head)
    sha = data["pull_request"]["head"]["sha"]
    run = await reviewed(bot, github, data)
    summary = run["output"]["summary"]
    lines = summary.splitlines()

    assert lines[0] == "**1 error, 1 warning — fails on error**"
    assert run["conclusion"] == "failure"
    assert "| `secrets` | 1 | 0 | 0 |" in lines and "| `tests` | 0 | 1 | 0 |" in lines
    at = f"https://github.com/{REPO}/blob/{sha}"
    assert LINK.findall(summary) == [
        f"{at}/shop/config.py#L6",
        f"{at}/tests/test_checkout.py#L6",
    ]  # the error first; one link per finding
    assert "- 1 finding silenced by `readiness:allow` on its line" in lines
    assert "| binary | 1 | `static/logo.png` |" in lines
    assert "| lock file | 1 | `package-lock.json` |" in lines
    assert "| not UTF-8 | 1 | `docs/notes.txt` |" in lines
    assert LIVE_KEY not in summary


async def test_a_pull_request_from_a_fork_is_reviewed_like_any_other(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The head lives in a fork the app is not installed on: the installation on the base
    repository reads the head commit there, and the run, the annotations, the review and the
    summary's links (on the base repository) are those of a branch in the same repository."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD, head_repo=FORK)
    assert data["pull_request"]["head"]["repo"]["full_name"] == FORK
    sha = data["pull_request"]["head"]["sha"]
    run = await reviewed(bot, github, data)

    assert (run["head_sha"], run["conclusion"]) == (sha, "failure")
    assert {(a["path"], a["start_line"]) for a in run["output"]["annotations"]} == {
        ("shop/config.py", 6),
        ("tests/test_checkout.py", 6),
    }
    placed = {(c["path"], c["line"]) for c in github.review_comments(REPO, 7)}
    assert placed == {("shop/config.py", 6), ("tests/test_checkout.py", 6)}
    assert f"https://github.com/{REPO}/blob/{sha}/shop/config.py#L6" in run["output"]["summary"]
    asked = [c for c in github.calls() if FORK in c.path or FORK.encode() in (c.body or b"")]
    assert not asked  # nothing is read from the fork: its head commit is the base's to show
