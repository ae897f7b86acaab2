"""Parse a git diff into a Change, one file at a time so that one odd file cannot sink the review.

unidiff fails a whole patch on some inputs (a path containing " b/", CRLF line endings) and keeps
git's C-quoted file names (PLATFORM.md). So the diff is split at `diff --git` boundaries, file names
are read from the header lines here, and unidiff only ever sees a sanitised header plus the hunks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from unidiff.constants import LINE_TYPE_ADDED, LINE_TYPE_REMOVED
from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from bot.diff.model import Change, ChangedFile, FileStatus, Line

log = logging.getLogger(__name__)

_FILE_START = re.compile(r"^diff --git ", re.MULTILINE)
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_FILES_API_STATUS = {
    "added": FileStatus.ADDED,
    "copied": FileStatus.ADDED,
    "removed": FileStatus.REMOVED,
    "renamed": FileStatus.RENAMED,
}


def decode(data: bytes | str) -> str:
    """Decode diff bytes leniently: a non-UTF-8 file must not stop the review of the others."""
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")


def parse(data: bytes | str) -> Change:
    """Parse a whole `git diff` (bytes or text) into a Change."""
    text = decode(data)
    starts = [m.start() for m in _FILE_START.finditer(text)]
    if not starts:
        return Change(
            problems=("the diff has no `diff --git` file headers",) if text.strip() else ()
        )
    files: list[ChangedFile] = []
    problems: list[str] = []
    for begin, end in zip(starts, [*starts[1:], len(text)], strict=True):
        chunk = text[begin:end]
        try:
            changed = _parse_file(chunk)
        except (UnidiffParseError, ValueError) as exc:
            # unidiff's message quotes the offending line, which may hold a secret: not shown.
            name = _headers(chunk.split("\n")).get("path", "?")
            log.warning("skipping unparsable diff of %r: %s", name, type(exc).__name__)
            problems.append(f"`{name}`: the diff of this file could not be parsed")
            continue
        files.append(changed)  # a binary file is listed as skipped, not as a problem
    return Change(files=tuple(files), problems=tuple(problems))


def from_files_api(entries: Iterable[Mapping[str, Any]]) -> Change:
    """Build a Change from GitHub's "list pull request files" entries (the too-large-diff path)."""
    files: list[ChangedFile] = []
    problems: list[str] = []
    for entry in entries:
        path = str(entry["filename"])
        status = _FILES_API_STATUS.get(str(entry.get("status")), FileStatus.MODIFIED)
        old_path = entry.get("previous_filename")
        patch = entry.get("patch")
        if patch is None:
            # GitHub counts no changed lines in a binary file; a text file's patch is left out
            # when it is too large, and that file was not reviewed.
            binary = not entry.get("changes")
            files.append(ChangedFile(path, status, old_path, binary=binary, patch_missing=True))
            if not binary:
                problems.append(f"`{path}`: GitHub sent no patch (too large); not reviewed")
            continue
        try:
            hunks = _parse_hunks(str(patch))
        except (UnidiffParseError, ValueError) as exc:
            log.warning("skipping unparsable patch of %r: %s", path, type(exc).__name__)
            problems.append(f"`{path}`: the patch of this file could not be parsed")
            continue
        files.append(ChangedFile(path, status, old_path, **hunks))
    return Change(files=tuple(files), problems=tuple(problems))


def _parse_file(chunk: str) -> ChangedFile:
    lines = chunk.rstrip("\n").split("\n")  # not splitlines(): \x1c or U+2028 are not line ends
    if lines and lines[0].endswith("\r"):
        # A diff saved with CRLF throughout; content CRs of a CRLF file are kept otherwise.
        lines = [line.removesuffix("\r") for line in lines]
    head = _headers(lines)
    status = FileStatus.MODIFIED
    if "new file mode" in head:
        status = FileStatus.ADDED
    elif "deleted file mode" in head:
        status = FileStatus.REMOVED
    elif "old_path" in head:
        status = FileStatus.RENAMED
    path = head["path"]
    old_path = head.get("old_path") if status is FileStatus.RENAMED else None
    first_hunk = next((i for i, line in enumerate(lines) if line.startswith("@@")), None)
    header = lines if first_hunk is None else lines[:first_hunk]
    binary = any(line.startswith(("Binary files ", "GIT binary patch")) for line in header)
    if binary or first_hunk is None:
        return ChangedFile(path, status, old_path, binary=binary)
    return ChangedFile(path, status, old_path, **_parse_hunks("\n".join(lines[first_hunk:])))


