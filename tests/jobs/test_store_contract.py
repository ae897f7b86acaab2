"""Both job stores keep the JobStore contract; the Redis store keeps it across replicas too.

Redis tests run against a real server at READINESS_TEST_REDIS_URL (default db 15 on localhost),
each under a key prefix of its own that is deleted afterwards. With no server they fail when
CI is set and are skipped otherwise.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.jobs.model import CommandJob, Job, ReviewJob, ReviewThread
from bot.jobs.redis_store import RedisStore
from bot.jobs.sqlite_store import SqliteStore
from bot.jobs.store import Claimed, FailedJob, JobStore
from tests.redis_server import redis_url

ROOT = Path(__file__).parents[2]
KINDS = ["sqlite", "redis"]
Replicas = Callable[..., Awaitable[RedisStore]]


def review(number: int, head: str, delivery: str = "d1") -> ReviewJob:
    return ReviewJob(7, "acme/shop", number, head, "pull_request.opened", delivery)


def command(number: int, delivery: str, comment: int | None = None) -> CommandJob:
    """A recheck; each delivery is its own comment unless `comment` says otherwise."""
    comment_id = zlib.crc32(delivery.encode()) if comment is None else comment
    return CommandJob(7, "acme/shop", number, comment_id, "mona", "recheck", delivery)


@asynccontextmanager
async def redis_replicas() -> AsyncIterator[tuple[str, Replicas]]:
    """Yield (prefix, factory) for RedisStores sharing a fresh prefix; close them, drop the keys."""
    url = redis_url()
    prefix = f"readiness-test:{uuid.uuid4().hex}:"
    opened: list[RedisStore] = []

    async def replica(**options: float) -> RedisStore:
        store = await RedisStore.connect(url, prefix=prefix, consumer=f"r{len(opened)}", **options)
        opened.append(store)
        return store

    try:
        yield prefix, replica
    finally:
        for store in opened:
            await store.close()
        cleaner = aioredis.Redis.from_url(url)
        keys = [key async for key in cleaner.scan_iter(match=prefix + "*")]
        if keys:
            await cleaner.delete(*keys)
        await cleaner.aclose()


@asynccontextmanager
async def open_store(kind: str) -> AsyncIterator[JobStore]:
    if kind == "redis":
        async with redis_replicas() as (_, replica):
            yield await replica()
        return
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "db.sqlite3")
        try:
            yield store
        finally:
            await store.close()


@pytest.fixture(params=KINDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[JobStore]:
    async with open_store(request.param) as opened:
        yield opened


@pytest.fixture
async def replicas() -> AsyncIterator[Replicas]:
    async with redis_replicas() as (_, replica):
        yield replica


async def claim(store: JobStore) -> Claimed:
    claimed = await store.claim()
    assert claimed is not None
    return claimed


# The contract, for every store.


async def test_a_delivery_is_accepted_once(store: JobStore) -> None:
    assert not await store.seen("d1")
    assert await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    assert await store.seen("d1") and not await store.seen("d2")
    assert await store.queued() == 1
    assert not await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    assert await store.counts() == {"queued": 1}


async def test_a_refused_delivery_is_remembered_apart_from_accepted_ones(store: JobStore) -> None:
    """The redelivery sweep skips a delivery answered 400; it was never accepted, nothing runs."""
    assert not await store.refused("d1")
    await store.refuse("d1", "issue_comment", "comment.user: Input should be a valid dictionary")
    assert await store.refused("d1") and not await store.refused("d2")
    assert not await store.seen("d1")
    assert await store.counts() == {}


async def test_a_delivery_without_jobs_is_still_remembered(store: JobStore) -> None:
    assert await store.accept("d1", "ping", [])
    assert not await store.accept("d1", "ping", [])
    assert await store.counts() == {}
    assert await store.next_due_in() is None


async def test_queued_reviews_of_one_pr_coalesce_to_the_newest_head(store: JobStore) -> None:
    await store.accept("d1", "pull_request", [review(1, "a" * 40, "d1")])
    await store.accept("d2", "pull_request", [review(1, "b" * 40, "d2")])
    await store.accept("d3", "pull_request", [review(2, "c" * 40, "d3")])
    first, second = await claim(store), await claim(store)
    assert (first.job, second.job) == (review(1, "b" * 40, "d2"), review(2, "c" * 40, "d3"))
    assert await store.claim() is None


async def test_commands_and_running_reviews_do_not_coalesce(store: JobStore) -> None:
    """Only a review still waiting takes a newer head; commands each run."""
    await store.accept("d1", "pull_request", [review(1, "a" * 40, "d1")])
    running = await claim(store)
    await store.accept("d2", "pull_request", [review(1, "b" * 40, "d2")])
    await store.accept("d3", "issue_comment", [command(1, "d3")])
    await store.accept("d4", "issue_comment", [command(1, "d4")])
    assert await store.counts() == {"queued": 3, "running": 1}
    await store.finish(running.id)
    order = []
    for _ in range(3):
        claimed = await claim(store)
        order.append(claimed.job)
        await store.finish(claimed.id)
    assert order == [review(1, "b" * 40, "d2"), command(1, "d3"), command(1, "d4")]
    assert await store.counts() == {"done": 4}


async def test_a_command_is_queued_once_per_comment(store: JobStore) -> None:
    """The same comment under new delivery ids (GitHub's redeliver, the sweep) queues nothing
    more, whether its job still waits, runs or is done."""
    assert await store.accept("d1", "issue_comment", [command(1, "d1", comment=555)])
    assert await store.accept("d2", "issue_comment", [command(1, "d2", comment=555)])
    first = await claim(store)
    assert await store.accept("d3", "issue_comment", [command(1, "d3", comment=555)])
    await store.finish(first.id)
    assert await store.accept("d4", "issue_comment", [command(1, "d4", comment=555)])
    assert await store.accept("d5", "issue_comment", [command(1, "d5", comment=556)])
    assert first.job == command(1, "d1", comment=555)
    assert (await claim(store)).job == command(1, "d5", comment=556)
    assert await store.claim() is None


async def test_a_commands_answer_is_kept_for_its_retry(store: JobStore) -> None:
    assert await store.answered(555) is None
    await store.accept("d1", "issue_comment", [command(1, "d1", comment=555)])
    assert await store.answered(555) is None  # queued, not answered yet
    await store.answer(555, "+1")
    assert await store.answered(555) == "+1"
    assert await store.answered(556) is None
    assert not await store.accept("d1", "issue_comment", [command(1, "d1", comment=555)])


async def test_a_review_comment_and_a_conversation_comment_sharing_an_id_are_both_queued(
    store: JobStore,
) -> None:
    """GitHub numbers review comments apart from conversation comments: the same id in both is
    two commands, and the review comment's thread comes back with its job."""
    thread = ReviewThread("PRRC_kwDO", 555, "shop/config.py", "c" * 40)
    in_thread = replace(command(1, "d2", comment=555), thread=thread)
    assert await store.accept("d1", "issue_comment", [command(1, "d1", comment=555)])
    assert await store.accept("d2", "pull_request_review_comment", [in_thread])
    assert await store.accept(
        "d3", "pull_request_review_comment", [replace(in_thread, delivery_id="d3")]
    )
    first = await claim(store)
    await store.finish(first.id)
    assert (await claim(store)).job == in_thread
    assert await store.claim() is None


async def test_one_pr_never_runs_two_jobs_at_once(store: JobStore) -> None:
    recheck = command(1, "d2")
    await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    running = await claim(store)
    await store.accept("d2", "issue_comment", [recheck])
    assert await store.claim() is None  # PR 1 is busy
    await store.finish(running.id)
    waiting = await claim(store)
    assert waiting.job == recheck


async def test_a_retried_job_waits_for_its_delay(store: JobStore) -> None:
    await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    claimed = await claim(store)
    await store.retry(claimed.id, 3600, "GitHub answered 502")
    assert await store.claim() is None
    due = await store.next_due_in()
    assert due is not None and 3500 < due <= 3600
    await store.fail(claimed.id, "gone")
    assert await store.counts() == {"failed": 1}
    assert await store.failed() == [FailedJob(claimed.id, "acme/shop#1", "review", 1, "gone")]


async def test_attempts_count_every_claim(store: JobStore) -> None:
    await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    for attempt in (1, 2, 3):
        claimed = await claim(store)
        assert claimed.attempts == attempt
        await store.retry(claimed.id, 0, "GitHub answered 502")
    assert await store.counts() == {"queued": 1}


async def test_attempts_that_waited_for_a_service_are_not_counted(store: JobStore) -> None:
    """An attempt that ended waiting for GitHub does not count against the job's limit; one
    that ended any other way (a crash, a bug) does."""
    await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    first = await claim(store)
    await store.retry(first.id, 0, "GitHub answered 502", waited=True)
    second = await claim(store)
    await store.retry(second.id, 0, "KeyError: 'head'")
    third = await claim(store)
    assert [(c.attempts, c.uncounted, c.counted) for c in (first, second, third)] == [
        (1, 0, 1),
        (2, 1, 1),
        (3, 1, 2),
    ]


async def test_a_newer_head_replacing_a_waiting_review_is_due_now_with_a_fresh_limit(
    store: JobStore,
) -> None:
    """The review of an older head waits for GitHub (a long delay, attempts spent): a push
    replaces it, and the newest head is reviewed at once, its limit and clock started anew."""
    await store.accept("d1", "pull_request", [review(1, "a" * 40, "d1")])
    for _ in range(3):
        crashed = await claim(store)
        await store.retry(crashed.id, 0, "KeyError: 'head'")
    waiting = await claim(store)
    await store.retry(waiting.id, 3600, "GitHub answered 502", waited=True)
    await asyncio.sleep(0.05)
    pushed = time.time()
    await store.accept("d2", "pull_request", [review(1, "b" * 40, "d2")])
    again = await claim(store)
    assert isinstance(again.job, ReviewJob)
    assert (again.job.head_sha, again.counted) == ("b" * 40, 1)
    assert again.since > pushed - 0.01  # Redis keeps milliseconds
    assert waiting.since < pushed - 0.01


async def test_a_waiting_retry_of_a_review_takes_the_newest_head(store: JobStore) -> None:
    await store.accept("d1", "pull_request", [review(1, "a" * 40, "d1")])
    claimed = await claim(store)
    await store.retry(claimed.id, 0, "GitHub answered 502")
    await store.accept("d2", "pull_request", [review(1, "b" * 40, "d2")])
    again = await claim(store)
    newest = replace(review(1, "b" * 40, "d2"), superseded=("a" * 40,))
    assert (again.id, again.job, again.attempts) == (claimed.id, newest, 2)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    deliveries=st.lists(
        st.tuples(st.integers(0, 9), st.integers(1, 3), st.booleans(), st.text("abc", max_size=3)),
        max_size=20,
    )
)
@pytest.mark.parametrize("kind", KINDS)
async def test_draining_yields_each_delivery_once_in_order_newest_head_per_pr(
    kind: str, deliveries: list[tuple[int, int, bool, str]]
) -> None:
    """Any run of (repeated) deliveries drains as: first-come order, one waiting review per PR."""
    expected: list[Job] = []
    seen: set[str] = set()
    async with open_store(kind) as store:
        for n, pr, is_review, head in deliveries:
            delivery = f"d{n}"
            job: Job = review(pr, head, delivery) if is_review else command(pr, delivery)
            assert await store.accept(delivery, "event", [job]) == (delivery not in seen)
            if delivery in seen:
                continue
            seen.add(delivery)
            same = [i for i, queued in enumerate(expected) if queued.key == job.key]
            if is_review and any(isinstance(expected[i], ReviewJob) for i in same):
                expected[next(i for i in same if isinstance(expected[i], ReviewJob))] = job
            else:
                expected.append(job)
        drained = []
        while (claimed := await store.claim()) is not None:
            drained.append(claimed.job)
            await store.finish(claimed.id)
    assert drained == expected


