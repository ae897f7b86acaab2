"""Derive GitHub's view of a pull request diff: the files list and the commentable lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

_GIT_HEADER = re.compile(r"^diff --git ", re.MULTILINE)
_HEADER_PATHS = re.compile(r'^diff --git (?:"?a/)(.*?)"? (?:"?b/)(.*?)"?$', re.MULTILINE)
LEFT, RIGHT = "LEFT", "RIGHT"


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk, numbered on each side it appears on, to place review comments."""

    kind: str
    source_no: int | None
    target_no: int | None
    text: str


@dataclass(frozen=True)
class FileDiff:
    """One file of a pull request diff as GitHub's files list and review API see it."""

    filename: str
    status: str
    additions: int
    deletions: int
    previous_filename: str | None = None
    patch: str | None = None
    # One entry per patch line after the first "@@" header; None marks a later hunk header.
    positions: tuple[DiffLine | None, ...] = field(default=(), repr=False)

    def find(self, line: int, side: str) -> int | None:
        """Return the diff position of `line` on `side`, so comments off the hunks are refused."""
        for position, entry in enumerate(self.positions, start=1):
            if entry is None or entry.kind == "\\":
                continue
            if (entry.source_no if side == LEFT else entry.target_no) == line:
                return position
        return None

    def at(self, position: int) -> tuple[int, str] | None:
        """Return (line, side) at a legacy diff position, the way GitHub resolves `position`."""
        if not 1 <= position <= len(self.positions):
            return None
        entry = self.positions[position - 1]
        if entry is None or entry.kind == "\\":
            return None
        if entry.kind == "-":
            assert entry.source_no is not None
            return entry.source_no, LEFT
        assert entry.target_no is not None
        return entry.target_no, RIGHT

    def same_hunk(self, first: int, second: int) -> bool:
        """Tell whether two positions share a hunk, as multi-line comments must."""
        low, high = sorted((first, second))
        return None not in self.positions[low - 1 : high]

    def hunk_until(self, position: int) -> str:
        """Return the hunk text up to `position`, as GitHub fills a comment's `diff_hunk`."""
        assert self.patch is not None
        lines = self.patch.split("\n")
        start = max(i for i in range(position + 1) if lines[i].startswith("@@"))
        return "\n".join(lines[start : position + 1])


def parse_files(diff: bytes) -> list[FileDiff]:
    """Split the diff per file first, so one file unidiff cannot parse spoils none of the others."""
    text = diff.decode("utf-8", errors="replace")
    starts = [m.start() for m in _GIT_HEADER.finditer(text)] or [0]
    chunks = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    return [_parse_chunk(chunk) for chunk in chunks if chunk.strip()]


def _parse_chunk(chunk: str) -> FileDiff:
    """Parse one file's diff, falling back to the `diff --git` header's names."""
    try:
        patched = list(PatchSet(chunk))
    except UnidiffParseError:
        patched = []
    if len(patched) != 1:
        names = _HEADER_PATHS.search(chunk)
        filename = _unquote(names.group(2)) if names else "unknown"
        return FileDiff(filename=filename, status="modified", additions=0, deletions=0)
    pf = patched[0]
    source, target = _strip(pf.source_file), _strip(pf.target_file)
    if pf.is_added_file:
        status = "added"
    elif pf.is_removed_file:
        status = "removed"
    elif pf.is_rename:
        status = "renamed"
    else:
        status = "modified"
    filename = source if status == "removed" else target
    start = chunk.find("\n@@")
    patch = None
    if not pf.is_binary_file and start >= 0:
        patch = chunk[start + 1 :].rstrip("\n")
    positions: list[DiffLine | None] = []
    for index, hunk in enumerate(pf):
        if index:
            positions.append(None)
        positions.extend(
            DiffLine(ln.line_type, ln.source_line_no, ln.target_line_no, ln.value) for ln in hunk
        )
    return FileDiff(
        filename=filename,
        status=status,
        additions=pf.added,
        deletions=pf.removed,
        previous_filename=source if status == "renamed" else None,
        patch=patch,
        positions=tuple(positions) if patch is not None else (),
    )


def _strip(name: str) -> str:
    """Drop git's quoting and a/ b/ prefixes, since GitHub shows plain file names."""
    name = _unquote(name)
    return name[2:] if name[:2] in ("a/", "b/") else name


def _unquote(name: str) -> str:
    """Undo git's C-quoting of unusual file names (octal escapes of UTF-8 bytes)."""
    if len(name) < 2 or not (name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1").decode("utf-8", errors="replace")
