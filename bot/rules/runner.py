"""Run the built-in checks in a child process, so that no rule can stall the server or run forever.

A pure-Python rule holds the GIL even in a worker thread, and some inputs make a parser or a
regex superlinear (tree-sitter's JavaScript grammar needs minutes for 200 KB of `;Pwd=`): in
the server's process that stops `/healthz` and the webhook's acknowledgements. So a review's
checks run in one child process, forked from a forkserver that has every pack imported
(a fork costs milliseconds; see `_context`), which sends each check's findings as soon as it
finishes. When the review's time limit passes, the child is killed: the review keeps what
finished and says which checks did not, so it is reported "not fully reviewed" instead of
hanging.

A process that runs one review and nothing else (the CLI) forks the child from itself instead
(`forking`): it has every pack imported already, so a forkserver would only import them a
second time, about as long again as the CLI's own start-up, and the snapshot need not be pickled.

Why not `concurrent.futures.ProcessPoolExecutor`: a running task cannot be stopped (before
Python 3.14's `terminate_workers`), and killing one worker breaks the whole pool, failing every
other review in flight. One child per review, at most `READINESS_WORKERS` at once, has neither
problem. The child rebuilds the snapshot from what was read (the change, the texts, the
listings, the pull request's description); trees are parsed there, never pickled.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, ForkServerContext

from bot.diff.model import Change, Ref
from bot.progress import Step
from bot.redaction import scrub
from bot.rules.model import Check, Finding
from bot.rules.registry import RULES
from bot.snapshot.model import Layout, Snapshot

log = logging.getLogger(__name__)

# A review's built-in checks that run longer are stopped; a large review needs a few seconds.
TIME_LIMIT_S = 300.0
# A check that runs longer is named in the logs.
CHECK_SLOW_S = 30.0
JOIN_S = 5.0

Checks = Sequence[tuple[str, Check]]
Progress = Callable[[Step], None]


@dataclass(frozen=True)
class Work:
    """What the child needs: the snapshot as read, the checks, and the parent's log level."""

    whole: Change
    texts: Mapping[tuple[str, Ref], str | None]
    listings: Mapping[Ref, frozenset[str] | None]
    checks: tuple[tuple[str, Check], ...]
    log_level: int
    layout: Layout = field(default_factory=Layout)
    description: str = ""
    parse_first: bool = False
    """Parse every file code rules read before the first check, saying after each (`Parsed`)."""


@dataclass(frozen=True)
class Parsed:
    """Sent by the child after parsing each file, when asked to parse first: `done` of `files`."""

    done: int
    files: int


@dataclass(frozen=True)
class Report:
    """One check's outcome, sent from the child when it finishes, with what it logged."""

    check: str
    findings: list[Finding]
    problem: str | None
    records: list[logging.LogRecord] = field(default_factory=list)


def name(pack: str, check: Check) -> str:
    return f"{pack}/{getattr(check, '__name__', repr(check))}"


def run_check(snap: Snapshot, pack: str, check: Check) -> Report:
    """Run one check; cap each finding at its rule's severity and redact its message; a failure
    becomes a problem."""
    label = name(pack, check)
    started = time.monotonic()
    try:
        found = list(check(snap))
    except Exception as exc:  # one broken rule must not cost the whole review
        log.exception("rule check %s failed", label)
        return Report(label, [], f"rule check `{label}` failed: {type(exc).__name__}")
    elapsed = time.monotonic() - started
    if elapsed > CHECK_SLOW_S:
        log.warning("rule check %s took %.1f s", label, elapsed)
    return Report(label, [redacted(_capped(f)) for f in found], None)


def run_checks(snap: Snapshot, checks: Checks) -> Iterator[Report]:
    """Run each check in turn, in this process (the child's loop, and tests of one rule)."""
    for pack, check in checks:
        yield run_check(snap, pack, check)


async def run(
    snap: Snapshot, checks: Checks, limit: float = TIME_LIMIT_S, progress: Progress | None = None
) -> tuple[list[Finding], list[str]]:
    """Run the checks in a child process within `limit` seconds; return findings and problems.

    Shape: the findings of every check that finished, and one problem per failed check plus one
    naming the checks cut off by the limit (or lost when the child died). The child's log
    records are written here, through this process's handlers and their redaction. With
    `progress`, the child parses the files first and `progress` hears of each file parsed and
    each check run (the parse costs the same, it just happens before the first check).
    """
    if not checks:
        return [], []
    forking = _FORK_PREFERRED and threading.active_count() == 1
    context: ForkContext | ForkServerContext = (
        multiprocessing.get_context("fork") if forking else _context()
    )
    reader, writer = context.Pipe(duplex=False)
    work = Work(
        snap.whole,
        dict(snap.texts),
        dict(snap.listings),
        tuple(checks),
        logging.getLogger().getEffectiveLevel(),
        snap.layout,
        snap.description,
        parse_first=progress is not None,
    )
    child = context.Process(target=_child, args=(writer, work), name="readiness-rules", daemon=True)
    findings: list[Finding] = []
    problems: list[str] = []
    pending = [name(pack, check) for pack, check in checks]
    parsed = Parsed(0, 0)
    try:
        if forking:
            child.start()  # a fork copies the snapshot: nothing to pickle, before anything awaits
        else:
            await asyncio.to_thread(child.start)  # pickling a large snapshot takes a moment
        writer.close()
        async with asyncio.timeout(limit):
            while pending:
                report = await _receive(reader)
                if isinstance(report, Parsed):
                    parsed = report
                else:
                    _replay(report.records)
                    pending.remove(report.check)
                    findings.extend(report.findings)
                    problems.extend([report.problem] if report.problem else [])
                if progress is not None:
                    progress(
                        Step(parsed.done, parsed.files, len(checks) - len(pending), len(checks))
                    )
    except TimeoutError:
        log.warning("rule checks stopped after %.0f s; unfinished: %s", limit, ", ".join(pending))
        problems.append(
            f"the built-in rules were stopped after {limit:.0f} s: {_listed(pending)} did not "
            "finish"
        )
    except EOFError:
        log.error("the rule checks' process died (exit code %s)", child.exitcode)
        problems.append(
            f"the built-in rules stopped unexpectedly: {_listed(pending)} did not finish"
        )
    finally:
        reader.close()
        writer.close()
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join(JOIN_S)
    return findings, problems


