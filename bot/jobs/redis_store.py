"""The scale-out job store on Redis: several `readiness serve` replicas share one queue.

Same contract as SqliteStore. Every state change is one Lua script, so it is atomic across
replicas: a delivery is marked seen only together with its queued jobs, a claim takes the PR's
lock in the same step that hands the job out, and no two replicas can claim one job.

Why sorted sets and Lua rather than Streams (or arq): the next job to hand out depends on which
PRs are busy, a queued review must take a newer payload in place, and retries wait for a time.
A stream delivers entries in order and they cannot change, so a consumer would have to hold back
or re-add entries of a busy PR, keep payloads on the side and delay retries in a sorted set anyway;
arq has no per-PR exclusion or coalescing and would replace our workers. The lease below gives
what `XAUTOCLAIM` would: a job whose claimer fell silent for `lease_s` is handed out again.

Keys under the prefix: `delivery:<id>` (seen, 7-day expiry), `command:<comment id>` (queued
once; how it was answered, 7-day expiry), `seq`, `job:<id>` (hash),
`queued` (zset by due time), `running` (zset by lease deadline), `done` and `failed` (zsets by
time, 7-day retention), `reviews` (PR key -> its queued review, for coalescing), `lock:<PR key>`,
`created` (when a server first used the prefix: a reader connects only where it is set),
`refused:<id>` (a delivery answered 400, 7-day expiry).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.jobs.model import Job, comment_of, dumps, kind_of, loads
from bot.jobs.store import CALL_TIMEOUT_S, Claimed, FailedJob, StoreNotFound, StoreUnavailable
from bot.supervisor import Supervised

log = logging.getLogger(__name__)

RETENTION_S = 7 * 24 * 3600
CONNECT_TIMEOUT_S = 5.0  # start-up fails fast on an unreachable Redis instead of hanging
# Connections per process. Each call holds one only for its round trip (well under a ms), so a
# burst of deliveries and 64 workers share them; one more call waits for a free connection, up
# to CALL_TIMEOUT_S, instead of failing at once (redis-py's default pool raises
# MaxConnectionsError when full, which answered a burst with 503s).
POOL_CONNECTIONS = 32
# Redis down, silent past the socket timeout, out of memory, or a replica after a failover.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OutOfMemoryError, ReadOnlyError)
P = ParamSpec("P")
T = TypeVar("T")
STATES = ("queued", "running", "done", "failed")

# Job ids are zero-padded so that jobs due in the same millisecond leave the zset in id order.
_PRELUDE = """
local p = ARGV[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function unlock(key, id)
  if redis.call('GET', p .. 'lock:' .. key) == id then redis.call('DEL', p .. 'lock:' .. key) end
end
local function forget_review(key, id)
  if redis.call('HGET', p .. 'reviews', key) == id then redis.call('HDEL', p .. 'reviews', key) end
end
local function fields(id, ...)
  return unpack(redis.call('HMGET', p .. 'job:' .. id, ...))
end
local function requeue(id, now)
  local job = p .. 'job:' .. id
  local key, kind, due = fields(id, 'key', 'kind', 'not_before')
  redis.call('ZREM', p .. 'running', id)
  unlock(key, id)
  redis.call('HSET', job, 'state', 'queued', 'updated_at', now)
  redis.call('HDEL', job, 'owner')
  redis.call('ZADD', p .. 'queued', due, id)
  if kind == 'review' then redis.call('HSETNX', p .. 'reviews', key, id) end
end
"""

# ARGV: prefix, delivery id, event, retention s, then (kind, PR key, payload, comment id or '')
# per job. A command's comment is marked after its job is queued: Redis does not roll back.
_ACCEPT = """
local seen = p .. 'delivery:' .. ARGV[2]
if redis.call('EXISTS', seen) == 1 then return 0 end
local now = now_ms()
for i = 5, #ARGV, 4 do
  local kind, key, payload, comment = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local once = comment ~= '' and p .. 'command:' .. comment
  if not (once and redis.call('EXISTS', once) == 1) then
    local target = kind == 'review' and redis.call('HGET', p .. 'reviews', key)
    if target and redis.call('HGET', p .. 'job:' .. target, 'state') ~= 'queued' then
      target = false
    end
    if target then
      -- Coalesce to the newest head; hand on heads a started review may have left a run on
      -- (ReviewJob.replacing does the same for SQLite).
      local job = p .. 'job:' .. target
      local old, new = cjson.decode(redis.call('HGET', job, 'payload')), cjson.decode(payload)
      local heads, seen = {}, {}
      local function add(head)
        if type(head) == 'string' and head ~= new.head_sha and not seen[head] then
          seen[head] = true
          heads[#heads + 1] = head
        end
      end
      for _, head in ipairs(type(old.superseded) == 'table' and old.superseded or {}) do
        add(head)
      end
      for _, head in ipairs(type(new.superseded) == 'table' and new.superseded or {}) do
        add(head)
      end
      if tonumber(redis.call('HGET', job, 'attempts')) > 0 then add(old.head_sha) end
      if #heads > 0 then
        new.superseded = heads
        payload = cjson.encode(new)
      end
      -- A new head is a new review: due now (keeping its place in the queue), and its limit
      -- and clock start again (attempts only grow: they fence a claim).
      local due = math.min(tonumber(redis.call('HGET', job, 'not_before')), now)
      redis.call('HSET', job, 'payload', payload, 'uncounted', redis.call('HGET', job, 'attempts'),
        'not_before', due, 'created_at', now, 'updated_at', now)
      redis.call('ZADD', p .. 'queued', due, target)
    else
      local id = string.format('%012d', redis.call('INCR', p .. 'seq'))
      redis.call('HSET', p .. 'job:' .. id, 'kind', kind, 'key', key, 'payload', payload,
        'state', 'queued', 'attempts', 0, 'uncounted', 0, 'not_before', now, 'created_at', now,
        'updated_at', now)
      redis.call('ZADD', p .. 'queued', now, id)
      if kind == 'review' then redis.call('HSET', p .. 'reviews', key, id) end
    end
    if once then redis.call('SET', once, '', 'EX', ARGV[4]) end
  end
end
-- Marked seen last: Redis does not roll back, and a redelivery beats a lost job.
redis.call('SET', seen, ARGV[3], 'EX', ARGV[4])
return 1
"""

# ARGV: prefix, lease ms, owner. Returns {id, kind, payload, attempts, uncounted, created_at ms}
# or nil.
_CLAIM = """
local now = now_ms()
for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'running', '-inf', now)) do
  requeue(id, now)
