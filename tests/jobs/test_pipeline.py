"""Huge pull requests are reviewed within bounds, and the report says what was left out."""

from __future__ import annotations

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.jobs.review_read import MAX_ADDED_LINES, MAX_FILES, cap


def files(count: int, lines: int) -> tuple[ChangedFile, ...]:
    added = tuple(Line(n, f"value_{n} = {n}") for n in range(1, lines + 1))
    return tuple(ChangedFile(f"src/m{i}.py", FileStatus.ADDED, added=added) for i in range(count))


def test_a_change_within_bounds_is_untouched() -> None:
    change = Change(files=files(3, 10), problems=("`x.png`: binary file, not reviewed",))
    assert cap(change) is change


def test_too_many_files_are_cut_with_a_partially_reviewed_note() -> None:
    capped = cap(Change(files=files(MAX_FILES + 5, 1)))
    assert len(capped.files) == MAX_FILES
    assert capped.problems == (
        f"partially reviewed: 5 of {MAX_FILES + 5} files were left out "
        f"(limits: {MAX_FILES} files, {MAX_ADDED_LINES} added lines per review)",
    )


def test_too_many_added_lines_are_cut_at_a_file_boundary() -> None:
    per_file = MAX_ADDED_LINES // 4 + 1
    capped = cap(Change(files=files(5, per_file)))
    assert len(capped.files) == 3
    assert capped.problems[0].startswith("partially reviewed: 2 of 5 files were left out")
