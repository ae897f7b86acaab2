"""Parse a diff into a Change, one file at a time so that one odd file cannot sink the review.

Two formats are read: `git diff` output, and the unified format of `diff -u` / `diff -ruN` (which
`hg diff` and `svn diff` also write). Anything else is not a diff.

The diff is split into files here (at `diff --git` lines, or at the `---`/`+++`/`@@` header of
each file of `diff -u` output) and file names are read from the header lines, so that one odd
file name cannot sink the others (unidiff fails a whole patch on a path containing " b/" or on
CRLF line endings, and keeps git's C-quoted names: PLATFORM.md). Each file's hunks are then read
in one pass over its lines (`_read_hunks`), keeping only what rules read: the added and removed
lines with their numbers, and the hunks' ranges. unidiff did this part before; it builds an
object per line, context lines included, and was most of the time of a large review's parse.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.diff.model import Change, ChangedFile, FileStatus, Line, Skip, SkipKind

log = logging.getLogger(__name__)

DEV_NULL = "/dev/null"
NO_NEWLINE = "\\ No newline at end of file"
_FILE_START = re.compile(r"^diff --git ", re.MULTILINE)
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_BINARY = re.compile(r"^Binary files (.+) and (.+) differ$")
_ONLY_IN = re.compile(r"^Only in (.+): (.+)$")
# GNU diff's timestamp; `diff -N` gives a missing file the epoch's ("1970-01-01 00:00:00.0 +0000").
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.\d+)? ([+-]\d{4})$")
# `decode` keeps each byte that is not UTF-8 as a lone surrogate, so each file can tell.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_FILES_API_STATUS = {
    "added": FileStatus.ADDED,
    "copied": FileStatus.ADDED,
    "removed": FileStatus.REMOVED,
    "renamed": FileStatus.RENAMED,
}


class HunkError(ValueError):
    """A hunk's lines disagree with its header's counts, or a line is no hunk line at all.

    The message never quotes the line: it may hold a secret.
    """


class NotADiff(ValueError):
    """The input holds no file diff: it is neither `git diff` nor `diff -u` output."""

    def __init__(self) -> None:
        super().__init__("no file diff found; expected `git diff` or `diff -u` output")


def decode(data: bytes | str) -> str:
    """Decode diff bytes leniently: a non-UTF-8 file must not stop the review of the others.

    Bytes that are not UTF-8 become lone surrogates (`surrogateescape`), so that the file they
    are in is marked `not_utf8`; each file's lines then read U+FFFD in their place.
    """
    return data if isinstance(data, str) else data.decode("utf-8", errors="surrogateescape")


def _utf8(lines: list[str]) -> tuple[list[str], bool]:
    """Replace the surrogates `decode` left for bytes that are not UTF-8; tell if there were any."""
    if not any(_NOT_UTF8.search(line) for line in lines):
        return lines, False
    return [_NOT_UTF8.sub("\ufffd", line) for line in lines], True


def parse(data: bytes | str, *, strict: bool = False) -> Change:
    """Parse `git diff` or `diff -u` / `diff -ruN` output (bytes or text) into a Change.

    Input of nothing but white space is an empty diff (`git diff` of no change writes nothing).
    Other input that holds no file diff raises NotADiff when `strict` (the CLI's input error),
    and is otherwise a problem of the returned Change (the server reports it).
    """
    text = decode(data)
    if _FILE_START.search(text):
        files, left_out, problems = _git_files(text)
    else:
        files, left_out, problems = _unified_files(text)
    if files or left_out or problems or not text.strip():
        return Change(tuple(files), tuple([*map(str, left_out), *problems]), tuple(left_out))
    if strict:
        raise NotADiff
    return Change(problems=(f"the diff could not be read: {NotADiff()}",))


def from_files_api(entries: Iterable[Mapping[str, Any]]) -> Change:
    """Build a Change from GitHub's "list pull request files" entries (the too-large-diff path)."""
    files: list[ChangedFile] = []
    left_out: list[Skip] = []
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
                detail = "GitHub sent no patch (too large); not reviewed"
                left_out.append(Skip(path, SkipKind.NO_PATCH, detail))
            continue
        try:
            hunks = _read_hunks(_lines(str(patch)))
        except ValueError as exc:
            log.warning("skipping unparsable patch of %r: %s", path, type(exc).__name__)
            detail = "the patch of this file could not be parsed"
            left_out.append(Skip(path, SkipKind.UNPARSABLE, detail))
            continue
        files.append(ChangedFile(path, status, old_path, **hunks))
    return Change(tuple(files), tuple(map(str, left_out)), tuple(left_out))


Read = tuple[list[ChangedFile], list[Skip], list[str]]  # files, files left out, other problems


def _git_files(text: str) -> Read:
    starts = [m.start() for m in _FILE_START.finditer(text)]
    chunks = (text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True))
    files, left_out = _read_files((_lines(chunk) for chunk in chunks), _git_file, _git_name)
    return files, left_out, []