end
local offset = 0
while true do
  local due = redis.call('ZRANGEBYSCORE', p .. 'queued', '-inf', now, 'LIMIT', offset, 100)
  if #due == 0 then return false end
  for _, id in ipairs(due) do
    local job = p .. 'job:' .. id
    local key = redis.call('HGET', job, 'key')
    if redis.call('EXISTS', p .. 'lock:' .. key) == 0 then
      local deadline = now + tonumber(ARGV[2])
      redis.call('SET', p .. 'lock:' .. key, id, 'PXAT', deadline)
      redis.call('ZREM', p .. 'queued', id)
      redis.call('ZADD', p .. 'running', deadline, id)
      forget_review(key, id)
      local attempts = redis.call('HINCRBY', job, 'attempts', 1)
      redis.call('HSET', job, 'state', 'running', 'owner', ARGV[3], 'updated_at', now)
      local kind, payload, uncounted, created = unpack(
        redis.call('HMGET', job, 'kind', 'payload', 'uncounted', 'created_at'))
      return {id, kind, payload, attempts, uncounted or '0', created}
    end
  end
  offset = offset + #due
end
"""

# ARGV: prefix, id, fence (attempts of our claim or ''), new state, delay ms, error, retention ms,
# '1' when a re-queued attempt ended waiting for a service (it does not count), else ''.
_SETTLE = """
local id = ARGV[2]
local job = p .. 'job:' .. id
local state, attempts, key, kind = fields(id, 'state', 'attempts', 'key', 'kind')
if not state then return 0 end
if state == 'running' and attempts ~= ARGV[3] then return 0 end
local now = now_ms()
for _, set in ipairs({'queued', 'running', 'done', 'failed'}) do
  redis.call('ZREM', p .. set, id)
