"""The diff parser: every odd file git can produce becomes a ChangedFile or a reported problem."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.diff.parse import NotADiff, from_files_api, parse
from tests.gitrepo import make_repo

SERVICE_BASE = """\
import logging

log = logging.getLogger(__name__)


def total(orders):
    return sum(order.amount for order in orders)
"""

SERVICE_HEAD = """\
import logging

log = logging.getLogger(__name__)


def total(orders):
    amounts = [order.amount for order in orders if not order.cancelled]
    return sum(amounts)


def count(orders):
    return len(orders)
"""


def test_parses_git_edge_cases_from_a_real_repository(tmp_path: Path) -> None:
    """Renames, deletions, binaries, mode changes, odd names and non-UTF-8 bytes all parse."""
    repo = make_repo(
        tmp_path / "r",
        base={
            "app/service.py": SERVICE_BASE,
            "app/legacy.py": "def old():\n    return 1\n",
            "docs/guide.md": "# Guide\n\nLong enough text to keep the rename similar.\n" * 3,
            "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x01",
            "data/a b/notes.txt": "first\n",
        },
        head={
            "app/service.py": SERVICE_HEAD,
            "app/legacy.py": None,
            "docs/guide.md": None,
            "docs/handbook.md": "# Guide\n\nLong enough text to keep the rename similar.\n" * 3,
            "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x02",
            "data/a b/notes.txt": "second\n",
            "café.txt": "caf\xe9 in latin-1\n".encode("latin-1"),
            "no-newline.txt": "last line without newline",
        },
    )
    change = repo.change
    by_path = {f.path: f for f in change.files}

    assert change.problems == ()  # a binary file is skipped (the snapshot says so), not a problem
    service = by_path["app/service.py"]
    assert service.status is FileStatus.MODIFIED
    assert service.added == (
        Line(7, "    amounts = [order.amount for order in orders if not order.cancelled]"),
        Line(8, "    return sum(amounts)"),
        Line(9, ""),
        Line(10, ""),
        Line(11, "def count(orders):"),
        Line(12, "    return len(orders)"),
    )
    assert service.removed == (Line(7, "    return sum(order.amount for order in orders)"),)
    assert service.commentable(11) and service.commentable(4)  # context lines count too
    assert not service.commentable(1)
    assert service.commentable(7, "LEFT")

    assert by_path["app/legacy.py"].status is FileStatus.REMOVED
    assert by_path["app/legacy.py"].removed[0] == Line(1, "def old():")
    renamed = by_path["docs/handbook.md"]
    assert (renamed.status, renamed.old_path) == (FileStatus.RENAMED, "docs/guide.md")
    assert by_path["logo.png"].binary and by_path["logo.png"].added == ()
    assert by_path["data/a b/notes.txt"].added == (Line(1, "second"),)
    assert by_path["café.txt"].status is FileStatus.ADDED
    assert by_path["café.txt"].added[0].text == "caf\ufffd in latin-1"
    assert by_path["no-newline.txt"].added == (Line(1, "last line without newline"),)


def test_mode_only_change_has_no_lines() -> None:
    diff = b"diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
    (changed,) = parse(diff).files
    assert (changed.path, changed.status, changed.added) == ("run.sh", FileStatus.MODIFIED, ())


def test_crlf_diff_and_quoted_names_parse() -> None:
    """A diff saved with CRLF endings, and git's C-quoted names, still parse file by file."""
    diff = (
        b'diff --git "a/na\\303\\257ve.py" "b/na\\303\\257ve.py"\r\n'
        b"index 1..2 100644\r\n"
        b'--- "a/na\\303\\257ve.py"\r\n'
        b'+++ "b/na\\303\\257ve.py"\r\n'
        b"@@ -1 +1,2 @@\r\n"
        b" x = 1\r\n"
        b"+y = 2\r\n"
    )
    (changed,) = parse(diff).files
    assert changed.path == "naïve.py"
    assert changed.added == (Line(2, "y = 2"),)


def test_path_with_b_slash_inside_does_not_sink_the_diff() -> None:
    """unidiff fails a whole patch on a path containing " b/"; here only names are read by us."""
    diff = (
        b"diff --git a/x b/y.txt b/x b/y.txt\n"
        b"index 1..2 100644\n"
        b"--- a/x b/y.txt\n"
        b"+++ b/x b/y.txt\n"
        b"@@ -1 +1 @@\n"
        b"-old\n"
        b"+new\n"
        b"diff --git a/ok.py b/ok.py\n"
        b"index 1..2 100644\n"
        b"--- a/ok.py\n"
        b"+++ b/ok.py\n"
        b"@@ -1 +1 @@\n"
        b"-a = 1\n"
        b"+a = 2\n"
    )
    change = parse(diff)
    assert [f.path for f in change.files] == ["x b/y.txt", "ok.py"]
    assert change.files[0].added == (Line(1, "new"),)


