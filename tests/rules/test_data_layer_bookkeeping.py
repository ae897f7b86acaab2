"""A module-level container that only paces log lines is told from one that keeps records."""

from __future__ import annotations

import pytest

from bot.rules.data_layer.bookkeeping import log_bookkeeping
from bot.snapshot.model import Source

PACING = [
    (
        "limits.ts",
        "lastWarned",
        """\
const EVERY_MS = 60_000;
const lastWarned: Record<string, number> = {};
function warn(reason: string) {
  const now = Date.now();
  if (now - (lastWarned[reason] ?? 0) < EVERY_MS) return;
  lastWarned[reason] = now;
  logger.warn(reason);
}
""",
    ),
    (
        "once.js",
        "seen",
        """\
const seen = new Set();
function deprecate(name) {
  if (seen.has(name)) return;
  seen.add(name);
  console.warn(`${name} is deprecated`);
}
""",
    ),
    (
        "tally.ts",
        "drops",
        """\
const drops = new Map<string, number>();
const noteDrop = (queue: string): void => {
  drops.set(queue, (drops.get(queue) ?? 0) + 1);
  if ((drops.get(queue) ?? 0) % 100 === 0) this.log.error("dropping", queue);
};
""",
    ),
    (
        "limits.py",
        "_last_warned",
        """\
_last_warned: dict[str, float] = {}


def _warn(reason: str) -> None:
    now = time.monotonic()
    if now - _last_warned.get(reason, 0.0) < EVERY:
        return
    _last_warned[reason] = now
    logger.warning("misconfigured: %s", reason)
""",
    ),
    (
        "once.py",
        "_seen",
        """\
_seen = {}


def deprecate(name):
    if name in _seen:
        return
    _seen[name] = True
    warnings.warn(f"{name} is deprecated")
""",
    ),
]

RECORDS = [
    (
        "records.ts",
        "users",
        """\
const users = new Map<string, User>();
function add(user: User) {
  users.set(user.id, user);
  logger.info("user added");
}
""",
    ),
    (
        "exported.ts",
        "lastWarned",
        """\
export const lastWarned: Record<string, number> = {};
function warn(reason: string) {
  lastWarned[reason] = Date.now();
  logger.warn(reason);
}
""",
    ),
    (
        "answered.ts",
        "lastSeen",
        """\
const lastSeen = new Map<string, number>();
function touch(id: string) {
  lastSeen.set(id, Date.now());
  logger.debug("seen");
}
function seenAt(id: string) {
  logger.debug("asked");
  return lastSeen.get(id);
}
""",
    ),
    (
        "quiet.ts",
        "hits",
        """\
const hits: Record<string, number> = {};
function hit(key: string) {
  hits[key] = (hits[key] ?? 0) + 1;
}
""",
    ),
    (
        "records.py",
        "_orders",
        """\
_orders = {}


def save(order):
    _orders[order.id] = order
    logger.info("order saved")
""",
    ),
    (
        "handed.py",
        "_stamps",
        """\
_stamps = {}


def stamp(key):
    _stamps[key] = time.time()
    logger.info("stamped")
    flush(_stamps)
""",
    ),
]


@pytest.mark.parametrize(("path", "name", "text"), PACING, ids=[c[0] for c in PACING])
def test_a_container_that_paces_log_lines_is_bookkeeping(path: str, name: str, text: str) -> None:
    """Timestamps, counts or flags read and written only where a log line is written."""
    assert log_bookkeeping(Source(path, text), name)


@pytest.mark.parametrize(("path", "name", "text"), RECORDS, ids=[c[0] for c in RECORDS])
def test_a_container_of_records_or_answers_is_not_bookkeeping(
    path: str, name: str, text: str
) -> None:
    """Records written, the container exported or handed on, an entry returned, or no log line."""
    assert not log_bookkeeping(Source(path, text), name)
