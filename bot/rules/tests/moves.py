"""Code moved to a new module, and its test moved with it to that module's new test file.

A change that lifts a method out of one module into a new one (`prerender` of a prefill job
becoming the `perform` of a new cache job) rewrites the old module's test for what is left there
(it now enqueues the new job) and tests the moved code in a new file for the new module. The old
test is not lost when a test of that new file holds much of it, either way round: what it checked
is checked where the code went.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.diff.model import ChangedFile, FileStatus

MIN_MOVED_LINES = 3  # lines removed from one module and added to a new one that make a move
MIN_LINE = 20  # shorter lines (`end`, `return x`) are everywhere and prove nothing
MOVED_MATCH = 0.6  # share of one test, either way, the other must hold when their code moved


@dataclass(frozen=True)
class Move:
    """Code that left one production module for a module the change adds."""

    source: str
    target: str


def moves(files: Iterable[ChangedFile]) -> list[Move]:
    """Return the moves among a change's production files: MIN_MOVED_LINES lines or more."""
    changed = list(files)
    added = {
        f.path: {line.text.strip() for line in f.added}
        for f in changed
        if f.status is FileStatus.ADDED
    }
    found = []
    for source in changed:
        if source.status is FileStatus.ADDED:
            continue
        gone = {line.text.strip() for line in source.removed if len(line.text.strip()) >= MIN_LINE}
        found += [
            Move(source.path, target)
            for target, lines in added.items()
            if len(gone & lines) >= MIN_MOVED_LINES
        ]
    return found