# Redis across replicas.


async def test_replicas_share_which_comments_were_queued_and_answered(
    replicas: Replicas,
) -> None:
    first, second = await replicas(), await replicas()
    assert await first.accept("d1", "issue_comment", [command(1, "d1", comment=555)])
    assert await second.accept("d2", "issue_comment", [command(1, "d2", comment=555)])
    assert await second.counts() == {"queued": 1}
    await first.answer(555, "confused")
    assert await second.answered(555) == "confused"


async def test_two_replicas_never_share_a_job_or_run_two_jobs_of_one_pr(
    replicas: Replicas,
) -> None:
    first, second = await replicas(), await replicas()
    for n in range(60):
        job = review(n % 4, f"h{n}", f"d{n}") if n % 3 else command(n % 4, f"d{n}")
        await (first if n % 2 else second).accept(f"d{n}", "event", [job])
    running: dict[str, str] = {}
    claimed_ids: list[str] = []

    async def work(store: RedisStore) -> None:
        while True:
            claimed = await store.claim()
            if claimed is None:
                counts = await store.counts()
                if not counts.get("queued") and not counts.get("running"):
                    return
                await asyncio.sleep(0.001)
                continue
            assert claimed.job.key not in running, "two jobs of one PR ran at once"
            running[claimed.job.key] = claimed.id
            claimed_ids.append(claimed.id)
            await asyncio.sleep(random.uniform(0, 0.003))
            del running[claimed.job.key]
            await store.finish(claimed.id)

    await asyncio.gather(*(work(store) for store in (first, second) for _ in range(4)))
    assert len(claimed_ids) == len(set(claimed_ids))
    assert await first.counts() == {"done": len(claimed_ids)}


