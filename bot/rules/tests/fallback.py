"""The diff's lines stand in for a side that cannot be read as a tree: a bare diff, Java.

Tests are found by their definitions on removed lines, a renamed header over an unchanged body
is a rename, and assertions are counted per test from the lines its span covers.
"""

from __future__ import annotations

from collections import Counter

from bot.diff.model import ChangedFile, FileStatus, Line
from bot.rules.tests.languages import (
    Definition,
    assertions,
    code,
    definitions,
    language,
    names,
    spans,
)
from bot.rules.tests.suites import Test, from_lines
from bot.snapshot.model import FileChange, Snapshot

# A weakened test: its name (None when only the diff is known), its first removed assertion
# line, how many assertions it still makes and how many it lost.
Weakened = tuple[str | None, Line, int, int]


def gone(side: FileChange) -> list[Test]:
    """Find removed tests from the diff's lines when a side cannot be read as a tree."""
    changed = side.changed
    removed = definitions(changed.path, changed.removed)
    if changed.status is not FileStatus.REMOVED:
        removed = _still_defined(side, _renamed_in_place(changed, removed))
    starts = {d.first.number for d in removed}
    return [t for t in from_lines(changed.path, changed.removed) if t.start in starts]


def _renamed_in_place(changed: ChangedFile, removed: list[Definition]) -> list[Definition]:
    """Drop tests whose header changed but whose body stayed: that is a rename, not a removal.

    A removed definition whose next line is unchanged is paired with an added definition of a
    new name whose next line is unchanged too.
    """
    removed_numbers = {line.number for line in changed.removed}
    added_numbers = {line.number for line in changed.added}
    old_names = {d.name for d in removed}
    new_headers = [
        d
        for d in definitions(changed.path, changed.added)
        if d.name not in old_names and d.first.number + 1 not in added_numbers
    ]
    kept = []
    for definition in removed:
        if definition.first.number + 1 not in removed_numbers and new_headers:
            new_headers.pop(0)
        else:
            kept.append(definition)
    return kept


def _still_defined(side: FileChange, gone: list[Definition]) -> list[Definition]:
    """Keep only tests that the head file defines fewer times than the base file did."""
    lang = language(side.path)
    base, head = side.before.text, side.after.text
    if not gone or lang is None or head is None or base is None:
        return gone
    before = Counter(name for name, _ in names(lang, base))
    after = Counter(name for name, _ in names(lang, head))
    return [d for d in gone if after[d.name] < before[d.name]]


def weakened(snap: Snapshot, changed: ChangedFile) -> list[Weakened]:
    """Count assertions per test's lines when a side cannot be read as a tree (Java, bare diff).

    Returns each weakened test's name (None when only the diff is known), the first removed
    assertion line, what it still asserts and how many assertions it lost.
    """
    lang = language(changed.path)
    if lang is None:
        return []
    lost = [line for line in changed.removed if lang.assertion.search(code(lang, line.text))]
    if not lost:
        return []
    base = snap.read(changed.old_path or changed.path, "base")
    head = snap.read(changed.path, "head")
    if base is None or head is None:
        net = assertions(lang, [line.text for line in lost]) - assertions(
            lang, [line.text for line in changed.added]
        )
        if net > 0 and not definitions(changed.path, changed.removed):
            return [(None, lost[0], 0, net)]
        return []
    findings: list[Weakened] = []
    before, after = spans(lang, base), spans(lang, head)
    base_lines, head_lines = base.splitlines(), head.splitlines()
    for name, (start, end) in before.items():
        if name not in after:
            continue
        old = assertions(lang, base_lines[start - 1 : end])
        new_start, new_end = after[name]
        new = assertions(lang, head_lines[new_start - 1 : new_end])
        inside = [line for line in lost if start <= line.number <= end]
        if inside and new < old:
            findings.append((name, inside[0], new, old - new))
    return findings