end
unlock(key, id)
forget_review(key, id)
redis.call('HDEL', job, 'owner')
if ARGV[6] == '' then redis.call('HDEL', job, 'last_error')
else redis.call('HSET', job, 'last_error', ARGV[6]) end
if ARGV[4] == 'queued' then
  local due = now + tonumber(ARGV[5])
  redis.call('HSET', job, 'state', 'queued', 'not_before', due, 'updated_at', now)
  if ARGV[8] == '1' then redis.call('HINCRBY', job, 'uncounted', 1) end
  redis.call('PERSIST', job)
  redis.call('ZADD', p .. 'queued', due, id)
  if kind == 'review' then redis.call('HSETNX', p .. 'reviews', key, id) end
else
  local retention = tonumber(ARGV[7])
  redis.call('HSET', job, 'state', ARGV[4], 'updated_at', now)
  redis.call('PEXPIRE', job, retention)
  redis.call('ZADD', p .. ARGV[4], now, id)
  redis.call('ZREMRANGEBYSCORE', p .. ARGV[4], '-inf', now - retention)
end
return 1
"""

# ARGV: prefix, lease ms, then (id, fence) per job we hold. Returns the ids we no longer hold.
_RENEW = """
local now = now_ms()
local lost = {}
for i = 3, #ARGV, 2 do
  local id = ARGV[i]
  local state, attempts, key = fields(id, 'state', 'attempts', 'key')
  if state == 'running' and attempts == ARGV[i + 1] then
    local deadline = now + tonumber(ARGV[2])
    redis.call('ZADD', p .. 'running', 'XX', deadline, id)
    redis.call('SET', p .. 'lock:' .. key, id, 'PXAT', deadline)
  else
    table.insert(lost, id)
  end
end
return lost
"""

# ARGV: prefix, then (id, fence) per job we hold: queue them again now.
_RELEASE = """
local now = now_ms()
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  local state, attempts = fields(id, 'state', 'attempts')
  if state == 'running' and attempts == ARGV[i + 1] then requeue(id, now) end
end
return 0
"""

# ARGV: prefix. Milliseconds until a queued job can be claimed (its PR free), or nil.
_NEXT_DUE = """
local now = now_ms()
local best = false
local offset = 0
while true do
  local batch = redis.call('ZRANGE', p .. 'queued', offset, offset + 99, 'WITHSCORES')
  if #batch == 0 then break end
  for i = 1, #batch, 2 do
    local due = tonumber(batch[i + 1])
    if best and due >= best then return best - now end
    local key = redis.call('HGET', p .. 'job:' .. batch[i], 'key')
    local busy = redis.call('PTTL', p .. 'lock:' .. key)
    if busy > 0 then due = math.max(due, now + busy) end
    if not best or due < best then best = due end
  end
  offset = offset + 100
end
if best then return best - now end
return false
"""


def redis_problem(exc: RedisError) -> str:
    """Say why Redis cannot be used, without redis-py's message (which names the host)."""
    reason = exc.__cause__ or exc.__context__
    if isinstance(exc, RedisTimeoutError):
        return f"Redis did not answer within {CALL_TIMEOUT_S:g} s"
    if isinstance(exc, RedisConnectionError):
        if isinstance(reason, TimeoutError) and not reason.errno:
            # BlockingConnectionPool's wait ran out: every connection stayed busy.
            return f"no Redis connection came free within {CALL_TIMEOUT_S:g} s"
        if isinstance(reason, OSError) and reason.errno:
            return f"cannot connect to Redis ({os.strerror(reason.errno)})"
        return "lost the connection to Redis"
    if isinstance(exc, ResponseError):
        return f"Redis refused: {exc}"  # the server's answer, e.g. "DB index is out of range"
    return f"cannot use that Redis ({type(exc).__name__})"


