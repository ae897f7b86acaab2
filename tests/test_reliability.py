"""Idempotent effects under redelivery, supersede, GitHub errors and a full queue."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from bot.app import STORE
from bot.settings import Settings
from tests.conftest import REPO, BotFactory, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.gitrepo import make_repo
from tests.test_metrics import scrape, series, value
from tests.test_review_loop import BASE, HEAD


async def test_redelivery_of_a_reviewed_head_does_not_review_twice(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """A second delivery for the same head (a redelivery, a reopen) finds the finished run."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    data["action"] = "reopened"
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 2}
    assert len(github.check_runs) == 1 and len(github.reviews_of(REPO, 7)) == 1


async def test_a_push_during_a_review_supersedes_it(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The old head's run ends `cancelled` and posts nothing; the new head is reviewed."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    old_head = data["pull_request"]["head"]["sha"]
    github.fail("POST", "/graphql", 502, delay=1.5)  # hold the first review at its file reads
    await deliver(bot, "pull_request", data)
    await asyncio.sleep(0.5)
    newer = make_repo(tmp_path / "repo2", BASE, {**HEAD, "README.md": "# Shop\n"})
    github.update_pull(REPO, 7, head_sha=newer.head, diff=newer.diff)
    data["action"] = "synchronize"
    data["pull_request"]["head"]["sha"] = newer.head
    await deliver(bot, "pull_request", data)
    await settle(bot)

    runs = {run["head_sha"]: run for run in github.check_runs}
    assert runs[old_head]["conclusion"] == "cancelled"
    assert runs[newer.head]["conclusion"] == "failure"
    assert [review["commit_id"] for review in github.reviews_of(REPO, 7)] == [newer.head]


async def test_pull_request_gone_mid_review_ends_the_job_without_retries(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    gone = "Could not resolve to a Repository with the name 'acme/shop'."
    github.fail(
        "POST",
        "/graphql#pullRequest",
        200,
        json={"data": {"repository": None}, "errors": [{"type": "NOT_FOUND", "message": gone}]},
    )
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    assert len(github.calls("POST", "/graphql#pullRequest")) == 1
    (run,) = github.check_runs
    assert run["conclusion"] == "neutral"
    assert run["output"]["title"] == "Readiness could not finish this review"
    metrics = await scrape(bot)
    assert value(metrics, "readiness_jobs", state="done") == 1
    assert value(metrics, "readiness_jobs", state="failed") == 0
    assert set(series(metrics, "readiness_dead_letters_total").values()) == {0}


@pytest.fixture
async def small_queue_bot(start_bot: BotFactory) -> TestClient[Any, Any]:
    return await start_bot(max_queued=1, workers=1)


async def test_a_full_queue_answers_429_with_retry_after(
    small_queue_bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """What cannot be kept is refused, so GitHub records a failed delivery to redeliver."""
    github.fail("POST", "/app/installations/*/access_tokens", 503, delay=30, times=5)
    first = open_pull(github, tmp_path / "a", BASE, HEAD, number=7)
    second = open_pull(github, tmp_path / "b", BASE, HEAD, number=8)
    third = open_pull(github, tmp_path / "c", BASE, HEAD, number=9)
    assert (await deliver(small_queue_bot, "pull_request", first)).status == 202
    await asyncio.sleep(0.3)  # the only worker takes it and hangs on GitHub
    assert (await deliver(small_queue_bot, "pull_request", second)).status == 202
    refused = await deliver(small_queue_bot, "pull_request", third)
    assert refused.status == 429 and refused.headers["Retry-After"] == "60"
    counts = await small_queue_bot.app[STORE].counts()
    assert counts == {"running": 1, "queued": 1}


def test_settings_for_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_queued"):
        Settings(app_id=1, private_key=SecretStr("x"), webhook_secret=SecretStr("s"), max_queued=0)


async def test_a_github_request_that_hangs_is_timed_out_and_retried(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path
) -> None:
    bot = await start_bot(github_timeout=0.5)
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail("GET", f"/repos/{REPO}/pulls/7", 500, delay=3)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    assert len(github.calls("GET", f"/repos/{REPO}/pulls/7")) >= 3  # timed out, then pull + diff
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"
