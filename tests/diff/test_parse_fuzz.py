"""Hostile diffs: random bytes, odd names and huge inputs never crash or hang the parser."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.diff.parse import from_files_api, parse

NAME_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
names = st.text(NAME_CHARS, min_size=1, max_size=40).map(lambda s: s.strip("/ ") or "x")
lines = st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=12)


def diff_of(name: str, added: list[str], removed: list[str]) -> str:
    body = "".join(f"-{line}\n" for line in removed) + "".join(f"+{line}\n" for line in added)
    return (
        f"diff --git a/{name} b/{name}\n--- a/{name}\n+++ b/{name}\n"
        f"@@ -1,{len(removed)} +1,{len(added)} @@\n{body}"
    )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash(data: bytes) -> None:
    change = parse(data)
    assert all(f.path for f in change.files)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_after_a_valid_header_never_crash(tail: bytes) -> None:
    parse(b"diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n" + tail)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names, lines, lines)
def test_any_file_name_and_content_round_trip(
    name: str, added: list[str], removed: list[str]
) -> None:
    """Names with `../`, NUL, quotes or ` b/`, lines of any text: parsed or reported, never lost."""
    added = [line.replace("\n", " ").replace("\r", " ") for line in added]
    removed = [line.replace("\n", " ").replace("\r", " ") for line in removed]
    change = parse(diff_of(name, added, removed))
    assert len(change.files) + len(change.problems) >= 1
    for changed in change.files:
        assert [line.text for line in changed.added] == added
        assert [line.text for line in changed.removed] == removed


# Lines that, behind their `-` or `+`, read like the header of a file or a hunk.
header_like = st.lists(
    st.one_of(st.sampled_from(["-- x", "++ y", "-- ", "++ ", "@ -1 +1 @@"]), st.text(max_size=20)),
    max_size=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header_like, header_like, lines)
def test_unified_diff_lines_never_leak_into_the_next_file(
    added: list[str], removed: list[str], after: list[str]
) -> None:
    """`diff -ruN` output with lines of any text (`-- x` reads `--- x`): each file keeps its own."""
    added, removed, after = (
        [s.replace("\n", " ").replace("\r", " ") for s in x] for x in (added, removed, after)
    )
    after = ["first", *after]  # a hunk holds a line at least
    first = " same\n" + "".join(f"-{s}\n" for s in removed) + "".join(f"+{s}\n" for s in added)
    first += "@@ -50 +50 @@\n-last\n+last!\n"  # a second hunk: the `@@` after `--- x`, `+++ y`
    second = "".join(f"+{s}\n" for s in after)
    old_count, new_count = len(removed) + 1, len(added) + 1
    diff = (
        f"--- old/one.sql\n+++ new/one.sql\n@@ -1,{old_count} +1,{new_count} @@\n{first}"
        f"--- old/two.sql\n+++ new/two.sql\n@@ -0,0 +1,{len(after)} @@\n{second}"
    )
    change = parse(diff)
    assert change.problems == ()
    one, two = change.files
    assert (one.path, two.path) == ("one.sql", "two.sql")
    assert [line.text for line in one.added] == [*added, "last!"]
    assert [line.text for line in one.removed] == [*removed, "last"]
    assert [line.text for line in two.added] == after


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_after_a_unified_header_never_crash(tail: bytes) -> None:
    parse(b"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n" + tail, strict=True)


@pytest.mark.parametrize("name", ["../../etc/passwd", "a\x00b.py", 'quo"te.py', "x b/y.py"])
def test_hostile_names_are_kept_as_text(name: str) -> None:
    (changed,) = parse(diff_of(name, ["print(1)"], [])).files
    assert changed.path == name


@pytest.mark.timeout(60)
def test_ten_thousand_files_parse() -> None:
    big = "".join(diff_of(f"src/module_{n}.py", [f"VALUE = {n}"], []) for n in range(10_000))
    change = parse(big)
    assert len(change.files) == 10_000 and change.problems == ()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({"filename": names, "status": st.sampled_from(
    ["added", "removed", "modified", "renamed", "copied", "changed"]),
    "patch": st.one_of(st.none(), st.text(max_size=300))}), max_size=20))  # fmt: skip
def test_files_api_entries_never_crash(entries: list[dict[str, object]]) -> None:
    change = from_files_api(entries)
    assert len(change.files) + len(change.problems) >= len(entries) - sum(
        1 for e in entries if e["patch"] is not None
    )