def _unavailable(
    call: Callable[Concatenate[RedisStore, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[RedisStore, P], Coroutine[Any, Any, T]]:
    """Raise StoreUnavailable, saying why, when Redis cannot answer the call."""

    @functools.wraps(call)
    async def guarded(store: RedisStore, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await call(store, *args, **kwargs)
        except UNAVAILABLE as exc:
            raise StoreUnavailable(redis_problem(exc)) from exc

    return guarded


class RedisStore:
    """The shared job store: replicas claim from one Redis, so each job runs once at a time."""

    def __init__(self, client: Redis, prefix: str, consumer: str, lease_s: float) -> None:
        """Use `connect`; this needs a running event loop for the lease renewal task."""
        self._redis = client
        self._prefix = prefix
        self._consumer = consumer
        self._lease_ms = max(1, round(lease_s * 1000))
        self._held: dict[str, int] = {}  # job id -> attempts of our claim, the fencing token
        self._accept = client.register_script(_PRELUDE + _ACCEPT)
        self._claim = client.register_script(_PRELUDE + _CLAIM)
        self._settle = client.register_script(_PRELUDE + _SETTLE)
        self._renew = client.register_script(_PRELUDE + _RENEW)
        self._release = client.register_script(_PRELUDE + _RELEASE)
        self._next_due = client.register_script(_PRELUDE + _NEXT_DUE)
        every = lease_s / 3
        self._renewer = Supervised(
            "job lease renewal", lambda: self._renew_leases(every), max_delay=every
        )
        self._renewer.start()

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        prefix: str = "readiness:",
        consumer: str | None = None,
        lease_s: float = 300.0,
        create: bool = True,
    ) -> RedisStore:
        """Connect and check that Redis answers within CONNECT_TIMEOUT_S.

        `lease_s` is how long a claim may stay silent. With `create` False (a reader), raise
        StoreNotFound unless a server has used this prefix before. Raises ValueError for a URL
        that is not a Redis URL, RedisError or TimeoutError when Redis does not answer.
        """
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=POOL_CONNECTIONS,
            timeout=CALL_TIMEOUT_S,  # waiting for a free connection, then "No connection available"
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_timeout=CALL_TIMEOUT_S,
        )  # a hung connection must surface as an error, not stall deliveries and workers
        client = Redis.from_pool(pool)  # closing the client closes the pool
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                await client.ping()
            if create:
                await client.set(prefix + "created", int(time.time()), nx=True)
            elif not await client.exists(prefix + "created"):
                raise StoreNotFound("no job store under this prefix")
        except BaseException:
            await client.aclose()
            raise
        return cls(client, prefix, consumer or f"{socket.gethostname()}-{os.getpid()}", lease_s)

    async def close(self) -> None:
        """Stop renewing, hand back jobs cut short (other replicas take them now), disconnect.

        Never raises: a Redis that cannot be reached is one log line, and jobs not handed back
        are handed out again when their lease runs out.
        """
        await self._renewer.stop()
        try:
            if self._held:
                await self._release(args=[self._prefix, *_pairs(self._held)])
        except RedisError as exc:
            log.warning(
                "could not hand back %d jobs (%s); their leases will run out",
                len(self._held),
                redis_problem(exc),
            )
        finally:
            self._held.clear()
            with contextlib.suppress(RedisError, OSError):  # a connection already lost is closed
                await self._redis.aclose()

    @_unavailable
    async def accept(self, delivery_id: str, event: str, jobs: list[Job]) -> bool:
        """Record a delivery and queue its jobs in one script; False for a repeat delivery."""
        args: list[Any] = [self._prefix, delivery_id, event, RETENTION_S]
        for job in jobs:
            comment = comment_of(job)
            args += [kind_of(job), job.key, dumps(job), "" if comment is None else comment]
        return bool(await self._accept(args=args))

    @_unavailable
    async def answered(self, comment_id: int) -> str | None:
        outcome = await self._redis.get(f"{self._prefix}command:{comment_id}")
        return str(outcome) if outcome else None  # '' until answered

    @_unavailable
    async def answer(self, comment_id: int, outcome: str) -> None:
        await self._redis.set(f"{self._prefix}command:{comment_id}", outcome, ex=RETENTION_S)

    @_unavailable
    async def seen(self, delivery_id: str) -> bool:
        return bool(await self._redis.exists(f"{self._prefix}delivery:{delivery_id}"))

    @_unavailable
    async def refuse(self, delivery_id: str, event: str, reason: str) -> None:
        key = f"{self._prefix}refused:{delivery_id}"
        await self._redis.set(key, f"{event}: {reason}", ex=RETENTION_S)

    @_unavailable
    async def refused(self, delivery_id: str) -> bool:
        return bool(await self._redis.exists(f"{self._prefix}refused:{delivery_id}"))

    @_unavailable
    async def claim(self) -> Claimed | None:
        """Take the oldest due job whose PR is free, locking the PR for the lease."""
        row = await self._claim(args=[self._prefix, self._lease_ms, self._consumer])
        if row is None:
            return None
        job_id, kind, payload, attempts, uncounted, created_ms = row
        self._held[job_id] = int(attempts)
        job = loads(kind, payload)
        return Claimed(job_id, job, int(attempts), int(uncounted), int(created_ms) / 1000)

    async def finish(self, job_id: str) -> None:
        await self._set(job_id, "done", 0.0, "")

    async def retry(self, job_id: str, delay: float, error: str, *, waited: bool = False) -> None:
        await self._set(job_id, "queued", delay, error, waited)

    async def fail(self, job_id: str, error: str) -> None:
        await self._set(job_id, "failed", 0.0, error)

    @_unavailable
    async def _set(
        self, job_id: str, state: str, delay: float, error: str, waited: bool = False
    ) -> None:
        fence = self._held.pop(job_id, "")
        args = [
            self._prefix,
            job_id,
            fence,
            state,
            round(delay * 1000),
            error,
            RETENTION_S * 1000,
            "1" if waited else "",
        ]
        if not await self._settle(args=args):
            # Our lease ran out and another replica runs the job now: its outcome wins.
            log.warning("job %s is no longer ours; not marking it %s", job_id, state)

    @_unavailable
    async def counts(self) -> dict[str, int]:
        """Return the number of jobs in each state, for /readyz and the logs."""
        async with self._redis.pipeline(transaction=True) as pipe:
            for state in STATES:
                pipe.zcard(self._prefix + state)
            sizes = await pipe.execute()
        return {state: int(n) for state, n in zip(STATES, sizes, strict=True) if n}

    @_unavailable
    async def queued(self) -> int:
        return int(await self._redis.zcard(self._prefix + "queued"))

    @_unavailable
    async def failed(self, limit: int = 20) -> list[FailedJob]:
        ids = await self._redis.zrevrange(self._prefix + "failed", 0, limit - 1)
        async with self._redis.pipeline(transaction=False) as pipe:  # one round trip for all
            for job_id in ids:
                pipe.hgetall(self._prefix + "job:" + str(job_id))
            found = await pipe.execute()
        return [
            FailedJob(
                str(job_id),
                str(data.get("key", "")),
                str(data.get("kind", "")),
                int(data.get("attempts", 0)),
                str(data.get("last_error", "")),
            )
            for job_id, data in zip(ids, found, strict=True)
        ]

    @_unavailable
    async def next_due_in(self) -> float | None:
        """Return seconds until a queued job can be claimed (its PR free), None if none is queued.

        A due job whose PR runs elsewhere counts as due when that lease ends, so idle workers
        poll instead of spinning while another replica works on the PR.
        """
        ms = await self._next_due(args=[self._prefix])
        return None if ms is None else max(0.0, int(ms) / 1000)

    @_unavailable
    async def ping(self) -> None:
        """Raise if Redis does not answer, or if leases are not being renewed."""
        await self._redis.ping()
        if self._renewer.problem is not None:
            raise RuntimeError(self._renewer.problem)

    async def _renew_leases(self, every: float) -> None:
        """Extend the leases of the jobs we run: a live replica's jobs are never reclaimed."""
        while True:
            await asyncio.sleep(every)
            if not self._held:
                continue
            sent = dict(self._held)
            try:
                lost = await self._renew(args=[self._prefix, self._lease_ms, *_pairs(sent)])
            except RedisError as exc:
                log.warning("could not renew job leases: %s", redis_problem(exc))
                continue
            for job_id in lost:
                if job_id in self._held and self._held[job_id] == sent.get(job_id):
                    del self._held[job_id]
                    log.warning("lease of job %s ran out; another replica may run it", job_id)


def _pairs(held: dict[str, int]) -> list[Any]:
    """Flatten {job id: fence} into script arguments."""
    return [item for pair in held.items() for item in pair]
