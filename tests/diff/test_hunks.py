"""Reading a file's hunks: line numbers, ranges and refusals, and agreement with unidiff.

The parser reads hunks in one pass of its own (bot/diff/parse.py says why); unidiff, which read
them before and which the GitHub double still uses, is the reference it is checked against on
generated hunks.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from unidiff.constants import LINE_TYPE_ADDED, LINE_TYPE_REMOVED
from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from bot.diff.model import FileStatus, Line
from bot.diff.parse import parse


def git_diff(path: str, hunks: str) -> bytes:
    header = f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
    return (header + hunks).encode()


def test_lines_are_numbered_on_their_own_side_across_hunks() -> None:
    hunks = (
        "@@ -1,3 +1,3 @@\n"
        " keep\n"
        "-old = 1\n"
        "+new = 1\n"
        "\n"  # a context line whose space an editor trimmed
        "@@ -10 +10,2 @@ def section():\n"  # an omitted length is 1
        " context\n"
        "+added = 2\n"
        "\\ No newline at end of file\n"
    )
    (changed,) = parse(git_diff("app.py", hunks)).files
    assert changed.status is FileStatus.MODIFIED
    assert changed.added == (Line(2, "new = 1"), Line(11, "added = 2"))
    assert changed.removed == (Line(2, "old = 1"),)
    assert changed.new_ranges == ((1, 3), (10, 11))
    assert changed.old_ranges == ((1, 3), (10, 10))


def test_lines_that_look_like_headers_or_markers_inside_a_hunk_are_content() -> None:
    hunks = "@@ -1,2 +1,2 @@\n--- a comment\n-@@ not a hunk\n++++ plus\n+diff --git x\n"
    (changed,) = parse(git_diff("notes.sql", hunks)).files
    assert changed.removed == (Line(1, "-- a comment"), Line(2, "@@ not a hunk"))
    assert changed.added == (Line(1, "+++ plus"), Line(2, "diff --git x"))


def test_a_carriage_return_ends_no_line_but_is_dropped_at_the_end() -> None:
    (changed,) = parse(git_diff("a.txt", "@@ -0,0 +1,2 @@\n+one\r\n+two\rthree\n")).files
    assert changed.added == (Line(1, "one"), Line(2, "two\rthree"))


def test_a_new_file_has_only_a_new_range() -> None:
    (changed,) = parse(
        b"diff --git a/n.py b/n.py\nnew file mode 100644\n--- /dev/null\n+++ b/n.py\n"
        b"@@ -0,0 +1,2 @@\n+a = 1\n+b = 2\n"
    ).files
    assert changed.status is FileStatus.ADDED
    assert changed.new_ranges == ((1, 2),) and changed.old_ranges == ()


def test_a_hunk_longer_or_shorter_than_its_header_is_a_problem_that_quotes_no_line() -> None:
    secret = "password = 'hunter2-but-longer'"
    for hunks in (
        f"@@ -1 +1,2 @@\n-{secret}\n-{secret}\n",  # the old side runs past its one line
        f"@@ -1,3 +1,3 @@\n {secret}\n",
        f"@@ -1 +1 @@\n*{secret}\n",
    ):
        change = parse(git_diff("app.py", hunks))
        assert change.files == ()
        (problem,) = change.problems
        assert "app.py" in problem and "hunter2" not in problem


# --- Agreement with unidiff on generated hunks ---------------------------------------------------

TEXT = st.text(
    alphabet=st.sampled_from(["a", " ", "-", "+", "@", "\\", "\r", "é", "\t", "x"]), max_size=12
)
BODY = st.lists(st.tuples(st.sampled_from(["+", "-", " ", "\\"]), TEXT), min_size=1, max_size=12)


def hunk(start: int, body: list[tuple[str, str]], skew: int) -> str:
    """A hunk whose header counts its lines, but for `skew` added to the new side's length
    (a header with a negative length is no hunk header: not generated)."""
    old = sum(tag in "- " for tag, _ in body)
    new = max(sum(tag in "+ " for tag, _ in body) + skew, 0)
    return f"@@ -{start},{old} +{start},{new} @@\n" + "".join(f"{t}{x}\n" for t, x in body)


def with_unidiff(hunks: str) -> dict[str, object] | None:
    """What unidiff reads from the same hunks; None when it refuses them."""
    try:
        patch = PatchSet.from_string("--- a/f\n+++ b/f\n" + hunks)
    except UnidiffParseError:
        return None
    added, removed, new_ranges, old_ranges = [], [], [], []
    for patched in patch:
        for h in patched:
            if h.target_length:
                new_ranges.append((h.target_start, h.target_start + h.target_length - 1))
            if h.source_length:
                old_ranges.append((h.source_start, h.source_start + h.source_length - 1))
            for line in h:
                text = line.value.rstrip("\n").removesuffix("\r")
                if line.line_type == LINE_TYPE_ADDED:
                    added.append(Line(line.target_line_no, text))
                elif line.line_type == LINE_TYPE_REMOVED:
                    removed.append(Line(line.source_line_no, text))
    return {"added": added, "removed": removed, "new": new_ranges, "old": old_ranges}


@settings(max_examples=300, deadline=None)
@given(
    bodies=st.lists(BODY, min_size=1, max_size=3),
    skews=st.lists(st.sampled_from([0, 0, 0, 1, -1]), min_size=3, max_size=3),
)
def test_hunks_read_as_unidiff_reads_them(
    bodies: list[list[tuple[str, str]]], skews: list[int]
) -> None:
    # Text with a line end of its own is not one diff line: keep "\r" to the end of a line.
    bodies = [
        [(tag, text.replace("\r", "") + ("\r" if "\r" in text else "")) for tag, text in b]
        for b in bodies
    ]
    hunks, start = "", 1
    for body, skew in zip(bodies, skews, strict=False):
        hunks += hunk(start, body, skew)
        start += 100
    expected = with_unidiff(hunks)
    change = parse(git_diff("f", hunks))
    if expected is None:
        assert change.files == () and len(change.problems) == 1
        return
    (changed,) = change.files
    assert list(changed.added) == expected["added"]
    assert list(changed.removed) == expected["removed"]
    assert list(changed.new_ranges) == expected["new"]
    assert list(changed.old_ranges) == expected["old"]
