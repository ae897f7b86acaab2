"""The diff parser: every odd file git can produce becomes a ChangedFile or a reported problem."""

from __future__ import annotations

from pathlib import Path

from bot.diff.model import FileStatus, Line
from bot.diff.parse import from_files_api, parse
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
