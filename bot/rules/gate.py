"""A regex searched only in text that holds one of the literals each of its matches contains.

Python's `re` finds no literal to skip ahead to in an alternation whose branches start with `\\b`
or a class, so it tries every branch at every position: tens of microseconds for one line, and
such a search runs on every added line of a review. A substring test (`in`, a C scan) rejects
most lines first. The literals are a promise about the pattern: every match holds one of them
(tests/rules/test_gate.py checks each gate against its pattern on real lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Gated:
    """`pattern`, searched only where one of `literals` occurs (case-sensitive)."""

    pattern: re.Pattern[str]
    literals: tuple[str, ...]

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.admits(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self.admits(text) else iter(())

    def admits(self, text: str) -> bool:
        """Tell whether the pattern can match `text` at all: it holds one of the literals."""
        return any(literal in text for literal in self.literals)