def test_a_broken_file_is_reported_and_the_others_kept() -> None:
    diff = (
        b"diff --git a/bad.py b/bad.py\n"
        b"--- a/bad.py\n"
        b"+++ b/bad.py\n"
        b"@@ -1,5 +1,5 @@\n"
        b"+only one line for a hunk that promises five\n"
        b"diff --git a/good.py b/good.py\n"
        b"--- a/good.py\n"
        b"+++ b/good.py\n"
        b"@@ -0,0 +1 @@\n"
        b"+print('hi')\n"
    )
    change = parse(diff)
    assert [f.path for f in change.files] == ["good.py"]
    assert len(change.problems) == 1 and "bad.py" in change.problems[0]


def test_text_without_file_headers_is_a_problem_not_a_crash() -> None:
    assert parse(b"\xff\xfe random bytes").problems
    assert parse(b"").files == () and parse(b"").problems == ()


TREE_BASE: dict[str, str | bytes | None] = {
    "app/service.py": SERVICE_BASE,
    "app/legacy.py": "def old():\n    return 1\n",
    "db/notes.sql": "-- owner: data team\nSELECT 1;\n",
    "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x01",
}
TREE_HEAD: dict[str, str | bytes | None] = {
    "app/service.py": SERVICE_HEAD,
    "app/legacy.py": None,
    "app/new.py": 'KEY = "value"\n',
    "db/notes.sql": "SELECT 1;\n",
    "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x02",
}


def _write_tree(root: Path, files: dict[str, str | bytes | None]) -> None:
    for name, content in files.items():
        if content is None:
            continue
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        (root / name).write_bytes(data)


def _gnu_diff(cwd: Path, *args: str) -> bytes:
    done = subprocess.run(["diff", *args], cwd=cwd, capture_output=True, check=False)
    assert done.returncode == 1, done.stderr  # 1: the inputs differ
    return done.stdout


def _shape(changed: ChangedFile) -> tuple[object, ...]:
    return (changed.path, changed.status, changed.added, changed.removed, changed.binary)


def test_diff_ruN_of_two_trees_reads_as_git_diff_of_the_same_change(tmp_path: Path) -> None:
    """`diff -ruN old new` gives the files, statuses and lines `git diff` gives for that change."""
    _write_tree(tmp_path / "old", TREE_BASE)
    _write_tree(tmp_path / "new", {**TREE_BASE, **TREE_HEAD})  # None: not in the new tree
    unified = parse(_gnu_diff(tmp_path, "-ruN", "old", "new"))
    git = make_repo(tmp_path / "repo", base=TREE_BASE, head=TREE_HEAD).change

    assert sorted(map(_shape, unified.files)) == sorted(map(_shape, git.files))
    assert unified.problems == git.problems == ()  # the binary file is skipped, not a problem
    by_path = {f.path: f for f in unified.files}
    assert by_path["app/new.py"].status is FileStatus.ADDED
    assert by_path["app/legacy.py"].status is FileStatus.REMOVED
    assert by_path["db/notes.sql"].removed == (Line(1, "-- owner: data team"),)
    assert by_path["app/service.py"].commentable(7, "LEFT")


def test_diff_without_N_names_files_only_one_tree_has(tmp_path: Path) -> None:
    """`diff -ru` says "Only in" instead of showing a new file's lines: not reviewed, and said."""
    _write_tree(tmp_path / "old", {"x.py": "a = 1\n"})
    _write_tree(tmp_path / "new", {"x.py": "a = 2\n", "added.py": "b = 1\n"})
    change = parse(_gnu_diff(tmp_path, "-ru", "old", "new"))
    assert [(f.path, f.added) for f in change.files] == [("x.py", (Line(1, "a = 2"),))]
    assert change.problems == (
        "`new/added.py`: only in one of the trees, not reviewed (`diff -N` shows it)",
    )


