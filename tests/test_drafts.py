"""Draft pull requests: reviewed and commented at once, failing only once ready for review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import REPO, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.payloads import payload
from tests.test_review_loop import BASE, HEAD


def draft_pull(github: FakeGitHub, root: Path, base: dict[str, Any]) -> dict[str, Any]:
    """Open PR 7 (a live Stripe key: an error finding) as a draft; return its payload."""
    data = open_pull(github, root, base, HEAD)
    github.repo(REPO).pulls[7].draft = True
    data["pull_request"]["draft"] = True
    return data


def ready_payload(opened: dict[str, Any]) -> dict[str, Any]:
    """GitHub's `ready_for_review` delivery for the same pull request and head."""
    data = payload("pull_request/ready_for_review")
    data["pull_request"] = {**opened["pull_request"], "draft": False}
    data["number"] = opened["number"]
    data["repository"] = opened["repository"]
    data["installation"] = opened["installation"]
    return data


async def test_a_draft_is_reviewed_but_fails_only_once_ready(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    data = draft_pull(github, tmp_path / "repo", BASE)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    (held,) = github.check_runs
    assert (held["status"], held["conclusion"]) == ("completed", "neutral")
    assert any(a["annotation_level"] == "failure" for a in held["output"]["annotations"])
    assert "This pull request is a draft" in held["output"]["summary"]
    comments = len(github.review_comments(REPO, 7))
    assert comments  # the author hears about the key while drafting

    github.repo(REPO).pulls[7].draft = False
    await deliver(bot, "pull_request", ready_payload(data))
    assert await settle(bot) == {"done": 2}
    latest = github.check_runs[-1]
    assert latest["id"] != held["id"] and latest["conclusion"] == "failure"
    assert "is a draft" not in latest["output"]["summary"]
    assert len(github.review_comments(REPO, 7)) == comments  # nothing said twice


async def test_drafts_review_in_the_config_judges_a_draft_like_any(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    base = {**BASE, ".github/readiness.yml": "drafts: review\n"}
    data = draft_pull(github, tmp_path / "repo", base)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"
