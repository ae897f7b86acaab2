"""Real `readiness serve` processes: killed mid-review, or stopped with SIGTERM, lose nothing."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import REPO, SECRET, open_pull
from tests.fake_github import FakeGitHub
from tests.gitrepo import make_repo
from tests.payloads import signed
from tests.test_review_loop import BASE, HEAD


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def start(env: dict[str, str]) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", env=env, stderr=asyncio.subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{env['READINESS_PORT']}/healthz"
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


async def held_at_the_review(
    env: dict[str, str], github: FakeGitHub, data: dict[str, object]
) -> asyncio.subprocess.Process:
    """Start a server and deliver `data`; return once its review is held by GitHub at posting
    (the review POST answers only after 60 s), so the caller can kill it mid-review."""
    github.fail("POST", f"/repos/{REPO}/pulls/7/reviews", 503, delay=60)
    process = await start(env)
    await post_delivery(env, data)
    await wait_for(lambda: bool(github.calls("POST", f"/repos/{REPO}/pulls/7/reviews")), 60, "job")
    return process


async def post_delivery(env: dict[str, str], data: dict[str, object]) -> None:
    body = json.dumps(data).encode()
    async with aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{env['READINESS_PORT']}/webhook"
        async with session.post(url, data=body, headers=signed(body, SECRET, "pull_request")) as r:
            assert r.status == 202


async def test_killed_mid_review_then_restarted_completes_exactly_once(
    server_env: dict[str, str], github: FakeGitHub, tmp_path: Path
) -> None:
    """The first process dies after creating its check run; the next one takes that run over."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    first = await held_at_the_review(server_env, github, data)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert [run["status"] for run in github.check_runs] == ["in_progress"]

    second = await start(server_env)
    try:
        await wait_for(
            lambda: any(run["status"] == "completed" for run in github.check_runs), 60, "review"
        )
        await asyncio.sleep(1.0)  # room for a duplicate to show up, if there were one
        (run,) = github.check_runs
        assert run["conclusion"] == "failure"
        assert len(github.reviews_of(REPO, 7)) == 1
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0


async def test_sigterm_requeues_the_running_job_and_exits_zero(
    server_env: dict[str, str], github: FakeGitHub, tmp_path: Path
) -> None:
    """A deploy stops the process mid-review: it exits 0 and the next process finishes the job."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail("GET", f"/repos/{REPO}/pulls/7", 503, delay=60)
    first = await start({**server_env, "READINESS_SHUTDOWN_TIMEOUT": "1"})
    await post_delivery(server_env, data)
    await wait_for(lambda: bool(github.calls("GET", f"/repos/{REPO}/pulls/7")), 30, "the job")
    first.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(first.wait(), 30) == 0

    second = await start(server_env)
    try:
        await wait_for(lambda: [r["status"] for r in github.check_runs] == ["completed"], 60, "run")
        assert len(github.reviews_of(REPO, 7)) == 1
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0


async def test_killed_after_the_first_annotation_batch_repeats_no_annotation(
    server_env: dict[str, str], github: FakeGitHub, tmp_path: Path
) -> None:
    """120 findings go out in three batches; the process dies after the first. GitHub cannot take
    annotations back, so the next process closes that run and gives a new one each annotation
    once (not 170)."""
    keys = "".join(f'KEY_{n} = "sk_live_{n:04d}Zq81LmVb3KxRt0PaWy7cT3Bl"\n' for n in range(120))
    data = open_pull(github, tmp_path / "repo", BASE, {**HEAD, "shop/keys.py": keys})
    patches = 0

    async def hold_the_second_batch(_: Any) -> None:
        nonlocal patches
        patches += 1
        if patches == 2:  # held from here on: the first batch went through
            github.fail("PATCH", f"/repos/{REPO}/check-runs/*", 503, delay=60)

    github.before("PATCH", f"/repos/{REPO}/check-runs/*", hold_the_second_batch)
    first = await start(server_env)
    await post_delivery(server_env, data)
    await wait_for(lambda: patches >= 2, 60, "the second annotation batch")
    first.send_signal(signal.SIGKILL)
    await first.wait()
    github.before("PATCH", f"/repos/{REPO}/check-runs/*", None)
    (interrupted,) = github.check_runs
    assert interrupted["output"]["annotations_count"] == 50

    second = await start(server_env)
    try:
        await wait_for(
            lambda: [r["status"] for r in github.check_runs] == ["completed", "completed"],
            60,
            "both runs completed",
        )
        old, new = sorted(github.check_runs, key=lambda r: r["id"])
        assert old["conclusion"] == "cancelled" and new["conclusion"] == "failure"
        places = [(a["path"], a["start_line"]) for a in new["output"]["annotations"]]
        assert len(places) == len(set(places)) >= 120
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0


async def test_killed_then_pushed_before_the_restart_leaves_no_run_in_progress(
    server_env: dict[str, str], github: FakeGitHub, tmp_path: Path
) -> None:
    """The process dies mid-review of head A; the PR is pushed to B before it restarts. The run
    on A is closed as superseded and B gets its own review; no run stays in progress."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    old = data["pull_request"]["head"]["sha"]
    first = await held_at_the_review(server_env, github, data)
    first.send_signal(signal.SIGKILL)
    await first.wait()

    newer = make_repo(tmp_path / "repo2", BASE, {**HEAD, "README.md": "# Shop\n"})
    github.update_pull(
        REPO, 7, head_sha=newer.head, diff=newer.diff, files_at_head=newer.files(newer.head)
    )
    data["action"] = "synchronize"
    data["pull_request"]["head"]["sha"] = newer.head
    second = await start(server_env)
    try:
        await post_delivery(server_env, data)
        await wait_for(
            lambda: sorted(r["status"] for r in github.check_runs) == ["completed"] * 2,
            60,
            "both runs completed",
        )
        by_head = {run["head_sha"]: run for run in github.check_runs}
        assert by_head[old]["conclusion"] == "cancelled"
        assert by_head[newer.head]["conclusion"] == "failure"
        assert [r["commit_id"] for r in github.reviews_of(REPO, 7)] == [newer.head]
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0
