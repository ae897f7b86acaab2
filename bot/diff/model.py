"""Value objects for one pull request's change: files, lines and the hunks GitHub can comment on."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Ref = Literal["head", "base"]


class FileStatus(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"


@dataclass(frozen=True)
class Line:
    """One added or removed line: `number` is in the new file if added, the old file if removed."""

    number: int
    text: str


@dataclass(frozen=True)
class ChangedFile:
    """One file of the diff.

    `path` is the path at head (the old path for a removed file). `new_ranges` and `old_ranges`
    are the inclusive line ranges of the hunks on each side: GitHub accepts review comments only
    inside them.
    """

    path: str
    status: FileStatus
    old_path: str | None = None
    added: tuple[Line, ...] = ()
    removed: tuple[Line, ...] = ()
    new_ranges: tuple[tuple[int, int], ...] = ()
    old_ranges: tuple[tuple[int, int], ...] = ()
    binary: bool = False
    patch_missing: bool = False

    def commentable(self, line: int, side: str = "RIGHT") -> bool:
        """Tell whether a review comment on this line would be accepted by GitHub."""
        ranges = self.new_ranges if side == "RIGHT" else self.old_ranges
        return any(start <= line <= end for start, end in ranges)


@dataclass(frozen=True)
class Change:
    """The whole diff, plus the files that could not be read and why."""

    files: tuple[ChangedFile, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def file(self, path: str) -> ChangedFile | None:
        return next((f for f in self.files if f.path == path), None)

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(f.path for f in self.files)
