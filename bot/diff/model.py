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
    not_utf8: bool = False
    """The file's diff held bytes that are not UTF-8 (read with U+FFFD in their place)."""

    def commentable(self, line: int, side: str = "RIGHT") -> bool:
        """Tell whether a review comment on this line would be accepted by GitHub."""
        ranges = self.new_ranges if side == "RIGHT" else self.old_ranges
        return any(start <= line <= end for start, end in ranges)


class SkipKind(StrEnum):
    """Why a changed file was skipped; the value is how the check-run summary names the reason.

    The first kinds are skipped by code rules only (the secrets pack still reads all but binary
    files); the last three were not reviewed at all (`Change.left_out`), so the review is partial.
    """

    BINARY = "binary"
    GENERATED = "generated"
    VENDORED = "vendored"
    LOCK_FILE = "lock file"
    MINIFIED = "minified or bundled"
    BUILD_OUTPUT = "build output"
    NOT_UTF8 = "not UTF-8"
    OVER_LIMITS = "over the review's limits"
    NO_PATCH = "no patch from GitHub (too large)"
    UNPARSABLE = "diff not parsable"


@dataclass(frozen=True)
class Skip:
    """One changed file a review skipped: `kind` groups it in the summary, `detail` says why in
    words (`marked `linguist-generated` in .gitattributes`); `str()` is "`path`: detail"."""

    path: str
    kind: SkipKind
    detail: str

    def __str__(self) -> str:
        return f"`{self.path}`: {self.detail}"


@dataclass(frozen=True)
class Change:
    """The whole diff, plus the files that could not be read and why.

    `left_out` names each changed file no rule read (no patch, a diff that does not parse, over
    the review's limits); each is also one of the `problems`, which say in words what made the
    review partial.
    """

    files: tuple[ChangedFile, ...] = ()
    problems: tuple[str, ...] = field(default=())
    left_out: tuple[Skip, ...] = ()

    def file(self, path: str) -> ChangedFile | None:
        return next((f for f in self.files if f.path == path), None)

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(f.path for f in self.files)
