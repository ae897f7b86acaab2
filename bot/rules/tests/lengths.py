"""A length check made redundant by an equality check: equal values have equal lengths.

`expect(options.length).toEqual(expected.length)` next to `expect(options).toEqual(expected)`
checks nothing the second does not; so does it once the test gets what it checks another way
(`expect(allOptions).toEqual(expected)`, `options` gone from the test). A check comparing two
lengths (`len(rows) == len(expected)`, `assert_equal expected.size, rows.size`,
`expect(rows).toHaveLength(expected.length)`) is implied by a check of the test, kept or new,
comparing one of the two whole, when the other is compared with it or the test no longer reads
it. A length compared with a number (`len(rows) == 3`) is implied by nothing here, and nor is
one whose other side the test still reads without comparing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.rules.tests.stopped import NEGATED

# A value a length is taken of: a name, its attributes, items and calls (`wrapper.find("li")`).
_PATH = r"[A-Za-z_$@][\w$@]*(?:(?:\.|\?\.)[A-Za-z_$][\w$]*|\[[^\[\]]*\]|\([^()]*\))*"
_LENGTH = re.compile(
    r"(?<![\w$])len\(\s*(?P<arg>[^()]+?)\s*\)"
    r"|(?<![\w$@.])(?P<of>" + _PATH + r")\s*\.\s*(?:length|size|count)\b(?:\(\))?(?!\s*\()"
)
# `expect(rows).toHaveLength(n)`, `expect(rows).to.have.lengthOf(n)`: the length of `rows`.
_HAS_LENGTH = re.compile(
    r"^expect\((?P<of>.+?)\)\.(?:to\.(?:have\.)?)?(?:toHaveLength|lengthOf|have_attributes\(size:)"
)
_EQUAL = r"(?:toEqual|toStrictEqual|toBe|eql|equal|eq|match_array|contain_exactly)"
_CALLS = (
    r"(?:assertEqual|assertEquals|assertListEqual|assertSequenceEqual|assertTupleEqual"
    r"|assert_equal|deepEqual|deepStrictEqual|strictEqual|equal)"
)
_SPACE = re.compile(r"\s+")
_COMMENT = re.compile(r"^\s*(?://|#|/\*|\*)")
PAIR = 2  # a length check compares two lengths


def lengths(text: str) -> list[str]:
    """Return the values a check compares the lengths of, whitespace-free, in order."""
    found = [_SPACE.sub("", m.group("arg") or m.group("of")) for m in _LENGTH.finditer(text)]
    has = _HAS_LENGTH.search(_SPACE.sub("", text))
    found += [has.group("of")] if has else []
    return list(dict.fromkeys(found))


def implied(lost: str, checks: Iterable[str], body: str) -> bool:
    """Tell whether a removed check comparing two lengths is implied by an equality check.

    `lost` is the removed check as written, `checks` the test's checks now (whitespace-free)
    and `body` its source now.
    """
    if NEGATED.search(_SPACE.sub("", lost)):
        return False
    operands = lengths(lost)
    if len(operands) != PAIR:
        return False
    wanted = [check for check in checks if not NEGATED.search(check)]
    for whole, other in (operands, operands[::-1]):
        for check in wanted:
            if _compares_whole(check, whole) and (_named(check, other) or not _read(body, other)):
                return True
    return False


def _compares_whole(check: str, value: str) -> bool:
    """Tell whether an equality check (whitespace-free) has `value` for one whole side."""
    v = re.escape(value)
    patterns = (
        rf"(?:\.|\.to|\.to\.deep\.|\.deep\.){_EQUAL}\(?{v}\)?$",
        rf"^expect\({v}\)\.(?:to\.?)?(?:deep\.)?{_EQUAL}\b",
        rf"(?<![\w$]){_CALLS}\(?(?:{v},|.*,{v}\)?$)",
        rf"^assert(?:{v}==|.*=={v}$)",
    )
    return any(re.search(pattern, check) for pattern in patterns)


def _named(text: str, value: str) -> bool:
    return re.search(r"(?<![\w$.])" + re.escape(value) + r"(?![\w$])", text) is not None


def _read(body: str, value: str) -> bool:
    """Tell whether a test's code (comments aside) still reads a value's root name."""
    root = re.match(r"[A-Za-z_$@][\w$@]*", value)
    if root is None:
        return True
    pattern = re.compile(r"(?<![\w$.])" + re.escape(root.group()) + r"(?![\w$])")
    return any(pattern.search(line) for line in body.splitlines() if not _COMMENT.match(line))
