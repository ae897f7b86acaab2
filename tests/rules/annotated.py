"""Annotated targets: a `ruleid: ID` or `ok: ID` comment names what its next line must yield.

The format is semgrep's `--test` one, which the built-in guard rules were first written in; the
targets in tests/rules/guards/ are now checked against the in-process checks of each pack.
Each target is reviewed as a new file at a path of the pack's choosing, once with the snapshot
holding its text and once from the bare diff (which, for a new file, shows all of it).
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.rules.model import Pack
from bot.snapshot.model import Snapshot
from tests.rules import declared

TARGETS = Path(__file__).resolve().parent / "guards"
ANNOTATION = re.compile(r"^\s*(?:#|//)\s*(ruleid|ok):\s*(\S.*?)\s*$")

Lines = dict[str, set[int]]


def expected(text: str) -> tuple[Lines, Lines]:
    """Return, per rule, the lines annotated `ruleid` and the lines annotated `ok`."""
    lines = text.splitlines()
    marked: dict[str, Lines] = {"ruleid": {}, "ok": {}}
    for index, line in enumerate(lines):
        match = ANNOTATION.match(line)
        if match is None:
            continue
        target = next(i for i in range(index + 1, len(lines)) if not ANNOTATION.match(lines[i]))
        for rule in match.group(2).split(","):
            marked[match.group(1)].setdefault(rule.strip(), set()).add(target + 1)
    return marked["ruleid"], marked["ok"]


def found(pack: Pack, target: str, path: str, *, contents: bool) -> tuple[Lines, Lines, Lines]:
    """Run the pack on a target as a new file at `path`: (reported, ruleid, ok) per rule.

    `reported` is limited to the rules the target annotates.
    """
    text = (TARGETS / target).read_text(encoding="utf-8")
    numbered = tuple(Line(n, t) for n, t in enumerate(text.splitlines(), start=1))
    added = ChangedFile(path, FileStatus.ADDED, added=numbered, new_ranges=((1, len(numbered)),))
    snap = Snapshot(Change((added,)), {(path, "head"): text} if contents else {})
    ruleid, ok = expected(text)
    reported: Lines = {rule: set() for rule in ruleid.keys() | ok.keys()}
    for finding in declared.findings(pack, snap):
        if finding.rule in reported and finding.path == path:
            reported[finding.rule].add(finding.line)
    return reported, ruleid, ok
