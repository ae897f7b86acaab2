"""A background task that dies is logged with why, restarted with growing delays, and reported."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable

import pytest

from bot.supervisor import Supervised


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def test_a_task_that_raises_is_logged_and_restarted_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def flaky() -> None:
        starts.append(loop.time())
        if len(starts) <= 4:
            raise ValueError(f"failure {len(starts)}")
        await asyncio.Event().wait()  # the fifth run keeps running

    task = Supervised("flaky task", flaky, first_delay=0.02, max_delay=0.08)
    assert task.problem == "flaky task has not started"
    task.start()
    await wait_until(lambda: len(starts) == 5)
    await asyncio.sleep(0.01)
    assert task.problem is None
    await task.stop()
    assert task.problem == "flaky task was stopped"

    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    for gap, delay in zip(gaps, [0.02, 0.04, 0.08, 0.08], strict=True):
        assert gap >= delay * 0.9, (gaps, delay)  # doubling, capped at max_delay
    errors = [r for r in caplog.records if r.name == "bot.supervisor"]
    assert [r.getMessage() for r in errors] == [
        "flaky task is not running (ValueError: failure 1); restarting in 0.02 s",
        "flaky task is not running (ValueError: failure 2); restarting in 0.04 s",
        "flaky task is not running (ValueError: failure 3); restarting in 0.08 s",
        "flaky task is not running (ValueError: failure 4); restarting in 0.08 s",
    ]
    assert all(r.levelno == logging.ERROR and r.exc_info for r in errors)


async def test_the_problem_is_reported_while_the_task_waits_to_restart() -> None:
    runs = 0

    async def dies_at_once() -> None:
        nonlocal runs
        runs += 1
        raise OSError("disk on fire")

    task = Supervised("sweep", dies_at_once, first_delay=30, max_delay=60)
    task.start()
    await wait_until(lambda: task.problem is not None and "disk on fire" in task.problem)
    assert task.problem == "sweep is not running (OSError: disk on fire); restarting in 30 s"
    assert runs == 1
    await task.stop()


async def test_a_task_that_returns_is_restarted_too() -> None:
    runs = 0

    async def returns() -> None:
        nonlocal runs
        runs += 1

    task = Supervised("loop", returns, first_delay=0.01, max_delay=0.01)
    task.start()
    await wait_until(lambda: runs >= 3)
    await task.stop()


async def test_a_run_as_long_as_the_longest_delay_resets_the_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0

    async def healthy_then_fails() -> None:
        nonlocal runs
        runs += 1
        if runs == 3:
            await asyncio.sleep(0.1)  # a healthy run, longer than max_delay
        raise RuntimeError("again")

    task = Supervised("t", healthy_then_fails, first_delay=0.01, max_delay=0.05)
    task.start()
    await wait_until(lambda: runs >= 4)
    await task.stop()
    delays = [r.getMessage().rsplit(" in ", 1)[1] for r in caplog.records][:3]
    assert delays == ["0.01 s", "0.02 s", "0.01 s"]
