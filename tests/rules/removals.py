"""What the `tests` pack's removal rules say of a change, for the tests of those rules: a real
git repository is made of the two sides, and both removal checks run on its snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.rules.model import Finding, Severity
from bot.rules.tests import check_removed_tests
from bot.rules.tests.removed import check_removed_assertions
from tests.gitrepo import Files, make_repo


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line of `text` holding `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def summary(findings: Sequence[Finding]) -> list[tuple[str, str, int, Severity]]:
    """Each finding as (rule, path, line, severity), sorted."""
    return sorted((f.rule, f.path, f.line, f.severity) for f in findings)


async def removals(tmp_path: Path, base: Files, head: Files) -> list[Finding]:
    """The findings of both removal checks on the change from `base` to `head`."""
    snap = await make_repo(tmp_path / "r", base=base, head=head).snapshot()
    return check_removed_tests(snap) + check_removed_assertions(snap)