def _unified_files(text: str) -> Read:
    sections, only = _unified_sections(_lines(text))
    files, left_out = _read_files(sections, _unified_file, _unified_name)
    # `diff -r` without -N names a file one tree lacks instead of showing its lines.
    only_in_one = [
        f"`{_utf8([name])[0][0]}`: only in one of the trees, not reviewed (`diff -N` shows it)"
        for name in only
    ]
    return files, left_out, only_in_one


def _lines(text: str) -> list[str]:
    lines = text.rstrip("\n").split("\n")  # not splitlines(): \x1c or U+2028 are not line ends
    if lines and lines[0].endswith("\r"):
        # A diff saved with CRLF throughout; content CRs of a CRLF file are kept otherwise.
        lines = [line.removesuffix("\r") for line in lines]
    return lines


def _read_files(
    sections: Iterable[list[str]],
    read: Callable[[list[str]], ChangedFile],
    name: Callable[[list[str]], str],
) -> tuple[list[ChangedFile], list[Skip]]:
    """Read each file's section; a section that does not parse is left out, not a crash."""
    files: list[ChangedFile] = []
    left_out: list[Skip] = []
    for raw in sections:
        lines, not_utf8 = _utf8(raw)
        try:
            changed = read(lines)
        except ValueError as exc:
            # Only the exception's type is logged: a message could quote a line holding a secret.
            log.warning("skipping unparsable diff of %r: %s", name(lines), type(exc).__name__)
            detail = "the diff of this file could not be parsed"
            left_out.append(Skip(name(lines), SkipKind.UNPARSABLE, detail))
            continue
        # A binary file is listed as skipped, not as a problem.
        files.append(replace(changed, not_utf8=True) if not_utf8 else changed)
    return files, left_out


def _git_name(lines: list[str]) -> str:
    return _headers(lines).get("path", "?")


def _git_file(lines: list[str]) -> ChangedFile:
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
    return ChangedFile(path, status, old_path, **_read_hunks(lines[first_hunk:]))


def _unified_sections(lines: list[str]) -> tuple[list[list[str]], list[str]]:
    """Split `diff -u` output into one section per file; name the files only one tree has.

    A file's diff starts at a `--- `, `+++ `, `@@` triple outside any hunk, and each hunk's body
    is counted out by the lengths in its header: a removed `-- comment` line reads `--- comment`
    and must not be taken for the next file's header. Other lines (`diff -ruN a b` commands,
    `Index:` lines, a mail's text) are not part of any file.
    """
    sections: list[list[str]] = []
    only: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if (
            line.startswith("--- ")
            and i + 2 < len(lines)
            and lines[i + 1].startswith("+++ ")
            and _HUNK_HEADER.match(lines[i + 2])
        ):
            end = _hunks_end(lines, i + 2)
            sections.append(lines[i:end])
            i = end
            continue
        if _BINARY.match(line):
            sections.append([line])
        elif found := _ONLY_IN.match(line):
            only.append(f"{found[1].rstrip('/')}/{found[2]}")
        i += 1
    return sections, only


def _hunks_end(lines: list[str], i: int) -> int:
    """Return the index just past the hunks that start at `lines[i]`."""
    while i < len(lines) and (hunk := _HUNK_HEADER.match(lines[i])):
        old, new = (1 if length is None else int(length) for length in hunk.groups()[1::2])
        i += 1
        while i < len(lines) and (old > 0 or new > 0 or lines[i].startswith("\\")):
            tag = lines[i][:1]
            if tag == "-":
                old -= 1
            elif tag == "+":
                new -= 1
            elif tag in (" ", ""):  # "": a context line whose space an editor trimmed
                old, new = old - 1, new - 1
            elif tag != "\\":  # "\ No newline at end of file"
                break
            i += 1
    return i


def _unified_name(lines: list[str]) -> str:
    binary = _BINARY.match(lines[0])
    if binary:
        return _tree_path(binary[1], binary[2])
    return _tree_path(_header_name(lines[0]), _header_name(lines[1]))