def test_diff_u_of_two_files_is_named_by_the_new_file(tmp_path: Path) -> None:
    (tmp_path / "settings.py.orig").write_text("DEBUG = False\n")
    (tmp_path / "settings.py").write_text("DEBUG = True\n")
    data = _gnu_diff(tmp_path, "-u", "settings.py.orig", "settings.py")
    for diff in (data, data.replace(b"\n", b"\r\n")):  # also as saved with CRLF endings
        (changed,) = parse(diff).files
        assert (changed.path, changed.status) == ("settings.py", FileStatus.MODIFIED)
        assert (changed.removed, changed.added) == (
            (Line(1, "DEBUG = False"),),
            (Line(1, "DEBUG = True"),),
        )


def test_hunk_lines_that_look_like_file_headers_stay_in_their_hunk() -> None:
    """With no context (`diff -U0`), a removed `-- x` and an added `++ y` precede the next `@@`."""
    diff = (
        b"--- a/query.hs\t2026-11-01 12:00:00.000000000 +0000\n"
        b"+++ b/query.hs\t2026-11-01 12:00:00.000000000 +0000\n"
        b"@@ -1 +1 @@\n"
        b"--- old comment\n"
        b"+++ suffix\n"
        b"@@ -9,0 +10 @@\n"
        b"+main = pure ()\n"
    )
    (changed,) = parse(diff).files
    assert changed.path == "query.hs"
    assert changed.removed == (Line(1, "-- old comment"),)
    assert changed.added == (Line(1, "++ suffix"), Line(10, "main = pure ()"))


NOT_DIFFS = {
    "text": b"Please review my change to the settings.\n",
    "binary junk": bytes(range(256)) * 4,
    "context diff (diff -c)": b"*** a.py\t2026\n--- b.py\t2026\n***************\n*** 1 ****\n! a\n",
    "normal diff": b"1c1\n< a = 1\n---\n> a = 2\n",
    "headers without hunks": b"--- a.py\n+++ b.py\nno hunk here\n",
}


@pytest.mark.parametrize("data", NOT_DIFFS.values(), ids=NOT_DIFFS.keys())
def test_input_that_is_not_a_unified_diff_is_refused(data: bytes) -> None:
    """The CLI refuses it (strict); the server reports it; neither reads it as an empty diff."""
    with pytest.raises(NotADiff):
        parse(data, strict=True)
    assert parse(data).problems == (
        "the diff could not be read: no file diff found; expected `git diff` or `diff -u` output",
    )


@pytest.mark.parametrize("data", [b"", b"\n", b" \r\n\t\n"])
def test_empty_input_is_an_empty_diff(data: bytes) -> None:
    """`git diff` of no change writes nothing: that is a clean diff, not an error."""
    assert parse(data, strict=True) == parse(data) == Change()


def test_files_api_entries_become_a_change() -> None:
    """The too-large-diff fallback reads GitHub's `patch` fields and flags files without one."""
    change = from_files_api(
        [
            {
                "filename": "app/api.py",
                "status": "modified",
                "patch": "@@ -1,2 +1,3 @@\n import os\n+import sys\n print(os)",
            },
            {"filename": "big.min.js", "status": "added", "changes": 40_000},
            {"filename": "logo.png", "status": "added", "changes": 0},
            {
                "filename": "new/name.py",
                "status": "renamed",
                "previous_filename": "old/name.py",
                "patch": "@@ -1 +1 @@\n-a\n+b",
            },
        ]
    )
    api, big, logo, renamed = change.files
    assert api.added == (Line(2, "import sys"),) and api.commentable(3)
    assert big.patch_missing and big.status is FileStatus.ADDED and not big.binary
    assert logo.patch_missing and logo.binary
    assert (renamed.status, renamed.old_path, renamed.removed) == (
        FileStatus.RENAMED,
        "old/name.py",
        (Line(1, "a"),),
    )
    assert change.problems == ("`big.min.js`: GitHub sent no patch (too large); not reviewed",)


def test_a_file_whose_diff_is_not_utf8_is_marked_and_read_with_replacement_characters() -> None:
    """Only the file with the odd bytes is marked; its line keeps the rest of its text."""
    diff = (
        b"diff --git a/menu.txt b/menu.txt\n--- a/menu.txt\n+++ b/menu.txt\n"
        b"@@ -0,0 +1 @@\n+Caf\xe9 au lait\n"
        b"diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n"
        b"@@ -0,0 +1 @@\n+print('caf\xc3\xa9')\n"
    )
    menu, app = parse(diff).files
    assert menu.not_utf8 and menu.added == (Line(1, "Caf\ufffd au lait"),)
    assert not app.not_utf8 and app.added == (Line(1, "print('café')"),)
