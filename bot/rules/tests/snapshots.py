"""Snapshot tests: a kept test that compares a whole output with a stored snapshot covers it all.

A test that checked parts of an output (an OpenAPI schema's paths, a rendered page's fields) adds
nothing a kept test of its file does not check when that test compares the same output whole
with a snapshot file that the change updates: the snapshot holds every part. So a removed test
that calls what such a snapshot test calls (`api.get_openapi_schema()`) is not lost.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from bot.rules.tests.suites import Suite, Test

SNAPSHOT_DIRS = frozenset({"snapshots", "__snapshots__", "__snapshot__", "snapshot"})
SNAPSHOT_SUFFIXES = (".snap", ".ambr")
_MENTIONS = re.compile(r"snapshot", re.IGNORECASE)
# Calls every kind of test makes: sharing one says nothing of sharing a subject.
_COMMON = frozenset({
    "set", "len", "list", "dict", "str", "int", "float", "bool", "tuple", "sorted", "open",
    "print", "isinstance", "range", "json", "load", "loads", "dump", "dumps", "exists", "get",
    "fail", "raises", "describe", "it", "test", "create", "reload", "toMatchSnapshot",
})  # fmt: skip


def updated_snapshots(test_path: str, changed: Iterable[str]) -> bool:
    """Tell whether the change updates a snapshot stored next to a test file."""
    folder = posixpath.dirname(test_path)
    for path in changed:
        parent = posixpath.dirname(path)
        stored = posixpath.basename(parent) in SNAPSHOT_DIRS and (
            posixpath.dirname(parent) == folder
        )
        if stored or (parent == folder and path.endswith(SNAPSHOT_SUFFIXES)):
            return True
    return False


def covered(test: Test, base: Suite, head: Suite) -> bool:
    """Tell whether a kept snapshot test of the file computes what a removed test checked."""
    kept = {t.key for t in base.tests}
    subjects = _subjects(test)
    return bool(subjects) and any(
        t.key in kept and _MENTIONS.search(t.body) and not subjects.isdisjoint(t.calls)
        for t in head.tests
    )


def _subjects(test: Test) -> frozenset[str]:
    """Return what a test calls to get what it checks: its calls but assertions and builtins."""
    return frozenset(
        call
        for call in test.calls
        if call not in _COMMON and not call.lower().startswith(("assert", "expect", "refute"))
    )