def _unified_file(lines: list[str]) -> ChangedFile:
    path = _unified_name(lines)
    if _BINARY.match(lines[0]):
        return ChangedFile(path, FileStatus.MODIFIED, binary=True)
    hunks = _read_hunks(lines[2:])
    status = FileStatus.MODIFIED
    if not hunks["old_ranges"] and _absent(lines[0]):
        status = FileStatus.ADDED
    elif not hunks["new_ranges"] and _absent(lines[1]):
        status = FileStatus.REMOVED
    return ChangedFile(path, status, **hunks)


def _header_name(line: str) -> str:
    return _unquote(line[4:].split("\t")[0])


def _absent(header: str) -> bool:
    """Tell whether a `---`/`+++` line names a missing file: /dev/null, or `diff -N`'s epoch."""
    if _header_name(header) == DEV_NULL:
        return True
    stamp = _STAMP.match(header[4:].partition("\t")[2].strip())
    if stamp is None:
        return False
    return datetime.strptime(f"{stamp[1]} {stamp[2]}", "%Y-%m-%d %H:%M:%S %z").timestamp() == 0


def _tree_path(old: str, new: str) -> str:
    """Name a file of `diff -u` output by its path inside the trees compared.

    `diff -ruN old new` writes `old/src/x.py` and `new/src/x.py`: the same file under two roots,
    so the path is what the two names share at their ends (`src/x.py`), as `patch -p1` drops
    `a/` and `b/`. Names that are equal, or share no ending, are kept as the new side wrote them
    (`diff -u x.py.orig x.py` names `x.py`). Facing /dev/null, a name loses the `a/` or `b/`
    that `hg diff` and quilt put on both sides.
    """
    if DEV_NULL in (old, new):
        named = new if old == DEV_NULL else old
        return _strip_prefix(_strip_prefix(named, "a/" if new == DEV_NULL else "b/"), "./")
    old_parts, new_parts = old.split("/"), new.split("/")
    shared = 0
    while shared < min(len(old_parts), len(new_parts)) - 1 and (
        old_parts[-1 - shared] == new_parts[-1 - shared]
    ):
        shared += 1
    if shared == 0 or old_parts == new_parts:
        return new.removeprefix("./")
    return "/".join(new_parts[-shared:])


def _read_hunks(lines: Sequence[str]) -> dict[str, Any]:
    """Read one file's hunks (its lines from the first `@@`) in one pass.

    Each hunk's body is counted out by its header's lengths (an omitted length is 1): `+` adds,
    `-` removes, ` ` or an empty line (an editor trimmed its space) is context, a backslash line
    ("No newline at end of file") counts for neither side. Raises HunkError when a hunk runs
    past or short of its counts or holds a line of no other kind, or when a line other than an
    empty one or that marker stands between two hunks (as unidiff did); after the last hunk,
    such lines (a mail's signature) are ignored.

    Shape: ChangedFile's `added`, `removed` (Line tuples, numbered in the new and the old file),
    `new_ranges` and `old_ranges` (inclusive first and last line of each non-empty side).
    """
    added: list[Line] = []
    removed: list[Line] = []
    new_ranges: list[tuple[int, int]] = []
    old_ranges: list[tuple[int, int]] = []
    i, count = 0, len(lines)
    stray = False  # a line outside any hunk: its hunk's header undercounted (a hand-edited diff)
    while i < count:
        header = _HUNK_HEADER.match(lines[i])
        i += 1
        if header is None:
            stray = stray or not (lines[i - 1] == "" or lines[i - 1].startswith(NO_NEWLINE))
            continue
        if stray:
            raise HunkError("a line outside any hunk comes before a hunk")
        old, old_length, new, new_length = (
            1 if value is None else int(value) for value in header.groups()
        )
        if new_length:
            new_ranges.append((new, new + new_length - 1))
        if old_length:
            old_ranges.append((old, old + old_length - 1))
        old_end, new_end = old + old_length, new + new_length
        while True:  # the hot loop of a large review: one slice and one comparison per line
            if i == count:
                if old < old_end or new < new_end:
                    raise HunkError("a hunk is shorter than its header says")
                break
            text = lines[i]
            i += 1
            tag = text[:1]
            if tag == "+":
                added.append(Line(new, _text(text[1:])))
                new += 1
            elif tag == "-":
                removed.append(Line(old, _text(text[1:])))
                old += 1
            elif tag == " " or text in ("", "\r"):
                old, new = old + 1, new + 1
            elif tag != "\\":
                raise HunkError("a hunk holds a line that is not part of a hunk")
            if old > old_end or new > new_end:
                raise HunkError("a hunk is longer than its header says")
            if old == old_end and new == new_end:
                break
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