async def test_two_replicas_process_200_deliveries_once_with_the_newest_heads(
    replicas: Replicas,
) -> None:
    """Redelivered webhooks are dropped, commands all run, each PR's last review is its newest."""
    first, second = await replicas(), await replicas()
    commands: set[str] = set()
    newest: dict[str, str] = {}
    claims: list[Claimed] = []
    running: set[str] = set()
    produced = asyncio.Event()

    async def deliver(n: int) -> None:
        original = n - 1 if n % 10 == 9 else n  # every tenth delivery repeats the one before
        pr = original % 7
        job = (
            review(pr, f"h{original}", f"d{original}")
            if original % 5
            else command(pr, f"d{original}")
        )
        accepted = await (first if n % 2 else second).accept(f"d{original}", "event", [job])
        assert accepted == (original == n)
        if accepted and isinstance(job, ReviewJob):
            newest[job.key] = f"h{original}"
        elif accepted:
            commands.add(job.delivery_id)

    async def produce() -> None:
        for n in range(100, 200):
            await deliver(n)
            await asyncio.sleep(0)
        produced.set()

    async def work(store: RedisStore) -> None:
        while True:
            claimed = await store.claim()
            if claimed is None:
                if produced.is_set() and not (await store.counts()).get("queued"):
                    return
                await asyncio.sleep(0.001)
                continue
            assert claimed.job.key not in running, "two jobs of one PR ran at once"
            running.add(claimed.job.key)
            claims.append(claimed)
            await asyncio.sleep(random.uniform(0, 0.002))
            running.discard(claimed.job.key)
            await store.finish(claimed.id)

    for n in range(100):  # a backlog, so that reviews waiting for one PR coalesce
        await deliver(n)
    await asyncio.gather(produce(), *(work(store) for store in (first, second) for _ in range(3)))

    assert [c.attempts for c in claims] == [1] * len(claims)
    assert len({c.id for c in claims}) == len({c.job.delivery_id for c in claims}) == len(claims)
    assert {c.job.delivery_id for c in claims if isinstance(c.job, CommandJob)} == commands
    reviews = [c.job for c in claims if isinstance(c.job, ReviewJob)]
    assert len(reviews) < 200 - 20 - len(commands)  # the backlog coalesced
    assert {job.key: job.head_sha for job in reviews} == newest  # the last one claimed per PR
    assert await second.counts() == {"done": len(claims)}


