"""Kill -9 at many points of a review, restart, and check the PR shows every effect once.

Each trial runs a real `readiness serve`, kills it at a different moment of one review (GitHub
answers each request after 40 ms, so the review spans about a second: reading, the run, three
annotation batches, the review), restarts it and waits. Whatever the moment, the head ends with
exactly one live completed run holding each annotation once (a run cut off after sending
annotations is closed as cancelled), one review with each comment once, and nothing in progress.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.conftest import REPO, free_port, open_pull
from tests.fake_github import FakeGitHub
from tests.redis_server import redis_url
from tests.test_restart import held_at_the_review, post_delivery, start, wait_for
from tests.test_review_loop import BASE, HEAD

KEYS = "".join(f'KEY_{n} = "sk_live_{n:04d}Zq81LmVb3KxRt0PaWy7cT3Bl"\n' for n in range(120))
KILL_AFTER_S = [0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.1]


@pytest.mark.parametrize("kill_after", KILL_AFTER_S)
async def test_kill_9_anywhere_in_a_review_shows_each_effect_once(
    server_env: dict[str, str], github: FakeGitHub, tmp_path: Path, kill_after: float
) -> None:
    github.latency = 0.04
    data = open_pull(github, tmp_path / "repo", BASE, {**HEAD, "shop/keys.py": KEYS})
    first = await start(server_env)
    await post_delivery(server_env, data)
    await asyncio.sleep(kill_after)
    first.send_signal(signal.SIGKILL)
    await first.wait()

    second = await start(server_env)
    try:
        await wait_for(
            lambda: (
                bool(github.check_runs)
                and all(r["status"] == "completed" for r in github.check_runs)
                and bool(github.reviews_of(REPO, 7))
            ),
            90,
            "the review to finish",
        )
        await asyncio.sleep(0.5)  # room for a duplicate to show up, if there were one
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0
    live = [r for r in github.check_runs if r["conclusion"] != "cancelled"]
    (run,) = live
    assert run["conclusion"] == "failure"
    places = [(a["path"], a["start_line"], a["title"]) for a in run["output"]["annotations"]]
    assert len(places) == len(set(places)) >= 120
    (review,) = github.reviews_of(REPO, 7)
    bodies = [c["body"] for c in github.review_comments(REPO, 7)]
    assert len(bodies) == len(set(bodies))
    assert all(c["pull_request_review_id"] == review["id"] for c in github.review_comments(REPO, 7))


async def test_a_replica_killed_mid_review_is_taken_over_by_the_other(
    server_env: dict[str, str], github: FakeGitHub, tmp_path: Path
) -> None:
    """Two replicas on one Redis; the one reviewing is killed with its review held by GitHub.
    The other takes the job over when the lease runs out and finishes it, once."""
    prefix = f"readiness-test:{uuid.uuid4().hex}:"
    shared = {"READINESS_REDIS_URL": redis_url(), "READINESS_REDIS_PREFIX": prefix}
    shared["READINESS_REDIS_LEASE"] = "2"
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    first = await held_at_the_review({**server_env, **shared}, github, data)
    other = {**server_env, **shared, "READINESS_PORT": str(free_port())}
    other["READINESS_DATA_DIR"] = str(tmp_path / "other")
    second = await start(other)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    try:
        await wait_for(
            lambda: [r["status"] for r in github.check_runs] == ["completed"], 60, "takeover"
        )
        await asyncio.sleep(0.5)
        (run,) = github.check_runs
        assert run["conclusion"] == "failure"
        assert len(github.reviews_of(REPO, 7)) == 1
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0
        cleaner = aioredis.Redis.from_url(redis_url())
        keys = [key async for key in cleaner.scan_iter(match=prefix + "*")]
        if keys:
            await cleaner.delete(*keys)
        await cleaner.aclose()
