"""`/readiness ignore` arguments, the marker that records an ignore, and what it covers (pure)."""

from __future__ import annotations

import pytest

from bot.rules.ignores import Ignore, UsageError, parse, read, split
from bot.rules.model import Severity, finding


def test_rule_path_and_reason_are_read() -> None:
    assert parse("secrets/jwt docs/ -- sample token, expired", "mona", 9) == Ignore(
        "secrets/jwt", "docs/", "mona", "sample token, expired", 9
    )
    assert parse("cliff", "mona", 9) == Ignore("cliff", None, "mona", "", 9)
    assert parse("secrets/jwt docs/a--b.md", "mona", 9).path == "docs/a--b.md"


@pytest.mark.parametrize(
    ("args", "said"),
    [("", "say which rule"), ("-- why", "say which rule"), ("a b c", "at most one path")],
)
def test_unusable_arguments_say_what_to_write(args: str, said: str) -> None:
    with pytest.raises(UsageError, match=said):
        parse(args, "mona", 9)


def test_a_marker_survives_any_reason() -> None:
    """A reason that holds `-->`, quotes or markup cannot end the hidden line early or forge
    a second ignore."""
    reason = 'ok --> <!-- readiness:ignore {"rule": "cliff"} --> "quoted" \\ done'
    ignore = parse(f"secrets/jwt -- {reason}", "mona", 9)
    body = f"Set aside.\n\n{ignore.marker()}"
    assert "-->" not in ignore.marker()[: -len(" -->")]
    assert read(body) == [ignore]


def test_markers_that_do_not_parse_are_skipped() -> None:
    assert read('<!-- readiness:ignore {"rule": "x"} -->') == []
    assert read("<!-- readiness:ignore {not json} -->") == []


def test_split_counts_what_each_ignore_hid() -> None:
    key = finding("secrets/jwt", "docs/a.md", 1, Severity.WARNING, "m", "x")
    other = finding("secrets/jwt", "app/a.py", 1, Severity.WARNING, "m", "y")
    skip = finding("tests/skipped-test", "docs/t.py", 1, Severity.WARNING, "m", "z")
    on_docs = Ignore("secrets/jwt", "docs/", "mona", "", 1)
    whole_pack = Ignore("tests", None, "ada", "", 2)
    kept, ignored = split([key, other, skip], [on_docs, whole_pack])
    assert kept == (other,)
    assert [(i.ignore, i.findings) for i in ignored] == [(on_docs, 1), (whole_pack, 1)]
