"""Where the rules' process comes from: forked from a one-review process, else the forkserver.

The CLI forks it from itself (every pack is imported there already); the server, and any
process with another thread alive, keeps the forkserver. Told apart by the child's parent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

from bot.diff.parse import parse
from bot.rules import runner
from bot.rules.model import Finding, Severity, fingerprint
from bot.snapshot.model import Snapshot

DIFF = b"diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -0,0 +1 @@\n+x = 1\n"


def parent(snap: Snapshot) -> Iterator[Finding]:
    """Report the process id of the rules' process's parent."""
    yield Finding(
        "x/y", "x", "a.py", 1, Severity.NOTICE, str(os.getppid()), fingerprint("x/y", "a.py", "x")
    )


async def parent_of_the_rules() -> int:
    findings, problems = await runner.run(Snapshot(parse(DIFF)), [("x", parent)])
    assert problems == []
    return int(findings[0].message)


async def test_within_forking_a_single_threaded_process_forks_the_rules_itself() -> None:
    assert threading.active_count() == 1  # the test's own precondition
    with runner.forking():
        assert await parent_of_the_rules() == os.getpid()


async def test_otherwise_the_forkserver_starts_them() -> None:
    assert await parent_of_the_rules() != os.getpid()


async def test_with_another_thread_alive_forking_keeps_the_forkserver() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with runner.forking():
            assert await parent_of_the_rules() != os.getpid()
    finally:
        release.set()
        other.join()
