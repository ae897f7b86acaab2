"""What a test file holds, as the removal rules compare it: tests, assertions, helpers, imports.

A test is what the runner collects (`def test_*`, `it(...)`, `test "..." do`, `func TestX`), with
the assertions it makes counted as syntax nodes (`readers` reads them from each side's tree): a
formatter that joins a chain onto one line or splits an `assert` over three changes nothing. A
function the test calls whose body asserts (a helper, a Cypress command) counts as the assertions
it makes, so moving checks into a helper removes none. Without a tree (a bare diff, Java) tests
are read from the diff's lines instead (`from_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from bot.diff.model import Line
from bot.rules.tests.languages import assertions as line_assertions
from bot.rules.tests.languages import definitions, language

_SPACE = re.compile(r"\s+|,(?=\s*[)\]}])")
HELPER_DEPTH = 3  # how many helper calls deep an assertion is still the test's own


# What an assertion checks, read from its tree when first asked: (the value it checks, what an
# equality check compares whole). Only a test that loses a check asks, so most never do.
Checked = Callable[[], tuple[str, tuple[str, ...]]]


def _unread() -> tuple[str, tuple[str, ...]]:
    return "", ()


@dataclass(frozen=True)
class Assertion:
    """One assertion: the line it starts on, its text with all whitespace removed, and what it
    checks (`expect(total(items))`, the left side of an `assert ... ==`).

    From a tree, also the value it checks and, for an equality check, what it compares whole,
    spelt alike (`compared`): `x` of `expect(x)`, and each part of `{ status, data }`; both
    read on first use (`checked`).
    """

    line: int
    text: str
    subject: str = ""
    checked: Checked = field(default=_unread, compare=False, repr=False)

    @cached_property
    def _read(self) -> tuple[str, tuple[str, ...]]:
        return self.checked()

    @property
    def value(self) -> str:
        return self._read[0]

    @property
    def compared(self) -> tuple[str, ...]:
        return self._read[1]


@dataclass(frozen=True)
class Test:
    """One test as its runner collects it.

    `key` tells tests of one file apart (`Class.test_x`, `describe > it`); `line` is the line
    holding its name (the `def`, `it(` or `test` line, a JVM test's method), `start`/`end` span
    its decorators, annotations or table and its body; `body` is its source without its name,
    for comparing two tests.
    """

    key: str
    name: str
    line: int
    start: int
    end: int
    body: str
    assertions: tuple[Assertion, ...] = ()
    calls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suite:
    """What a test file defines: its tests, its asserting helpers and what it imports."""

    tests: tuple[Test, ...]
    helpers: Mapping[str, int] = field(default_factory=dict)
    imports: frozenset[str] = frozenset()
    bodies: Mapping[str, str] = field(default_factory=dict)  # each helper's source, as written


def normalise(text: str) -> str:
    """Drop whitespace and trailing commas: formatting does not change what an assertion checks."""
    return _SPACE.sub("", text)


def from_lines(path: str, lines: Sequence[Line]) -> list[Test]:
    """Read tests from diff lines alone (a bare diff, or a side that does not parse).

    A test runs from its definition to the line before the next definition or the next gap in
    line numbers: all a diff shows of it.
    """
    lang = language(path)
    found = definitions(path, lines)
    tests = []
    for index, definition in enumerate(found):
        name, first = definition.name, definition.first
        stop = found[index + 1].first.number if index + 1 < len(found) else None
        body: list[Line] = []
        for line in lines:
            if line.number < first.number:
                continue
            if (stop is not None and line.number >= stop) or (
                body and line.number != body[-1].number + 1
            ):
                break
            body.append(line)
        texts = [line.text for line in body]
        asserted = [line for line in body if lang and line_assertions(lang, [line.text])]
        tests.append(
            Test(
                key=name,
                name=name,
                line=definition.named.number,
                start=first.number,
                end=body[-1].number,
                body="\n".join(texts).replace(name, " ", 1),
                assertions=tuple(
                    Assertion(a.number, normalise(a.text), normalise(a.text)) for a in asserted
                ),
            )
        )
    return tests


def count(test: Test, helpers: Mapping[str, int]) -> int:
    """Count what a test asserts: its own assertions and those of the helpers it calls."""
    return len(test.assertions) + sum(helpers.get(name, 0) for name in test.calls)


def resolve(direct: Mapping[str, tuple[int, tuple[str, ...]]]) -> dict[str, int]:
    """Give each helper the assertions of the helpers it calls too, a few calls deep."""
    counts = {name: own for name, (own, _) in direct.items()}
    for _ in range(HELPER_DEPTH - 1):
        counts = {
            name: own + sum(counts.get(call, 0) for call in calls if call != name)
            for name, (own, calls) in direct.items()
        }
    return {name: n for name, n in counts.items() if n}
