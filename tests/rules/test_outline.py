"""Enclosing blocks by indentation: the one-pass Outline answers as a walk up from each line."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.code import FUNCTION, HANDLER, OWNER, enclosing, in_handler, indent, name, outline

SOURCE = """\
class Orders:
    def total(self):
        try:
            rows = db.query()

        except Exception:
            log.error("x")
            return []
        return rows

def helper():
    pass
""".splitlines()


def walked_enclosing(lines: Sequence[str], index: int, pattern: re.Pattern[str]) -> int:
    """The definition: the nearest line above, indented less, matching with a name."""
    depth = indent(lines[index])
    for above in range(index - 1, -1, -1):
        text = lines[above]
        if text.strip() and indent(text) < depth and name(pattern.match(text)):
            return above
    return -1


def walked_in_handler(lines: Sequence[str], index: int) -> bool:
    depth = indent(lines[index])
    for above in range(index - 1, -1, -1):
        text = lines[above]
        if text.strip() and indent(text) < depth:
            return bool(HANDLER.match(text))
    return False


def test_lines_of_a_small_file() -> None:
    assert enclosing(SOURCE, 3, FUNCTION, inclusive=False)[0] == 1
    assert enclosing(SOURCE, 1, FUNCTION, inclusive=True)[0] == 1
    assert enclosing(SOURCE, 3, OWNER, inclusive=False)[0] == 0
    assert enclosing(SOURCE, 11, FUNCTION, inclusive=False)[0] == 10
    assert enclosing(SOURCE, 10, FUNCTION, inclusive=False) is None
    assert enclosing(SOURCE, 4, FUNCTION, inclusive=False) is None  # a blank line: indent 0
    assert [in_handler(SOURCE, i) for i in range(len(SOURCE))] == [
        *(False,) * 6,
        True,
        True,
        *(False,) * 4,
    ]


def test_the_outline_is_built_once_per_list_of_lines() -> None:
    lines = list(SOURCE)
    assert outline(lines) is outline(lines)
    assert outline(list(SOURCE)) is not outline(lines)


LINE = st.tuples(
    st.sampled_from(["", " ", "  ", "    ", "\t"]),
    st.sampled_from(["def f():", "class C:", "except ValueError:", "x = 1", "", "if x:"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINE, max_size=40))
def test_every_line_is_answered_as_walking_up_answers_it(parts: list[tuple[str, str]]) -> None:
    lines = [lead + text for lead, text in parts]
    for index in range(len(lines)):
        for pattern in (FUNCTION, OWNER):
            found = enclosing(lines, index, pattern, inclusive=False)
            assert (found[0] if found else -1) == walked_enclosing(lines, index, pattern)
        assert in_handler(lines, index) == walked_in_handler(lines, index)