async def _replica_process(prefix: str, mode: str) -> tuple[asyncio.subprocess.Process, str]:
    """Start a replica in a process of its own that claims a job with a 0.3 s lease, then
    crashes (`crash`) or stalls for a second before finishing (`stall`); return its job id."""
    script = f"""
import asyncio, os, time
from bot.jobs.redis_store import RedisStore

async def main():
    store = await RedisStore.connect({redis_url()!r}, prefix={prefix!r}, lease_s=0.3)
    claimed = await store.claim()
    print(claimed.id, flush=True)
    if {mode!r} == "crash":
        os._exit(0)
    time.sleep(1.0)  # stop the world: no lease renewal
    await store.finish(claimed.id)
    await store.close()

asyncio.run(main())
"""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 10)
    return proc, line.decode().strip()


async def wait_for_claim(store: RedisStore, timeout: float = 5.0) -> Claimed:
    deadline = time.monotonic() + timeout
    while (claimed := await store.claim()) is None:
        assert time.monotonic() < deadline, "the job was never handed out again"
        await asyncio.sleep(0.02)
    return claimed


async def test_a_crashed_replicas_job_is_handed_out_again_after_its_lease() -> None:
    async with redis_replicas() as (prefix, replica):
        survivor = await replica()
        await survivor.accept("d1", "pull_request", [review(1, "a" * 40)])
        crashed, job_id = await _replica_process(prefix, "crash")
        assert await crashed.wait() == 0
        assert await survivor.claim() is None  # the lease has not run out yet
        started = time.monotonic()
        again = await wait_for_claim(survivor)
        assert (again.id, again.attempts) == (job_id, 2)
        assert time.monotonic() - started < 3.0  # the 0.3 s lease, not the default 300 s


