"""GitHub faults through the double: lost answers, revoked tokens, late pushes, crashes.

Each test makes GitHub apply a write and then lose its answer (a 502, a reset connection, a
timeout), or changes the world mid-review, and checks the PR shows each effect exactly once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.github import client
from bot.jobs import worker
from tests.conftest import REPO, BotFactory, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.fake_github.server import RESET
from tests.gitrepo import make_repo
from tests.test_review_loop import BASE, HEAD, runs_for

REVIEWS = f"/repos/{REPO}/pulls/7/reviews"
CONVERSATION = "/graphql#pullRequest"  # the review's read of the PR's threads and comments
RUNS = f"/repos/{REPO}/check-runs"


def one_review_with_each_comment_once(github: FakeGitHub) -> None:
    (review,) = github.reviews_of(REPO, 7)
    bodies = [c["body"] for c in github.review_comments(REPO, 7)]
    assert bodies and len(bodies) == len(set(bodies))
    assert all(c["pull_request_review_id"] == review["id"] for c in github.review_comments(REPO, 7))


@pytest.mark.parametrize("lost", [502, RESET], ids=["502", "reset"])
async def test_a_review_whose_answer_is_lost_is_posted_once(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path, lost: int
) -> None:
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail("POST", REVIEWS, lost, applied=True)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    one_review_with_each_comment_once(github)
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"


async def test_a_review_whose_answer_times_out_is_posted_once(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub creates the review, then answers after the client gave up waiting."""
    bot = await start_bot(github_timeout=1.0)
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail("POST", REVIEWS, 201, applied=True, delay=3.0)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    one_review_with_each_comment_once(github)


async def test_lost_answers_to_check_run_writes_repeat_nothing(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The run's creation and its annotations are applied, their answers lost: one run, each
    annotation once."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail("POST", RUNS, 502, applied=True)
    github.fail("PATCH", f"{RUNS}/*", RESET, applied=True, times=3)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    (run,) = github.check_runs
    annotations = [(a["path"], a["start_line"], a["title"]) for a in run["output"]["annotations"]]
    assert annotations and len(annotations) == len(set(annotations))
    assert run["conclusion"] == "failure"


async def test_a_revoked_token_is_replaced_and_the_review_finishes(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub revokes the token mid-review (401 before its announced expiry): the bot fetches
    a new one at once and finishes, without a restart."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    revoked = False

    async def revoke_once(_: Any) -> None:
        nonlocal revoked
        if not revoked:
            revoked = True
            github.revoke_tokens()

    github.before("POST", CONVERSATION, revoke_once)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    assert revoked and github.tokens_issued == 2
    (run,) = github.check_runs
    assert run["status"] == "completed" and run["conclusion"] == "failure"
    one_review_with_each_comment_once(github)


async def test_a_push_just_before_the_review_is_posted_publishes_nothing_old(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The PR moves on while the bot reads its conversation (its last read before posting):
    nothing is posted for the old head, its run is cancelled, the new head is reviewed."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    old = data["pull_request"]["head"]["sha"]
    newer = make_repo(tmp_path / "repo2", BASE, {**HEAD, "README.md": "# Shop\n"})

    async def push(_: Any) -> None:
        github.before("POST", CONVERSATION, None)
        github.update_pull(
            REPO, 7, head_sha=newer.head, diff=newer.diff, files_at_head=newer.files(newer.head)
        )

    github.before("POST", CONVERSATION, push)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    (stale,) = runs_for(github, old)
    assert stale["conclusion"] == "cancelled"
    assert all(review["commit_id"] != old for review in github.reviews_of(REPO, 7))


async def test_a_storm_of_5xx_waits_for_github_then_publishes(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub fails one endpoint long enough to exhaust the client's retries: the run says it
    is waiting (not a neutral pass), and the retried job takes it over and publishes."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail("POST", CONVERSATION, 502, times=4)
    await deliver(bot, "pull_request", data)
    assert await settle(bot, timeout=90) == {"done": 1}
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"
    titles = [c.json["output"]["title"] for c in github.calls("PATCH", f"{RUNS}/*") if c.json]
    assert "Waiting for GitHub" in titles
    assert "Readiness could not finish this review" not in titles
    one_review_with_each_comment_once(github)


async def test_an_outage_longer_than_the_attempt_limit_is_waited_out(
    start_bot: BotFactory,
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GitHub fails one endpoint through more job attempts than a crash is allowed: the job
    waits for GitHub (not dead-lettered, no neutral pass) and publishes once it answers."""
    monkeypatch.setattr(client, "BACKOFF_BASE_S", 0.01)
    monkeypatch.setattr(worker, "MIN_WAIT_S", 0.05)
    monkeypatch.setattr(worker, "MAX_BACKOFF_S", 0.2)
    bot = await start_bot()
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    storm = client.MAX_ATTEMPTS * (worker.MAX_ATTEMPTS + 2)  # every try of 7 job attempts
    github.fail("POST", CONVERSATION, 502, times=storm)
    await deliver(bot, "pull_request", data)
    assert await settle(bot, timeout=90) == {"done": 1}
    assert len(github.calls("POST", CONVERSATION)) > storm
    (run,) = github.check_runs
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    one_review_with_each_comment_once(github)


async def test_a_rate_limit_reset_past_the_deadline_ends_the_run_neutral_with_the_reason(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path
) -> None:
    """The primary rate limit resets after the configured deadline: the job gives up at once
    and its run says why, instead of staying in progress or waiting past the deadline."""
    bot = await start_bot(retry_deadline=60)
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 600)}
    github.fail("POST", CONVERSATION, 403, headers=limited)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"failed": 1}
    (run,) = github.check_runs
    assert (run["status"], run["conclusion"]) == ("completed", "neutral")
    assert run["output"]["title"] == "Readiness could not finish this review"
    assert "still failing after waiting 60 s" in run["output"]["summary"]
    assert github.reviews_of(REPO, 7) == []


async def test_a_comment_github_will_not_place_costs_only_that_comment(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub refuses the review (422, without saying which comment) and then the first comment
    on its own: every other comment is posted, and the review's body lists the refused one."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    refusal = {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]}
    github.fail("POST", REVIEWS, 422, json=refusal)
    github.fail("POST", f"/repos/{REPO}/pulls/7/comments", 422, json=refusal)
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"done": 1}
    comments = github.review_comments(REPO, 7)
    tried = github.calls("POST", f"/repos/{REPO}/pulls/7/comments")
    assert len(tried) >= 2 and len(comments) == len(tried) - 1
    refused = tried[0].json
    assert (refused["path"], refused["line"]) not in {(c["path"], c["line"]) for c in comments}
    summary = next(r for r in github.reviews_of(REPO, 7) if r["body"])
    assert "would not place on their lines" in summary["body"]
    assert f"`{refused['path']}`:{refused['line']}" in summary["body"]
    (run,) = github.check_runs
    assert run["conclusion"] == "failure"
