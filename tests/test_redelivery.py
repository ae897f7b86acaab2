"""Missed deliveries: what GitHub failed to deliver and the store never accepted is redelivered."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import SECRET, BotFactory, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.test_review_loop import BASE, HEAD


async def test_failed_deliveries_are_redelivered_once_and_reviewed(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path
) -> None:
    bot = await start_bot(redeliver_interval=0.2)
    github.hooks.target = (str(bot.make_url("/webhook")), SECRET)
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    other = open_pull(github, tmp_path / "repo8", BASE, {**HEAD, "NOTES.md": "n\n"}, number=8)
    # The log is newest first, as GitHub keeps it; this delivery reached the store already.
    assert (await deliver(bot, "pull_request", other, "guid-accepted")).status == 202
    github.hooks.record("guid-too-old", "pull_request", other, 502, age=timedelta(days=2))
    github.hooks.record("guid-accepted", "pull_request", other, 504)
    github.hooks.record("guid-recovered", "pull_request", other, 502)
    github.hooks.record("guid-recovered", "pull_request", other, 202)
    github.hooks.record("guid-missed", "pull_request", data, 502)
    retried = github.hooks.record("guid-missed", "pull_request", data, 0)  # failed again

    deadline = time.monotonic() + 30
    while not any(
        run["head_sha"] == data["pull_request"]["head"]["sha"] for run in github.check_runs
    ):
        assert time.monotonic() < deadline, "the missed delivery was not redelivered"
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.6)  # a few more sweeps: nothing more is redelivered
    await settle(bot)

    attempts = github.calls("POST", "/app/hook/deliveries/*/attempts")
    assert [call.path for call in attempts] == [f"/app/hook/deliveries/{retried['id']}/attempts"]
    assert github.hooks.deliveries[0]["guid"] == "guid-missed"
    assert github.hooks.deliveries[0]["status_code"] == 202
    assert all(call.headers["authorization"].lower().startswith("bearer ") for call in attempts)


async def test_a_sweep_that_dies_is_logged_restarted_and_reported_by_readyz(
    start_bot: BotFactory,
    github: FakeGitHub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An answer the sweep does not expect (a log entry without `delivered_at`) kills it: /readyz
    says so, and once the answer is sane again the restarted sweep redelivers what was missed.
    (A store outage does not kill it: tests/test_store_faults.py.)"""
    bot = await start_bot(redeliver_interval=0.2)
    github.hooks.target = (str(bot.make_url("/webhook")), SECRET)
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.hooks.record("guid-missed", "pull_request", data, 502)
    github.hooks.deliveries.insert(0, {"id": 1, "guid": "guid-odd", "status_code": 502})

    deadline = time.monotonic() + 30
    while (ready := await bot.get("/readyz")).status == 200:
        assert time.monotonic() < deadline, "/readyz never said the sweep was down"
        await asyncio.sleep(0.02)
    assert ready.status == 503
    error = (await ready.json())["error"]
    assert error.startswith(
        "redelivery sweep is not running (KeyError: 'delivered_at'); restarting in 0.2 s"
    )
    died = [r for r in caplog.records if r.name == "bot.supervisor"]
    assert died and died[0].levelno == logging.ERROR and died[0].exc_info is not None

    del github.hooks.deliveries[0]
    head = data["pull_request"]["head"]["sha"]
    while not any(run["head_sha"] == head for run in github.check_runs):
        assert time.monotonic() < deadline + 30, "the restarted sweep did not redeliver"
        await asyncio.sleep(0.05)
    await settle(bot)
    assert (await bot.get("/readyz")).status == 200