async def test_a_stalled_replica_cannot_finish_a_job_taken_over_by_another() -> None:
    async with redis_replicas() as (prefix, replica):
        survivor = await replica()
        await survivor.accept("d1", "pull_request", [review(1, "a" * 40)])
        stalled, job_id = await _replica_process(prefix, "stall")
        taken = await wait_for_claim(survivor)
        assert (taken.id, taken.attempts) == (job_id, 2)
        assert await stalled.wait() == 0
        assert await survivor.counts() == {"running": 1}  # its late `finish` was ignored
        await survivor.accept("d2", "issue_comment", [command(1, "d2")])
        assert await survivor.claim() is None  # and PR 1 is still locked
        await survivor.finish(taken.id)
        assert await survivor.counts() == {"done": 1, "queued": 1}


async def test_a_live_replica_keeps_its_job_past_the_lease(replicas: Replicas) -> None:
    """The lease bounds silence, not work: a slow job on a live replica is not run twice."""
    busy, idle = await replicas(lease_s=0.4), await replicas(lease_s=0.4)
    await busy.accept("d1", "pull_request", [review(1, "a" * 40)])
    claimed = await claim(busy)
    await asyncio.sleep(1.0)
    assert await idle.claim() is None
    await busy.finish(claimed.id)
    assert await idle.counts() == {"done": 1}


async def test_a_replica_that_shuts_down_hands_its_jobs_back_at_once(replicas: Replicas) -> None:
    leaving, staying = await replicas(), await replicas()
    await leaving.accept("d1", "pull_request", [review(1, "a" * 40)])
    cut_short = await claim(leaving)
    await leaving.close()
    again = await claim(staying)
    assert (again.id, again.attempts) == (cut_short.id, 2)


async def test_next_due_waits_for_a_pr_busy_on_another_replica(replicas: Replicas) -> None:
    """An idle replica polls rather than spins while the only queued job's PR runs elsewhere."""
    busy, idle = await replicas(lease_s=60), await replicas()
    await busy.accept("d1", "pull_request", [review(1, "a" * 40)])
    await claim(busy)
    await busy.accept("d2", "issue_comment", [command(1, "d2")])
    due = await idle.next_due_in()
    assert due is not None and 50 < due <= 60


async def test_a_started_review_replaced_by_a_newer_head_hands_its_head_on(
    store: JobStore,
) -> None:
    """A review that had started (it may have a run in progress on its head) and waits to run
    again is replaced by newer pushes: the job that runs names the old heads to close. (Heads
    that replaced it before it ran again are named too: the store cannot tell them apart, and
    a head without a run costs one look.)"""
    await store.accept("d1", "pull_request", [review(1, "a" * 40, "d1")])
    claimed = await claim(store)
    await store.retry(claimed.id, 0, "GitHub answered 502")
    await store.accept("d2", "pull_request", [review(1, "b" * 40, "d2")])
    await store.accept("d3", "pull_request", [review(1, "c" * 40, "d3")])
    again = await claim(store)
    assert isinstance(again.job, ReviewJob)
    assert (again.job.head_sha, again.job.superseded) == ("c" * 40, ("a" * 40, "b" * 40))
    await store.retry(again.id, 0, "GitHub answered 502")
    await store.accept("d4", "pull_request", [review(1, "d" * 40, "d4")])
    last = await claim(store)
    assert isinstance(last.job, ReviewJob)
    assert last.job.superseded == ("a" * 40, "b" * 40, "c" * 40)