_FORK_PREFERRED = False


@contextlib.contextmanager
def forking() -> Iterator[None]:
    """Fork the rules' process from this one, while it has no other thread, within the block.

    For a process that runs one review and exits (`readiness scan`, `readiness baseline`): its
    packs are imported already. Never for the server: a fork copies no other thread, so a lock
    one of them held stays locked in the child, and it would share the server's signal wake-up
    descriptor. With another thread alive, the forkserver is used all the same.
    """
    global _FORK_PREFERRED
    before, _FORK_PREFERRED = _FORK_PREFERRED, True
    try:
        yield
    finally:
        _FORK_PREFERRED = before


@functools.cache
def _context() -> ForkServerContext:
    """Fork children from a server that imported every pack once (started on first use).

    A child started this way runs the parent's `__main__` again before its target (how
    multiprocessing finds the target): `bot.cli` for `readiness serve`, which imports the web
    server, the stores and their clients. Unless the forkserver has those imported too, each
    review paid for them: about 1 s of CPU, where the checks of a small change take
    milliseconds. So every `bot` module the parent has imported by the first review is
    preloaded with the packs.
    """
    context = multiprocessing.get_context("forkserver")
    # sqlglot first: imported for real here, the packs' lazy reference to it (bot/lazy.py) is
    # this module, and no review process loads it again.
    loaded = {name for name in list(sys.modules) if name.partition(".")[0] == "bot"}
    context.set_forkserver_preload(["sqlglot", *sorted({"bot.rules.registry", *loaded})])
    return context


async def _receive(reader: Connection) -> Report | Parsed:
    """Wait without blocking the loop until the child sends; raise EOFError when it died."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(reader.fileno(), readable)
    try:
        await ready
    finally:
        loop.remove_reader(reader.fileno())
    report: Report | Parsed = reader.recv()  # the child is writing it now: not a long wait
    return report


def _replay(records: list[logging.LogRecord]) -> None:
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


def _listed(checks: list[str]) -> str:
    return ", ".join(f"`{check}`" for check in checks)


def redacted(finding: Finding) -> Finding:
    """Redact any credential a message quotes (a removed log line, a snippet of code).

    Every rule's text passes here, before any report trims it, so a rule that quotes code cannot
    post a secret; fingerprints already hash what matched, never the message. Built-in checks'
    findings are redacted in the child process, which keeps the cost off the server's loop.
    """
    message = scrub(finding.message)
    return finding if message is finding.message else replace(finding, message=message)


def _capped(finding: Finding) -> Finding:
    rule = RULES.get(finding.rule)
    if rule is None or finding.severity.rank >= rule.severity.rank:
        return finding
    return replace(finding, severity=rule.severity)


class _Collected(logging.Handler):
    """Keep the child's log records, made picklable (message merged, traceback as text)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        self.records.append(record)

    def drain(self) -> list[logging.LogRecord]:
        drained, self.records = self.records, []
        return drained


def _child(writer: Connection, work: Work) -> None:
    """Run the checks and send a report after each; nothing is written to the terminal."""
    collected = _Collected()
    root = logging.getLogger()
    root.handlers[:] = [collected]
    root.setLevel(work.log_level)
    snap = Snapshot(work.whole, work.texts, work.listings, work.layout, work.description)
    with writer:
        if work.parse_first:
            for done, files in parse(snap):
                writer.send(Parsed(done, files))
        for report in run_checks(snap, work.checks):
            writer.send(replace(report, records=collected.drain()))


def parse(snap: Snapshot) -> Iterator[tuple[int, int]]:
    """Parse both sides of each file code rules read; yield (files parsed, files) after each.

    The trees are the snapshot's own (cached on each side), so the checks reuse them.
    """
    files = [snap.file(changed.path) for changed in snap.change.files]
    for done, changed in enumerate(files, 1):
        for side in (changed.before, changed.after) if changed is not None else ():
            side.parse()
        yield done, len(files)