def _parse_hunks(hunk_text: str) -> dict[str, Any]:
    """Parse hunk text (from the first `@@`) behind a neutral header unidiff cannot trip on."""
    patch = PatchSet.from_string("--- a/file\n+++ b/file\n" + hunk_text.rstrip("\n") + "\n")
    added: list[Line] = []
    removed: list[Line] = []
    new_ranges: list[tuple[int, int]] = []
    old_ranges: list[tuple[int, int]] = []
    for patched in patch:
        for hunk in patched:
            if hunk.target_length:
                new_ranges.append((hunk.target_start, hunk.target_start + hunk.target_length - 1))
            if hunk.source_length:
                old_ranges.append((hunk.source_start, hunk.source_start + hunk.source_length - 1))
            for line in hunk:  # the hot loop of a big review: plain attributes, no properties
                kind = line.line_type
                if kind == LINE_TYPE_ADDED and line.target_line_no is not None:
                    added.append(Line(line.target_line_no, _text(line.value)))
                elif kind == LINE_TYPE_REMOVED and line.source_line_no is not None:
                    removed.append(Line(line.source_line_no, _text(line.value)))
    return {
        "added": tuple(added),
        "removed": tuple(removed),
        "new_ranges": tuple(new_ranges),
        "old_ranges": tuple(old_ranges),
    }


def _text(value: str) -> str:
    return value.rstrip("\n").removesuffix("\r")


def _headers(lines: list[str]) -> dict[str, str]:
    """Read the extended header of one file's diff: its paths and the mode/rename markers."""
    head: dict[str, str] = {}
    old = new = None
    for line in lines[1:]:
        if line.startswith("@@"):
            break
        if line.startswith("--- "):
            old = _strip_prefix(_unquote(line[4:].split("\t")[0]), "a/")
        elif line.startswith("+++ "):
            new = _strip_prefix(_unquote(line[4:].split("\t")[0]), "b/")
        elif line.startswith("rename from "):
            head["old_path"] = _unquote(line[len("rename from ") :])
            old = old or head["old_path"]
        elif line.startswith("rename to "):
            new = new or _unquote(line[len("rename to ") :])
        elif line.startswith(("new file mode", "deleted file mode")):
            head[line.rsplit(" ", 1)[0]] = line
    if new in (None, "/dev/null"):
        new = (
            old
            if old not in (None, "/dev/null")
            else _path_from_git_line(lines[0] if lines else "")
        )
    head["path"] = new or "?"
    return head


def _path_from_git_line(line: str) -> str:
    """Take the path from `diff --git a/P b/P`, where both sides are equal (no rename)."""
    rest = line[len("diff --git ") :]
    if rest.startswith('"'):
        closing = rest.index('"', 1) if '"' in rest[1:] else len(rest)
        while rest[closing - 1] == "\\":
            closing = rest.index('"', closing + 1)
        return _strip_prefix(_unquote(rest[: closing + 1]), "a/")
    half = (len(rest) - 1) // 2
    return _strip_prefix(rest[:half], "a/")


def _strip_prefix(path: str, prefix: str) -> str:
    return path[len(prefix) :] if path.startswith(prefix) else path


def _unquote(name: str) -> str:
    """Undo git's C-style quoting of unusual file names (`"caf\\303\\251.txt"` -> `café.txt`)."""
    if not (len(name) >= 2 and name.startswith('"') and name.endswith('"')):
        return name
    out = bytearray()
    body, i = name[1:-1], 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 == len(body):
            out += char.encode("utf-8")
            i += 1
        elif body[i + 1] in "01234567":
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(_C_ESCAPES.get(body[i + 1], ord(body[i + 1])))
            i += 2
    return out.decode("utf-8", errors="replace")
